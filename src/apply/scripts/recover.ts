import { HALF_WRITTEN_CASE } from '../../node/run-state.ts';
import { sh, type Script } from '../../node/sh.ts';
import { startAbandonHandler } from '../../transport/node-jobs.ts';
import { markers, prelude } from './common.ts';
import { parseRunJobs, RUN_JOB_FUNCTIONS, type RunJob } from './jobs.ts';

/**
 * Run over a fresh session once the controller lost track of a step (a timeout, a dropped session,
 * a bastion that went away): ends what of the run still runs on the node, and says how far the
 * run got. A run left half-way is rolled back by the node itself, exactly as if the lost script
 * had been abandoned (its `on-abandon` handler, detached: a second loss of contact cannot stop
 * it half-way); this waits up to `waitSeconds` for that rollback and reports what it undid.
 */
export function inspectRunScript(stateDir: string, runId: string, waitSeconds: number): Script {
  const wait = Math.max(0, Math.floor(waitSeconds));
  return sh`${prelude(stateDir, runId)}
${RUN_JOB_FUNCTIONS}
printf 'NW_NOW %s\\n' "$(date +%s)"
if [ ! -d "$R" ]; then echo "NW_RUN none"; exit 0; fi
nw_run_jobs "$RID" end 0 >/dev/null
case $(cat "$R/state" 2>/dev/null) in
  ${HALF_WRITTEN_CASE})
    if nw_run_jobs "$RID" list >/dev/null && [ -f "$R/on-abandon" ]; then
      ${startAbandonHandler(sh`"$R/on-abandon"`, sh`"$S/jobs/$RID"`, sh`lost`)}
      sleep 0.2
    fi ;;
esac
nw_run_jobs "$RID" end ${wait}
printf 'NW_RUN %s\\n' "$(cat "$R/state" 2>/dev/null || echo none)"
printf 'NW_RUN_OWED %s\\n' "$(tr '\\n' ' ' < "$R/owed" 2>/dev/null)"
if [ -f "$R/armed" ]; then printf 'NW_RUN_ARMED %s\\n' "$(cat "$R/armed")"; fi
# what the node's own rollback of the run did
if [ -f "$R/abandoned.log" ]; then sed -n 's/^NW_\\(UNDONE\\|FAIL\\|OWED\\) /NW_NODE_\\1 /p' "$R/abandoned.log"; fi
exit 0
`;
}

export interface RunInspection {
  /** The run's state on the node, `none` when the node has no record of it (the write never started). */
  readonly state: string;
  readonly owed: readonly string[];
  /** Node clock now, and the armed revert timer's start and seconds if it is still armed. */
  readonly nodeNow: number;
  readonly armed: { readonly at: number; readonly seconds: number } | undefined;
  /** Scripts of the run still running after the wait (the node's rollback taking longer). */
  readonly running: readonly RunJob[];
  /** What the node's own rollback undid, and how it failed if it did. */
  readonly undone: readonly string[];
  readonly failure: string | undefined;
}

export function parseInspection(stdout: Buffer | string): RunInspection | undefined {
  const found = markers(stdout);
  const state = found.find((m) => m.word === 'RUN')?.rest;
  if (state === undefined) return undefined;
  const armed = found.find((m) => m.word === 'RUN_ARMED')?.rest.split(' ').map(Number);
  const failures = found.filter((m) => m.word === 'NODE_FAIL').map((m) => m.rest);
  return {
    state: state.trim(),
    owed: (found.find((m) => m.word === 'RUN_OWED')?.rest ?? '').split(' ').filter(Boolean),
    nodeNow: Number(found.find((m) => m.word === 'NOW')?.rest) || 0,
    armed: armed && armed.length === 2 && armed.every(Number.isFinite) ? { at: armed[0] ?? 0, seconds: armed[1] ?? 0 } : undefined,
    running: parseRunJobs(stdout),
    undone: found.filter((m) => m.word === 'NODE_UNDONE').map((m) => m.rest),
    failure: failures.at(-1),
  };
}
