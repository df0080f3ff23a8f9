import { hereDocument, lines, quoted, sh, type Script } from '../node/sh.ts';

/**
 * How a script runs on a node: as a *job* in a session of its own, so that nothing it starts
 * (a validator, a package manager, a reload) outlives the controller's interest in it.
 *
 * The script reaches `sh -s` on stdin, wrapped in a small supervisor. The controller keeps the
 * channel's stdin open for as long as it waits: that open pipe is the job's *lifeline*. The
 * supervisor starts the script with `setsid` and then waits for whichever comes first:
 *   - the script ends: anything it left running in its process group is killed, its exit status is passed on;
 *   - the lifeline reads EOF (the controller closed the channel, the session or the bastion died,
 *     the controller was killed): the whole session is killed;
 *   - the deadline passes: the whole session is killed, `NW_DEADLINE SECONDS` goes to stderr and
 *     the exit status is 124.
 * When the job was abandoned (either of the last two) and the script named a must-finish handler
 * (`onAbandon`) that exists by then, the node starts that handler detached, in a session of its
 * own: a half-written run is rolled back by the node itself even when no controller comes back.
 */
export interface JobOptions {
  /** Seconds the node lets the script run before it ends it and everything it started. */
  readonly deadlineSeconds: number;
  /**
   * Registers the job while it runs as the file `<register>.<session id>` holding
   * "SESSION STARTTIME" (an abandon handler it starts as `….<sid>.abandon`): run scripts use it so
   * that nothing of a run is left running when its lock is released.
   */
  readonly register?: string | undefined;
  /** A script the node runs detached if this job is abandoned and the file exists then. */
  readonly onAbandon?: string | undefined;
}

/** Exit status of a job the node ended at its deadline (as coreutils' timeout). */
export const DEADLINE_EXIT = 124;

/** The stderr line a job the node ended at its deadline leaves. */
export const DEADLINE_MARKER = /^NW_DEADLINE (\d+)$/m;

/** The longest an abandon handler (a node-side rollback) may run, when the node has `timeout`. */
export const ABANDON_HANDLER_SECONDS = 1800;

/**
 * Process helpers for node-side sh, read from /proc (no procps needed). `comm` may hold spaces
 * and parentheses, so fields are counted after the last ") ". `nw_proc PID` sets nw_pstate,
 * nw_psess (session id) and nw_pstart (start time in clock ticks since boot: with the pid, a
 * process identity that survives pid reuse).
 */
export const PROC_FUNCTIONS = sh`nw_proc() {
  nw_pl=
  IFS= read -r nw_pl 2>/dev/null < "/proc/$1/stat" || return 1
  nw_pl=\${nw_pl##*) }
  nw_oifs=$IFS; IFS=' '; set -f; set -- $nw_pl; set +f; IFS=$nw_oifs
  nw_pstate=$1 nw_psess=$4 nw_pstart=\${20}
}
nw_alive() { nw_proc "$1" && [ "$nw_pstate" != Z ] && [ "$nw_pstart" = "$2" ]; }
nw_kill_session() {
  nw_ks=$1 nw_kr=0
  case $nw_ks in ''|*[!0-9]*|0|1) return 1 ;; esac
  nw_proc self && [ "$nw_psess" = "$nw_ks" ] && return 1
  while [ "$nw_kr" -lt 100 ]; do
    nw_kf=
    # stop them all first: a shell whose child dies first would otherwise run its next command
    for nw_ksig in STOP KILL; do
      for nw_kp in /proc/[0-9]*; do
        nw_kp=\${nw_kp#/proc/}
        nw_proc "$nw_kp" || continue
        [ "$nw_psess" = "$nw_ks" ] && [ "$nw_pstate" != Z ] || continue
        kill -"$nw_ksig" "$nw_kp" 2>/dev/null && nw_kf=1
      done
    done
    [ -n "$nw_kf" ] || return 0
    nw_kr=$((nw_kr + 1))
    sleep 0.05 2>/dev/null || sleep 1
  done
  return 1
}`;

// Runs in a session of its own: registers itself, runs the handler (bounded when the node has
// coreutils' timeout), unregisters. $1 handler, $2 registration prefix or '', $3 why.
const ABANDON_RUNNER = sh`h=$1 reg=$2 why=$3
IFS= read -r l < /proc/self/stat; l=\${l##*) }; IFS=' '; set -f; set -- $l; set +f; st=\${20}
[ -z "$reg" ] || printf '%s %s\\n' "$$" "$st" > "$reg.$$.abandon"
if command -v timeout >/dev/null 2>&1; then timeout -k 5 ${ABANDON_HANDLER_SECONDS} /bin/sh "$h" "$why"; else /bin/sh "$h" "$why"; fi
[ -z "$reg" ] || rm -f "$reg.$$.abandon"`;

