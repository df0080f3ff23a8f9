import { pendingRunsScript } from '../../node/run-state.ts';
import { sh, type Script } from '../../node/sh.ts';
import { markers, prelude, RUN_ID_PATTERN } from './common.ts';
import { parseRunJobs, RUN_JOB_FUNCTIONS, type RunJob } from './jobs.ts';

export interface LockRequest {
  readonly stateDir: string;
  readonly runId: string;
  readonly owner: string;
  readonly pid: number;
  readonly command: string;
  readonly ttlSeconds: number;
  /** Which process on which machine holds the lock (controller-identity.ts), for a later run to tell whether it is gone. */
  readonly controller?: string | undefined;
  /** Runs known dead (earlier attempts of this run, or whose controller is gone): their locks are taken over even before they expire. */
  readonly takeOverFrom?: readonly string[] | undefined;
  /**
   * The facts script (facts/gather.ts `inlineFacts`), run in the same exec once the lock is ours
   * (acquired or refreshed) and no earlier run is pending on the node: apply's re-read under the
   * lock without an exec of its own. Its output follows the line `NW_FACTS <token>`; `token` is
   * random per request, so nothing the lock part prints can fake where the facts begin.
   */
  readonly facts?: { readonly script: Script; readonly token: string } | undefined;
}

export type LockResult =
  | { readonly status: 'acquired' | 'refreshed' }
  | { readonly status: 'taken-over'; readonly previous: Record<string, string> }
  /** `busy`: scripts of the holder's run still running on the node, which keep it from being taken over. */
  | { readonly status: 'held'; readonly holder: Record<string, string>; readonly busy: readonly RunJob[] };

function clean(value: string): string {
  return value.replace(/[\n\r\0]/g, ' ').slice(0, 200);
}

/**
 * Takes the node-side lock: a file created with O_EXCL (`set -C`). A lock past its expiry (or of
 * a run named in `takeOverFrom`) is taken over and reported, but never while a script of its run
 * is still running on the node; a live one held by another run refuses. Re-running refreshes ours.
 * Once the lock is ours it lists the runs an earlier controller left unfinished (saves an exec),
 * and, when there are none, answers `request.facts` (saves another).
 */
export function lockScript(request: LockRequest): Script {
  const body = [
    `runId=${request.runId}`,
    `owner=${clean(request.owner)}`,
    `pid=${request.pid}`,
    `command=${clean(request.command)}`,
    ...(request.controller ? [`controller=${clean(request.controller)}`] : []),
  ].join('\n');
  const takeOver = (request.takeOverFrom ?? []).filter((id) => RUN_ID_PATTERN.test(id)).join(' ');
  return sh`${prelude(request.stateDir, request.runId)}
${RUN_JOB_FUNCTIONS}
mkdir -p "$S/runs" "$S/jobs" && chmod 700 "$S" "$S/runs" "$S/jobs" || nw_fail lock "cannot create $S"
L="$S/lock"
now=$(date +%s)
body=${body}
content="$body
acquired=$now
expires=$((now + ${Math.max(1, Math.floor(request.ttlSeconds))}))"
nw_locked() {
  echo "NW_LOCK $1"
  nw_pend=$(
${pendingRunsScript(sh`"$S"`, 'NW_PENDING ')}
  )
  [ -z "$nw_pend" ] || printf '%s\\n' "$nw_pend"
${request.facts ? inlineFactsPart(request.facts) : sh``}
  exit 0
}
if ( set -C; printf '%s\\n' "$content" > "$L" ) 2>/dev/null; then nw_locked acquired; fi
rid=$(sed -n 's/^runId=//p' "$L" 2>/dev/null)
exp=$(sed -n 's/^expires=//p' "$L" 2>/dev/null)
if [ "$rid" = "$RID" ]; then printf '%s\\n' "$content" > "$L.$RID" && mv -f "$L.$RID" "$L"; nw_locked refreshed; fi
case $exp in ''|*[!0-9]*) exp=0 ;; esac
case ${` ${takeOver} `} in *" $rid "*) [ -n "$rid" ] && exp=0 ;; esac
if [ "$exp" -lt "$now" ]; then
  # a run whose scripts still run here is not over, whatever its lock says
  case $rid in *[!0-9A-Za-z-]*|'') busy=0 ;; *) if nw_run_jobs "$rid" list; then busy=0; else busy=1; fi ;; esac
  if [ "$busy" = 0 ]; then
    sed 's/^/NW_PREVIOUS /' "$L"
    printf '%s\\n' "$content" > "$L.$RID" && mv -f "$L.$RID" "$L"
    [ "$(sed -n 's/^runId=//p' "$L")" = "$RID" ] && nw_locked taken-over
  fi
fi
sed 's/^/NW_HOLDER /' "$L"
echo NW_LOCK held
`;
}

