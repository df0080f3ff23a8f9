import { parsePendingRunLine, pendingRunsScript } from '../../node/run-state.ts';
import { lines, sh } from '../../node/sh.ts';
import type { FactKind } from './kind.ts';

/** Runs a crashed or cut-off controller left unfinished on the node: the same loop and parser as the lock script's (node/run-state.ts). */
export const pendingRunsKind: FactKind<'pendingRuns'> = {
  kind: 'pendingRuns',
  section: 'r',
  each: (request, id) => lines([sh`nw_sec ${id}`, pendingRunsScript(sh`${request.stateDir}`, '')]),
  parse(_request, id, sections, facts) {
    facts.pendingRuns = sections
      .one(id)
      .toString('utf8')
      .split('\n')
      .flatMap((line) => parsePendingRunLine(line) ?? []);
  },
};
