import { DEFAULT_BOUNDS, type StepBounds } from '../bounds.ts';
import { PROC_FUNCTIONS } from '../../transport/node-jobs.ts';
import { quoted, sh, type Script } from '../../node/sh.ts';
import { parsePendingRunLine, type PendingRun } from '../../node/run-state.ts';
import { markers, prelude } from './common.ts';
import { AUDIT_GENERATED_FILES, OPS_FUNCTIONS } from './ops.ts';

export interface RollbackRequest {
  readonly stateDir: string;
  readonly runId: string;
  /** Refuse files whose content is no longer what this run wrote (for `nodeward rollback` later). */
  readonly verifyUnchanged: boolean;
  readonly bounds?: StepBounds | undefined;
  /**
   * Services to restart after the restore when the run predates the node's own record of what
   * it restarted (`$R/restarted`, kept by runs that also keep `$R/restarts`).
   */
  readonly restartsIfUnrecorded?: readonly string[] | undefined;
}

/**
 * Restores what a run changed, from the node's own manifest and backups (so it works after the
 * controller died, and the node runs it by itself for an abandoned run): files byte for byte with
 * mode and owner, files the run created are removed, live sysctls, units, packages and nftables
 * tables as they were. Entries are undone last-first; each restore is atomic; stray temp files of
 * the run are removed. It prints `NW_UNDONE KIND WHAT` for every item that differed from the
 * backup (what the run had really changed) and leaves the run `rolled-back`, or `restored` with
 * restarts still owed (`NW_OWED`): the services the run restarted (`$R/restarted`) run its new
 * files until they are restarted once more. Only one rollback of a run runs at a time
 * (`rollback.claim`); a second one waits for the first, and one that finds the run already rolled
 * back says so (`NW_ALREADY EPOCH`).
 */
export function rollbackScript(request: RollbackRequest): Script {
  const fallback = quoted(sh`${request.restartsIfUnrecorded ?? []}`);
  return sh`${prelude(request.stateDir, request.runId, request.bounds ?? DEFAULT_BOUNDS)}
[ -f "$R/manifest" ] || { echo NW_NOTHING; nw_fail rollback "no manifest for run $RID on this node"; }
T=$(printf '\\t')
p_of() { printf '%s' "$1" | base64 -d; }
${PROC_FUNCTIONS}
${OPS_FUNCTIONS}
${CLAIM}
${FILE_RESTORE_FUNCTION}
nw_regenerated=${AUDIT_GENERATED_FILES.join(' ')}
nw_claim
st=$(cat "$R/state" 2>/dev/null)
if [ "$st" = rolled-back ]; then nw_unclaim; printf 'NW_ALREADY %s\\n' "$(stat -c %Y -- "$R/state")"; echo NW_DONE rolled-back; exit 0; fi
${request.verifyUnchanged ? VERIFY : sh``}
nw_put "$R/state" rolling-back
${DISARM}
rm -f "$R/dirs.rev" "$R/regen.rev"
rl_systemd=; rl_sshd=; rl_audit=
sed -n '1!G;h;$p' "$R/manifest" > "$R/manifest.rev" || nw_fail rollback "cannot read the manifest"
while IFS="$T" read -r kind i enc existed k mode uid gid; do
  case $kind in
${FILE_RESTORES}
${SERVICE_RESTORES}
  esac
done < "$R/manifest.rev"
# directories the run created go last, once the files in them are gone
if [ -f "$R/dirs.rev" ]; then while read -r enc; do d=$(p_of "$enc"); rmdir -- "$d" 2>/dev/null && echo "NW_UNDONE dir $d"; done < "$R/dirs.rev"; fi
rm -f "$R/manifest.rev" "$R/dirs.rev"
${RELOADS}
if [ -f "$R/regen.rev" ]; then while IFS="$T" read -r i enc existed k mode uid gid; do nw_restore_file "$i" "$enc" "$existed" "$k" "$mode" "$uid" "$gid" >/dev/null; done < "$R/regen.rev"; rm -f "$R/regen.rev"; fi
# what the run restarted runs its new files: restarted again, it loads the restored ones (a run
# from before nodeward kept \`restarted\` has no \`restarts\` either: the controller says)
if [ -f "$R/restarts" ]; then owed=$(sort -u "$R/restarted" 2>/dev/null | tr '\\n' ' '); else owed=${fallback}; fi
set -f; set -- $owed; set +f
printf '%s\\n' "$@" > "$R/owed.tmp" && mv -f "$R/owed.tmp" "$R/owed"
if [ $# -gt 0 ]; then nw_put "$R/state" restored; printf 'NW_OWED %s\\n' "$*"; final=restored; else nw_put "$R/state" rolled-back; final=rolled-back; fi
nw_fsync "$R/state"
nw_unclaim
echo "NW_DONE $final"
`;
}

