import { unitName } from '../../facts/script.ts';
import { sh, type Script } from '../../node/sh.ts';
import type { StepBounds } from '../bounds.ts';
import { markers, prelude } from './common.ts';

/**
 * Restarts one service and records the node-clock time once `systemctl restart` returned: the old
 * process is gone by then, so a heartbeat stamped later (in whole seconds) is the new one's.
 */
export function restartScript(stateDir: string, runId: string, service: string, bounds?: StepBounds): Script {
  const unit = unitName(service);
  return sh`${prelude(stateDir, runId, bounds)}
# a restart that loads the run's new files (not one after a rollback): recorded before it happens
[ -d "$R" ] && case $(cat "$R/state" 2>/dev/null) in written|restarting) nw_put "$R/state" restarting; printf '%s\\n' ${service} >> "$R/restarted" ;; esac
b=$(systemctl show -p NRestarts --value -- ${unit} 2>/dev/null)
nw_try restart "$NW_T" ${`systemctl restart ${unit}`} systemctl restart -- ${unit} || nw_fail restart ${`systemctl restart ${unit} failed`}
t=$(date +%s)
printf 'NW_RESTARTED %s %s\\n' "$t" "\${b:-0}"
`;
}

export function parseRestartOutput(stdout: Buffer): { at: number; restartsBefore: number } | { failure: string } {
  const found = markers(stdout);
  const restarted = found.find((m) => m.word === 'RESTARTED');
  if (restarted) {
    const [at = '0', before = '0'] = restarted.rest.split(' ');
    return { at: Number(at), restartsBefore: Number(before) || 0 };
  }
  return { failure: found.find((m) => m.word === 'FAIL')?.rest ?? 'no answer from the restart' };
}

/** Marks services as no longer owed; when none is left the run is done on this node. */
export function settleScript(stateDir: string, runId: string, stillOwed: readonly string[], finalState: 'done' | 'rolled-back'): Script {
  return sh`${prelude(stateDir, runId)}
[ -d "$R" ] || exit 0
printf '%s\\n' ${stillOwed} > "$R/owed.tmp" && mv -f "$R/owed.tmp" "$R/owed"
${stillOwed.length === 0 ? sh`nw_put "$R/state" ${finalState}` : sh``}
echo NW_OK settled
`;
}

/** The unit's own account of its failure, for the report (last log lines). */
export function unitDiagnosisScript(service: string): Script {
  const unit = unitName(service);
  return sh`systemctl show -p ActiveState,SubState,NRestarts,Result -- ${unit} 2>/dev/null | tr '\\n' ' '; echo
(journalctl -u ${unit} -n 5 --no-pager 2>/dev/null || systemctl status ${unit} --no-pager 2>/dev/null | tail -n 5) | tail -n 5
exit 0
`;
}
