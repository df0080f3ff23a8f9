import { PROC_FUNCTIONS } from '../../transport/node-jobs.ts';
import { sh } from '../../node/sh.ts';
import { markers } from './common.ts';

/**
 * Node-side sh: the scripts of a run that are still running, from the registrations the
 * supervisor keeps under `$S/jobs/` (transport/node-jobs.ts), checked against /proc (pid and
 * start time, so a reused pid is not mistaken for a job). Needs the prelude's $S.
 *
 * `nw_run_jobs RID list` prints `NW_JOB SID KIND` for each one running (KIND `rollback` for the
 * node's own rollback of an abandoned run, `script` otherwise) and fails if there is any.
 * `nw_run_jobs RID end WAIT` kills the scripts (their controller has moved on: nothing of a run
 * may outlive it) and waits up to WAIT seconds for a rollback the node is doing by itself; then
 * it lists what is left like `list`. This script itself is never counted.
 */
export const RUN_JOB_FUNCTIONS = sh`${PROC_FUNCTIONS}
nw_run_jobs() {
  nw_jr=$1 nw_jm=$2 nw_jw=\${3:-0} nw_jn=0
  nw_proc self; nw_me=$nw_psess
  while :; do
    nw_left=
    for nw_jf in "$S/jobs/$nw_jr".*; do
      [ -f "$nw_jf" ] || continue
      nw_js= nw_jst=
      read -r nw_js nw_jst < "$nw_jf" 2>/dev/null
      [ "$nw_js" = "$nw_me" ] && continue
      if [ -z "$nw_js" ] || ! nw_alive "$nw_js" "$nw_jst"; then rm -f "$nw_jf"; continue; fi
      case $nw_jf in
        *.abandon) nw_left="$nw_left $nw_js:rollback" ;;
        *) if [ "$nw_jm" = end ]; then nw_kill_session "$nw_js"; rm -f "$nw_jf"; else nw_left="$nw_left $nw_js:script"; fi ;;
      esac
    done
    [ -n "$nw_left" ] || return 0
    [ "$nw_jm" = end ] && [ "$nw_jn" -lt $((nw_jw * 5)) ] || break
    nw_jn=$((nw_jn + 1))
    sleep 0.2
  done
  for nw_x in $nw_left; do printf 'NW_JOB %s %s\\n' "\${nw_x%%:*}" "\${nw_x#*:}"; done
  return 1
}`;

export interface RunJob {
  readonly session: number;
  readonly kind: 'rollback' | 'script';
}

export function parseRunJobs(stdout: Buffer | string): RunJob[] {
  return markers(stdout)
    .filter((m) => m.word === 'JOB')
    .flatMap((m) => {
      const [sid = '', kind = ''] = m.rest.split(' ');
      return /^\d+$/.test(sid) && (kind === 'rollback' || kind === 'script') ? [{ session: Number(sid), kind }] : [];
    });
}

export function describeRunJobs(jobs: readonly RunJob[]): string {
  const rollback = jobs.filter((j) => j.kind === 'rollback').length;
  const scripts = jobs.length - rollback;
  return [rollback > 0 ? `the node's own rollback of the run (session ${jobs.find((j) => j.kind === 'rollback')?.session})` : '', scripts > 0 ? `${scripts} script(s) of the run` : '']
    .filter(Boolean)
    .join(' and ');
}