// A run to recover first, or a lock taken over from another run: the facts are read after the
// recovery, in an exec of their own (a rollback changes what they say). In a subshell: the facts
// script's variables and functions stay its own, and it runs without the lock script's `set -u`.
function inlineFactsPart(facts: { readonly script: Script; readonly token: string }): Script {
  return sh`  if [ -z "$nw_pend" ]; then case $1 in acquired|refreshed)
    printf 'NW_FACTS %s\\n' ${facts.token}
    ( set +u
${facts.script}
    ) ;;
  esac; fi`;
}

/** The lock's own answer, and the facts output that followed it (only when the lock script was asked for them and answered them). */
export function splitLockOutput(stdout: Buffer, token: string | undefined): { lock: Buffer; facts: Buffer | undefined } {
  if (token === undefined) return { lock: stdout, facts: undefined };
  const marker = `NW_FACTS ${token}\n`;
  const at = stdout.indexOf(marker);
  if (at === -1 || (at > 0 && stdout[at - 1] !== 0x0a)) return { lock: stdout, facts: undefined };
  return { lock: stdout.subarray(0, at), facts: stdout.subarray(at + marker.length) };
}

export function parseLockOutput(stdout: Buffer): LockResult | undefined {
  const found = markers(stdout);
  const fields = (word: string): Record<string, string> =>
    Object.fromEntries(
      found
        .filter((m) => m.word === word)
        .map((m) => {
          const eq = m.rest.indexOf('=');
          return [m.rest.slice(0, eq), m.rest.slice(eq + 1)];
        }),
    );
  const status = found.find((m) => m.word === 'LOCK')?.rest;
  if (status === 'acquired' || status === 'refreshed') return { status };
  if (status === 'taken-over') return { status, previous: fields('PREVIOUS') };
  if (status === 'held') return { status, holder: fields('HOLDER'), busy: parseRunJobs(stdout) };
  return undefined;
}

export type UnlockResult =
  | { readonly status: 'released' | 'not-ours' }
  /** Something of the run still runs on the node (the node's own rollback): the lock stays. */
  | { readonly status: 'busy'; readonly jobs: readonly RunJob[] };

/**
 * Releases our lock, but only once nothing of the run runs on the node any more: scripts of the
 * run still running (lost by the controller) are ended, a rollback the node is doing by itself is
 * waited for up to `waitSeconds`; if one is still running then, the lock stays (`busy`).
 */
export function unlockScript(stateDir: string, runId: string, waitSeconds = 30): Script {
  return sh`${prelude(stateDir, runId)}
${RUN_JOB_FUNCTIONS}
L="$S/lock"
if ! nw_run_jobs "$RID" end ${Math.max(0, Math.floor(waitSeconds))}; then echo NW_UNLOCK busy; exit 0; fi
if [ "$(sed -n 's/^runId=//p' "$L" 2>/dev/null)" = "$RID" ]; then rm -f "$L"; echo NW_UNLOCK released; else echo NW_UNLOCK not-ours; fi
`;
}

export function parseUnlockOutput(stdout: Buffer): UnlockResult | undefined {
  const status = markers(stdout).find((m) => m.word === 'UNLOCK')?.rest;
  if (status === 'released' || status === 'not-ours') return { status };
  if (status === 'busy') return { status, jobs: parseRunJobs(stdout) };
  return undefined;
}