/**
 * A sh command that starts an abandon handler detached, in a session of its own, registered under
 * `register` while it runs (each argument one sh word: a quoted value or a "$variable"). It ends
 * in `&`: follow it with a newline or a keyword, not `;`.
 */
export function startAbandonHandler(handler: Script, register: Script, why: Script): Script {
  return sh`setsid /bin/sh -c ${quoted(ABANDON_RUNNER)} nw-abandon ${handler} ${register} ${why} </dev/null >/dev/null 2>&1 &`;
}

/**
 * The text sent to the node's `sh -s`: the supervisor with `body` as its job. The body runs as
 * `/bin/sh` reading itself from a here-document on fd 4 (nothing of it is written to disk), with
 * stdin from /dev/null; it must not rely on fd 3.
 */
export function supervisedScript(body: Script, options: JobOptions): Script {
  const job = hereDocument(body, 'NW_JOB');
  const deadline = Math.max(1, Math.ceil(options.deadlineSeconds));
  return lines([
    sh`{`,
    sh`exec 3<&0 </dev/null`,
    sh`umask 077`,
    PROC_FUNCTIONS,
    sh`nw_d=${deadline} nw_reg=${options.register ?? ''} nw_ab=${options.onAbandon ?? ''}`,
    sh`setsid /bin/sh /proc/self/fd/4 3<&- 4${job.redirect} &`,
    job.body,
    sh`nw_j=$!`,
    sh`if [ -n "$nw_reg" ] && nw_proc "$nw_j"; then mkdir -p "\${nw_reg%/*}" 2>/dev/null; printf '%s %s\\n' "$nw_j" "$nw_pstart" > "$nw_reg.$nw_j" 2>/dev/null; fi`,
    sh`nw_abandon() {`,
    // nothing may stop it half-way: not the signals that ended the wait, not a channel gone (SIGPIPE)
    sh`  trap '' USR1 TERM PIPE HUP`,
    sh`  nw_kill_session "$nw_j"`,
    sh`  if [ "$1" = deadline ]; then printf '\\nNW_DEADLINE %s\\n' "$nw_d" >&2; fi`,
    sh`  if [ -n "$nw_ab" ] && [ -f "$nw_ab" ]; then ${startAbandonHandler(sh`"$nw_ab"`, sh`"$nw_reg"`, sh`"$1"`)} fi`,
    sh`  if [ "$1" = deadline ]; then exit ${DEADLINE_EXIT}; fi`,
    sh`  exit 125`,
    sh`}`,
    // the lifeline: EOF means nobody waits for this job any more
    sh`( trap 'exit 0' USR1; trap 'nw_abandon deadline' TERM; while read -r nw_x <&3; do :; done; nw_abandon lost ) >/dev/null &`,
    sh`nw_w=$!`,
    sh`exec 3<&-`,
    sh`setsid /bin/sh -c 'sleep "$1"; kill -TERM "$2" 2>/dev/null' nw-deadline "$nw_d" "$nw_w" </dev/null >/dev/null 2>&1 &`,
    sh`nw_t=$!`,
    // The supervisor's own end must happen whatever became of the channel: once the controller is
    // gone, a write to stderr (a shell's "Killed" notice) would raise SIGPIPE and kill it before it
    // could stop the timer. Set after the forks, so that the job keeps the default dispositions.
    sh`exec 2>/dev/null; trap '' PIPE HUP`,
    sh`wait "$nw_j" 2>/dev/null; nw_rc=$?`,
    sh`kill -USR1 "$nw_w" 2>/dev/null; wait "$nw_w" 2>/dev/null; nw_wr=$?`,
    // the deadline timer, and whatever the job left running in its process group (a full scan of
    // the session costs tens of milliseconds: it is kept for abandoned jobs)
    // by pid too: a quick script ends before the timer's fork has even become a session of its own
    sh`kill -KILL "$nw_t" "-$nw_t" 2>/dev/null`,
    sh`if [ "$nw_wr" != 124 ] && [ "$nw_wr" != 125 ]; then kill -KILL "-$nw_j" 2>/dev/null; fi`,
    sh`if [ -n "$nw_reg" ]; then rm -f "$nw_reg.$nw_j"; fi`,
    sh`if [ "$nw_wr" = ${DEADLINE_EXIT} ]; then exit ${DEADLINE_EXIT}; fi`,
    sh`exit "$nw_rc"`,
    sh`}`,
    sh``,
  ]);
}
