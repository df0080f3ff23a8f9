import { shQuote } from '../../transport/shell-quote.ts';
import { markers, prelude } from './common.ts';

export interface RollbackRequest {
  readonly stateDir: string;
  readonly runId: string;
  /** Refuse files whose content is no longer what this run wrote (for `nodeward rollback` later). */
  readonly verifyUnchanged: boolean;
}

/**
 * Restores what a run changed, from the node's own manifest and backups (so it works after the
 * controller died): files byte for byte with mode and owner, files the run created are removed,
 * live sysctls reset to their old values. Entries are undone last-first. Stray temp files of the
 * run are removed. Each restore is itself atomic.
 */
export function rollbackScript(request: RollbackRequest): string {
  return `${prelude(request.stateDir, request.runId)}
[ -f "$R/manifest" ] || nw_fail rollback "no manifest for run $RID on this node"
T=$(printf '\\t')
p_of() { printf '%s' "$1" | base64 -d; }
${request.verifyUnchanged ? VERIFY : ''}
rm -f "$R/dirs.rev"
sed -n '1!G;h;$p' "$R/manifest" > "$R/manifest.rev" || nw_fail rollback "cannot read the manifest"
while IFS="$T" read -r kind i enc existed k mode uid gid; do
  case $kind in
    file)
      p=$(p_of "$enc"); d=$(dirname -- "$p")
      rm -f -- "$d/.nodeward.$RID.$i.tmp"
      if [ "$existed" = 1 ] && [ "$k" = f ]; then
        t="$d/.nodeward.$RID.$i.restore"
        cp -p -- "$R/backup/$i" "$t" && chown "$uid:$gid" "$t" && chmod "$mode" "$t" && mv -f -- "$t" "$p" || { rm -f -- "$t"; nw_fail "restore-$i" "cannot restore $p"; }
        sync -- "$p" "$d" 2>/dev/null
      elif [ "$existed" = 1 ] && [ "$k" = d ]; then
        chown "$uid:$gid" -- "$p" && chmod "$mode" -- "$p" || nw_fail "restore-$i" "cannot restore the mode of $p"
      else
        rm -f -- "$p" || nw_fail "restore-$i" "cannot remove $p"
      fi
      echo "NW_OK restore-$i" ;;
    dir)
      printf '%s\n' "$enc" >> "$R/dirs.rev" ;;
    sysctl)
      v=$(p_of "$enc")
      sysctl -w "$i=$v" >/dev/null 2>&1 || nw_fail "restore-sysctl" "sysctl -w $i was refused"
      echo "NW_OK restore-sysctl" ;;
  esac
done < "$R/manifest.rev"
# directories the run created go last, once the files in them are gone
if [ -f "$R/dirs.rev" ]; then while read -r enc; do rmdir -- "$(p_of "$enc")" 2>/dev/null; done < "$R/dirs.rev"; fi
rm -f "$R/manifest.rev" "$R/dirs.rev"
nw_put "$R/state" rolled-back
echo NW_DONE rolled-back
`;
}

// A later, explicit rollback must not clobber files edited since the run: the manifest keeps
// the sha256 of what the run wrote.
const VERIFY = String.raw`changed=
while IFS="$T" read -r kind i sum rest; do
  [ "$kind" = written ] || continue
  enc=$(sed -n "s/^file$T$i$T\([^$T]*\)$T.*/\1/p" "$R/manifest" | head -n 1)
  p=$(p_of "$enc")
  now=$(sha256sum < "$p" 2>/dev/null); now=$(printf '%s' "$now" | cut -c1-64)
  [ "$now" = "$sum" ] || changed="$changed $p"
done < "$R/manifest"
[ -z "$changed" ] || nw_fail verify "changed since the run:$changed"`;

export interface RollbackOutcome {
  readonly done: boolean;
  readonly failure: { readonly step: string; readonly message: string } | undefined;
}

export function parseRollbackOutput(stdout: Buffer): RollbackOutcome {
  const found = markers(stdout);
  const fail = found.find((m) => m.word === 'FAIL');
  return {
    done: found.some((m) => m.word === 'DONE'),
    failure: fail ? { step: fail.rest.split(' ')[0] ?? '', message: fail.rest.split(' ').slice(1).join(' ') } : undefined,
  };
}

/** Runs on the node that are not finished: a crashed controller left them (state, owed restarts). */
export function pendingRunsScript(stateDir: string): string {
  return `S=${shQuote(stateDir)}
for d in "$S"/runs/*/; do
  [ -f "$d/state" ] || continue
  st=$(cat "$d/state")
  case $st in started|writing|written|restarting) printf 'NW_PENDING %s %s %s\\n' "$(basename "$d")" "$st" "$(tr '\\n' ' ' < "$d/owed" 2>/dev/null)" ;; esac
done
exit 0
`;
}

export interface PendingRun {
  readonly runId: string;
  readonly state: string;
  readonly owed: readonly string[];
}

export function parsePendingRuns(stdout: Buffer): PendingRun[] {
  return markers(stdout)
    .filter((m) => m.word === 'PENDING')
    .map((m) => {
      const [runId = '', state = '', ...owed] = m.rest.split(' ').filter(Boolean);
      return { runId, state, owed };
    });
}
