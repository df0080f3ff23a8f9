import { unitName } from '../../facts/script.ts';
import { lines, sh, type Script } from '../../node/sh.ts';
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

export interface ProbeRequest {
  readonly units: readonly string[];
  /** http://127.0.0.1:10248/healthz, or undefined when healthz is off. */
  readonly healthzUrl: string | undefined;
}

/** One exec per poll: unit states, node clock, and the kubelet's /healthz fetched on the node. */
export function probeScript(request: ProbeRequest): Script {
  const parts = request.units.map((u) => sh`systemctl show -p Id,ActiveState,SubState,NRestarts,Result -- ${unitName(u)} 2>/dev/null; echo`);
  parts.push(sh`printf 'NW_NOW %s\\n' "$(date +%s)"`);
  if (request.healthzUrl) {
    const url = request.healthzUrl;
    parts.push(
      sh`if command -v curl >/dev/null 2>&1; then h=$(curl -fsS -m 3 ${url} 2>&1)`,
      sh`elif command -v wget >/dev/null 2>&1; then h=$(wget -qO- -T 3 ${url} 2>&1)`,
      sh`elif command -v python3 >/dev/null 2>&1; then h=$(python3 -c 'import sys,urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=3).read().decode())' ${url} 2>&1 | tail -n 1)`,
      sh`else h='no http client (curl, wget or python3) on the node'; fi`,
      sh`printf 'NW_HEALTHZ %s\\n' "$(printf '%s' "$h" | head -c 200 | tr '\\n' ' ')"`,
    );
  }
  parts.push(sh`exit 0`, sh``);
  return lines(parts);
}

export interface UnitState {
  readonly activeState: string;
  readonly subState: string;
  readonly nRestarts: number;
  readonly result: string;
}

export interface Probe {
  readonly units: ReadonlyMap<string, UnitState>;
  readonly now: number;
  readonly healthz: string | undefined;
}

export function parseProbe(stdout: Buffer): Probe {
  const text = stdout.toString();
  const units = new Map<string, UnitState>();
  for (const block of text.split(/\n\s*\n/)) {
    const props = new Map(block.split('\n').flatMap((line) => (line.includes('=') && !line.startsWith('NW_') ? [[line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as [string, string]] : [])));
    const id = props.get('Id');
    if (!id) continue;
    units.set(id, {
      activeState: props.get('ActiveState') ?? 'unknown',
      subState: props.get('SubState') ?? '',
      nRestarts: Number(props.get('NRestarts')) || 0,
      result: props.get('Result') ?? '',
    });
  }
  const found = markers(stdout);
  return {
    units,
    now: Number(found.find((m) => m.word === 'NOW')?.rest) || 0,
    healthz: found.find((m) => m.word === 'HEALTHZ')?.rest,
  };
}

/** The unit's own account of its failure, for the report (last log lines). */
export function unitDiagnosisScript(service: string): Script {
  const unit = unitName(service);
  return sh`systemctl show -p ActiveState,SubState,NRestarts,Result -- ${unit} 2>/dev/null | tr '\\n' ' '; echo
(journalctl -u ${unit} -n 5 --no-pager 2>/dev/null || systemctl status ${unit} --no-pager 2>/dev/null | tail -n 5) | tail -n 5
exit 0
`;
}
