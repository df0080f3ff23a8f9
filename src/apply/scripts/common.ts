import { lines, sh, type Script } from '../../node/sh.ts';
import type { ExecOptions } from '../../transport/types.ts';
import { DEFAULT_BOUNDS, type StepBounds } from '../bounds.ts';
export { newRunId, RUN_ID_PATTERN } from '../../node/run-state.ts';

export { NODE_STATE_DIR } from '../../node/run-state.ts';

export function runDir(stateDir: string, runId: string): string {
  return `${stateDir}/runs/${runId}`;
}

export function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Where the node registers the scripts of a run while they run (transport/node-jobs.ts). */
export function jobPrefix(stateDir: string, runId: string): string {
  return `${stateDir}/jobs/${runId}`;
}

/** The script the node runs by itself when a write or rollback of the run is abandoned half-way. */
export function onAbandonPath(stateDir: string, runId: string): string {
  return `${runDir(stateDir, runId)}/on-abandon`;
}

/** Exec options for a run's scripts: registered while they run; `mustFinish` ones leave the run to the node's own rollback if abandoned. */
export function runJob(stateDir: string, runId: string, mustFinish = false): NonNullable<ExecOptions['job']> {
  return mustFinish ? { register: jobPrefix(stateDir, runId), onAbandon: onAbandonPath(stateDir, runId) } : { register: jobPrefix(stateDir, runId) };
}

/**
 * Shell lines shared by the node-side scripts: failure reporting, atomic small-file writes, and
 * `nw_bounded SECONDS CMD…` / `nw_try STEP SECONDS LABEL CMD…` for commands that can hang (the
 * node stops them: status 124; nw_try then fails STEP naming LABEL and the seconds). NW_T and NW_P
 * are the bounds for ordinary commands and for package managers.
 */
export function prelude(stateDir: string, runId: string, bounds: StepBounds = DEFAULT_BOUNDS): Script {
  return lines([
    sh`set -u`,
    sh`umask 077`,
    sh`S=${stateDir}`,
    sh`R=${runDir(stateDir, runId)}`,
    sh`RID=${runId}`,
    sh`NW_T=${Math.max(1, Math.floor(bounds.command))} NW_P=${Math.max(1, Math.floor(bounds.package))}`,
    sh`NW_NL=${'\n'}`,
    sh`nw_fail() { printf 'NW_FAIL %s %s\\n' "$1" "$2"; exit 10; }`,
    // small state files are replaced atomically so a crash never leaves half a line
    sh`nw_put() { printf '%s\\n' "$2" > "$1.tmp" && mv -f "$1.tmp" "$1"; }`,
    sh`nw_fsync() { sync -- "$@" 2>/dev/null || sync; }`,
    BOUNDED_FUNCTIONS,
  ]);
}

// Without coreutils' timeout a command runs unbounded, and only the script's deadline ends it.
// timeout -k exits 137 when the command ignored TERM and had to be killed: a hang too. The
// seconds it took come from /proc/uptime read by the shell (no process per bounded command;
// date +%s where there is no /proc), so the two readings of one command share a clock.
const BOUNDED_FUNCTIONS = sh`nw_secs() {
  nw_up=
  { read -r nw_up _; } 2>/dev/null < /proc/uptime
  case $nw_up in [0-9]*) nw_secs=\${nw_up%%.*} ;; *) nw_secs=$(date +%s) ;; esac
}
nw_bounded() {
  nw_bs=$1; shift
  command -v timeout >/dev/null 2>&1 || { "$@"; return; }
  nw_secs; nw_b0=$nw_secs
  timeout -k 5 "$nw_bs" "$@"; nw_brc=$?
  if [ "$nw_brc" = 137 ]; then nw_secs; [ $((nw_secs - nw_b0)) -ge "$nw_bs" ] && nw_brc=124; fi
  return "$nw_brc"
}
nw_try() {
  nw_ts=$1 nw_tt=$2 nw_tl=$3; shift 3
  nw_bounded "$nw_tt" "$@"; nw_trc=$?
  if [ "$nw_trc" = 124 ]; then nw_fail "$nw_ts" "$nw_tl did not finish within $nw_tt s; the node stopped it"; fi
  return "$nw_trc"
}`;

export function dirnameOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at <= 0 ? '/' : path.slice(0, at);
}

export { markers } from '../../node/markers.ts';