// One rollback at a time: a claim directory naming its holder (pid and start time); a holder
// that is gone (killed half-way) is replaced, a live one is waited for.
const CLAIM = sh`nw_claim() {
  nw_cn=0
  while ! mkdir "$R/rollback.claim" 2>/dev/null; do
    nw_cp= nw_cst=
    read -r nw_cp nw_cst < "$R/rollback.claim/by" 2>/dev/null
    if [ -n "$nw_cp" ] && nw_alive "$nw_cp" "$nw_cst"; then
      nw_cn=$((nw_cn + 1))
      [ "$nw_cn" -lt $((NW_T * 5)) ] || nw_fail busy "another rollback of run $RID is still running on the node (pid $nw_cp)"
      sleep 0.2
    elif [ -z "$nw_cp" ] && [ "$nw_cn" -lt 5 ]; then
      nw_cn=$((nw_cn + 1)); sleep 0.2   # just claimed: its holder is about to write its name
    else
      rm -rf "$R/rollback.claim"
    fi
  done
  nw_proc $$; printf '%s %s\\n' "$$" "$nw_pstart" > "$R/rollback.claim/by"
}
nw_unclaim() { rm -rf "$R/rollback.claim"; }`;

// An armed revert timer (sshd, firewall) is stopped first: this rollback does its work.
const DISARM = sh`if mv -f "$R/armed" "$R/disarmed" 2>/dev/null; then
  p=$(cat "$R/armed.pid" 2>/dev/null)
  case $p in ''|*[!0-9]*) ;; *) kill -TERM "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null ;; esac
fi`;

// Manifest rows (their columns per kind: node/manifest.ts): file, dir, sysctl here. A file
// equal to its backup in content, mode and owner was never changed.
const FILE_RESTORE_FUNCTION = sh`nw_restore_file() {
  i=$1 enc=$2 existed=$3 k=$4 mode=$5 uid=$6 gid=$7
  p=$(p_of "$enc"); d=$(dirname -- "$p")
  rm -f -- "$d/.nodeward.$RID.$i.tmp" "$d/.nodeward.$RID.$i.restore"
  if [ "$existed" = 1 ] && [ "$k" = f ]; then
    if [ ! -L "$p" ] && [ -f "$p" ] && cmp -s -- "$R/backup/$i" "$p"; then
      # the content was never replaced (the run stopped before it, e.g. on a full disk): only the
      # mode and owner may need restoring, and writing a copy could fail for the same reason
      if [ "$(stat -c "%a$T%u$T%g" -- "$p")" != "$mode$T$uid$T$gid" ]; then
        chown "$uid:$gid" -- "$p" && chmod "$mode" -- "$p" || nw_fail "restore-$i" "cannot restore the mode of $p"
        echo "NW_UNDONE mode $p"
      fi
    else
      t="$d/.nodeward.$RID.$i.restore"
      cp -p -- "$R/backup/$i" "$t" && chown "$uid:$gid" "$t" && chmod "$mode" "$t" && mv -f -- "$t" "$p" || { rm -f -- "$t"; nw_fail "restore-$i" "cannot restore $p"; }
      sync -- "$p" "$d" 2>/dev/null
      echo "NW_UNDONE file $p"
    fi
  elif [ "$existed" = 1 ] && [ "$k" = d ]; then
    if [ "$(stat -c "%a$T%u$T%g" -- "$p")" != "$mode$T$uid$T$gid" ]; then
      chown "$uid:$gid" -- "$p" && chmod "$mode" -- "$p" || nw_fail "restore-$i" "cannot restore the mode of $p"
      echo "NW_UNDONE mode $p"
    fi
  elif [ -e "$p" ] || [ -L "$p" ]; then
    rm -f -- "$p" || nw_fail "restore-$i" "cannot remove $p"
    echo "NW_UNDONE created $p"
  fi
}`;

