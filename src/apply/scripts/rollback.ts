import { markers, prelude, RUN_ID_PATTERN } from './common.ts';
import { OPS_FUNCTIONS } from './ops.ts';

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
${OPS_FUNCTIONS}
${request.verifyUnchanged ? VERIFY : ''}
rm -f "$R/dirs.rev"
rl_systemd=; rl_sshd=; rl_audit=
sed -n '1!G;h;$p' "$R/manifest" > "$R/manifest.rev" || nw_fail rollback "cannot read the manifest"
while IFS="$T" read -r kind i enc existed k mode uid gid; do
  case $kind in
    file)
      p=$(p_of "$enc"); d=$(dirname -- "$p")
      rm -f -- "$d/.nodeward.$RID.$i.tmp"
      if [ "$existed" = 1 ] && [ "$k" = f ] && [ ! -L "$p" ] && cmp -s -- "$R/backup/$i" "$p"; then
        # the content was never replaced (the run stopped before it, e.g. on a full disk): only the
        # mode and owner may need restoring, and writing a copy could fail for the same reason
        chown "$uid:$gid" -- "$p" && chmod "$mode" -- "$p" || nw_fail "restore-$i" "cannot restore the mode of $p"
      elif [ "$existed" = 1 ] && [ "$k" = f ]; then
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
${SERVICE_RESTORES}
  esac
done < "$R/manifest.rev"
# directories the run created go last, once the files in them are gone
if [ -f "$R/dirs.rev" ]; then while read -r enc; do rmdir -- "$(p_of "$enc")" 2>/dev/null; done < "$R/dirs.rev"; fi
rm -f "$R/manifest.rev" "$R/dirs.rev"
${RELOADS}
nw_put "$R/state" rolled-back
echo NW_DONE rolled-back
`;
}

// Manifest fields are positional: unit NAME ENABLED ACTIVE / package MANAGER NAME VERSION /
// nft INDEX FAMILY TABLE EXISTED / reload WHAT [UNIT] (see ops.ts). A unit's previous
// enablement comes first, then whether it ran.
const SERVICE_RESTORES = String.raw`    unit)
      u=$(p_of "$i")
      case $enc in
        masked|masked-runtime) systemctl mask -- "$u" >/dev/null 2>&1 || nw_fail restore-unit "cannot mask $u again" ;;
        enabled|enabled-runtime) systemctl unmask -- "$u" >/dev/null 2>&1; systemctl enable -- "$u" >/dev/null 2>&1 || nw_fail restore-unit "cannot enable $u again" ;;
        disabled) systemctl unmask -- "$u" >/dev/null 2>&1; systemctl disable -- "$u" >/dev/null 2>&1 || nw_fail restore-unit "cannot disable $u again" ;;
        *) systemctl unmask -- "$u" >/dev/null 2>&1 ;;
      esac
      case $existed in
        active|reloading|activating) systemctl start -- "$u" >/dev/null 2>&1 || nw_fail restore-unit "cannot start $u again" ;;
        *) systemctl stop -- "$u" >/dev/null 2>&1 || [ "$enc" = - ] || nw_fail restore-unit "cannot stop $u again" ;;
      esac
      echo "NW_OK restore-unit" ;;
    package)
      if [ "$existed" = - ]; then nw_pkg_remove "$i" "$enc" > "$R/package-restore.log" 2>&1 || nw_fail restore-package "cannot remove $enc again"
      else nw_pkg_install "$i" "$enc" "$existed" > "$R/package-restore.log" 2>&1 || nw_fail restore-package "cannot reinstall $enc $existed"; fi
      echo "NW_OK restore-package" ;;
    nft)
      f="$R/nft-restore-$i"
      printf 'table %s %s
delete table %s %s
' "$enc" "$existed" "$enc" "$existed" > "$f"
      if [ "$k" = 1 ]; then cat "$R/backup/nft-$i" >> "$f"; fi
      nft -f "$f" > "$R/nft-restore.log" 2>&1 || nw_fail restore-nft "cannot restore table $enc $existed: $(head -n 2 "$R/nft-restore.log" | tr '
' ' ')"
      echo "NW_OK restore-nft" ;;
    reload)
      case $i in systemd) rl_systemd=1 ;; audit) rl_audit=1 ;; sshd) rl_sshd=$enc ;; esac ;;`;

// Services re-read what was restored: systemd first (unit files), then sshd and the audit rules.
const RELOADS = String.raw`if [ -n "$rl_systemd" ]; then systemctl daemon-reload || nw_fail restore-reload "systemctl daemon-reload failed"; fi
if [ -n "$rl_sshd" ]; then nw_sshd_reload "$rl_sshd" || nw_fail restore-reload "sshd refused the restored config: $(tail -n 2 "$R/sshd.log" | tr '
' ' ')"; fi
if [ -n "$rl_audit" ]; then augenrules --load > "$R/audit.log" 2>&1 || nw_fail restore-reload "augenrules --load failed"; fi`;

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
    })
    .filter((run) => RUN_ID_PATTERN.test(run.runId)); // a directory nodeward never named is not a run of ours: never a path to act on
}