// A file a reload below writes again (augenrules regenerates audit.rules) is restored once more
// after the reloads, so that the node is byte for byte as it was, its kernel state reloaded.
const FILE_RESTORES = sh`    file)
      nw_restore_file "$i" "$enc" "$existed" "$k" "$mode" "$uid" "$gid"
      case " $nw_regenerated " in *" $p "*) printf '%s\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' "$i" "$enc" "$existed" "$k" "$mode" "$uid" "$gid" >> "$R/regen.rev" ;; esac ;;
    dir)
      printf '%s\\n' "$enc" >> "$R/dirs.rev" ;;
    sysctl)
      v=$(p_of "$enc"); f=/proc/sys/$(printf '%s' "$i" | tr . /)
      now=$(cat -- "$f" 2>/dev/null)
      set -f; set -- $now; now=$*; set -- $v; was=$*; set +f
      if [ "$now" != "$was" ]; then
        sysctl -w "$i=$v" >/dev/null 2>&1 || nw_fail "restore-sysctl" "sysctl -w $i was refused"
        echo "NW_UNDONE sysctl $i"
      fi ;;`;

// unit, package, nft and reload rows (node/manifest.ts). A unit's previous enablement comes
// first, then whether it ran.
const SERVICE_RESTORES = sh`    unit)
      u=$(p_of "$i")
      ce=$(nw_unit_state is-enabled "$u"); ca=$(nw_unit_state is-active "$u")
      if [ "$ce" != "$enc" ]; then
        case $enc in
          masked|masked-runtime) nw_try restore-unit "$NW_T" "systemctl mask $u" systemctl mask -- "$u" >/dev/null 2>&1 || nw_fail restore-unit "cannot mask $u again" ;;
          enabled|enabled-runtime) nw_try restore-unit "$NW_T" "systemctl unmask $u" systemctl unmask -- "$u" >/dev/null 2>&1; nw_try restore-unit "$NW_T" "systemctl enable $u" systemctl enable -- "$u" >/dev/null 2>&1 || nw_fail restore-unit "cannot enable $u again" ;;
          disabled) nw_try restore-unit "$NW_T" "systemctl unmask $u" systemctl unmask -- "$u" >/dev/null 2>&1; nw_try restore-unit "$NW_T" "systemctl disable $u" systemctl disable -- "$u" >/dev/null 2>&1 || nw_fail restore-unit "cannot disable $u again" ;;
          *) nw_try restore-unit "$NW_T" "systemctl unmask $u" systemctl unmask -- "$u" >/dev/null 2>&1 ;;
        esac
        echo "NW_UNDONE unit $u ($ce, was $enc)"
      fi
      case $existed in
        active|reloading|activating)
          if [ "$ca" != active ] && [ "$ca" != reloading ] && [ "$ca" != activating ]; then
            nw_try restore-unit "$NW_T" "systemctl start $u" systemctl start -- "$u" >/dev/null 2>&1 || nw_fail restore-unit "cannot start $u again"
            echo "NW_UNDONE unit $u (stopped, was running)"
          fi ;;
        *)
          if [ "$ca" = active ] || [ "$ca" = reloading ] || [ "$ca" = activating ]; then
            nw_try restore-unit "$NW_T" "systemctl stop $u" systemctl stop -- "$u" >/dev/null 2>&1 || [ "$enc" = - ] || nw_fail restore-unit "cannot stop $u again"
            echo "NW_UNDONE unit $u (running, was stopped)"
          fi ;;
      esac ;;
    package)
      cv=$(nw_pkg_version "$i" "$enc")
      if [ "\${cv:--}" != "$existed" ]; then
        if [ "$existed" = - ]; then
          nw_pkg_remove "$i" "$enc" > "$R/package-restore.log" 2>&1; rc=$?
          [ "$rc" = 124 ] && nw_fail restore-package "removing $enc did not finish within $NW_P s; the node stopped it"
          [ "$rc" = 0 ] || nw_fail restore-package "cannot remove $enc again"
        else
          nw_pkg_install "$i" "$enc" "$existed" > "$R/package-restore.log" 2>&1; rc=$?
          [ "$rc" = 124 ] && nw_fail restore-package "reinstalling $enc $existed did not finish within $NW_P s; the node stopped it"
          [ "$rc" = 0 ] || nw_fail restore-package "cannot reinstall $enc $existed"
        fi
        echo "NW_UNDONE package $enc ($cv, was $existed)"
      fi ;;
    nft)
      f="$R/nft-restore-$i"
      if nft list table "$enc" "$existed" > "$f.now" 2>/dev/null; then now=1; else now=0; fi
      if [ "$k" = 1 ] && [ "$now" = 1 ] && cmp -s -- "$R/backup/nft-$i" "$f.now"; then :
      elif [ "$k" = 0 ] && [ "$now" = 0 ]; then :
      else
        printf 'table %s %s\\ndelete table %s %s\\n' "$enc" "$existed" "$enc" "$existed" > "$f"
        if [ "$k" = 1 ]; then cat "$R/backup/nft-$i" >> "$f"; fi
        nw_try restore-nft "$NW_T" "nft -f (restoring table $enc $existed)" nft -f "$f" > "$R/nft-restore.log" 2>&1 || nw_fail restore-nft "cannot restore table $enc $existed: $(head -n 2 "$R/nft-restore.log" | tr '\\n' ' ')"
        echo "NW_UNDONE nftables table $enc $existed"
      fi
      rm -f "$f.now" ;;
    reload)
      case $i in systemd) rl_systemd=1 ;; audit) rl_audit=1 ;; sshd) rl_sshd=$enc ;; esac ;;`;

// Services re-read what was restored: systemd first (unit files), then sshd and the audit rules.
const RELOADS = sh`if [ -n "$rl_systemd" ]; then nw_try restore-reload "$NW_T" 'systemctl daemon-reload' systemctl daemon-reload || nw_fail restore-reload "systemctl daemon-reload failed"; fi
if [ -n "$rl_sshd" ]; then nw_sshd_reload "$rl_sshd"; rc=$?; [ "$rc" = 124 ] && nw_fail restore-reload "reloading sshd did not finish within $NW_T s; the node stopped it"; [ "$rc" = 0 ] || nw_fail restore-reload "sshd refused the restored config: $(tail -n 2 "$R/sshd.log" | tr '\\n' ' ')"; fi
if [ -n "$rl_audit" ]; then nw_try restore-reload "$NW_T" 'augenrules --load' augenrules --load > "$R/audit.log" 2>&1 || nw_fail restore-reload "augenrules --load failed"; fi`;

// A later, explicit rollback must not clobber files edited since the run: the manifest keeps
// the sha256 of what the run wrote. A rollback interrupted half-way is resumed without it.
const VERIFY = sh`if [ "$st" != rolling-back ]; then
changed=
while IFS="$T" read -r kind i sum rest; do
  [ "$kind" = written ] || continue
  enc=$(sed -n "s/^file$T$i$T\\([^$T]*\\)$T.*/\\1/p" "$R/manifest" | head -n 1)
  p=$(p_of "$enc")
  now=$(sha256sum < "$p" 2>/dev/null); now=$(printf '%s' "$now" | cut -c1-64)
  [ "$now" = "$sum" ] || changed="$changed $p"
done < "$R/manifest"
[ -z "$changed" ] || { nw_unclaim; nw_fail verify "changed since the run:$changed"; }
fi`;

export interface RollbackOutcome {
  readonly done: boolean;
  readonly failure: { readonly step: string; readonly message: string } | undefined;
  /** What the run had changed and this rollback put back ("file /etc/x", "sysctl net.ipv4…"). */
  readonly undone: readonly string[];
  /** Restarts the restored files still need (the run's new files had been in place). */
  readonly owed: readonly string[];
  /** The run had been rolled back already, at this node-clock time. */
  readonly alreadyAt: number | undefined;
  /** The node holds no record of the run. */
  readonly nothing: boolean;
}

export function parseRollbackOutput(stdout: Buffer | string): RollbackOutcome {
  const found = markers(stdout);
  const fail = found.find((m) => m.word === 'FAIL');
  const already = found.find((m) => m.word === 'ALREADY');
  return {
    done: found.some((m) => m.word === 'DONE'),
    failure: fail ? { step: fail.rest.split(' ')[0] ?? '', message: fail.rest.split(' ').slice(1).join(' ') } : undefined,
    undone: found.filter((m) => m.word === 'UNDONE').map((m) => m.rest),
    owed: (found.find((m) => m.word === 'OWED')?.rest ?? '').split(' ').filter(Boolean),
    alreadyAt: already ? Number(already.rest) || undefined : undefined,
    nothing: found.some((m) => m.word === 'NOTHING'),
  };
}

export type { PendingRun } from '../../node/run-state.ts';

/** The `NW_PENDING` lines of the lock script's answer (node/run-state.ts). */
export function parsePendingRuns(stdout: Buffer): PendingRun[] {
  return markers(stdout)
    .filter((m) => m.word === 'PENDING')
    .flatMap((m) => parsePendingRunLine(m.rest) ?? []);
}
