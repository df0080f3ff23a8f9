import { parseProbe, probeScript, type Probe } from './probe.ts';
import { unitName } from '../facts/script.ts';
import type { ServiceToRestart } from '../spec/schema-parts.ts';
import type { Transport } from '../transport/types.ts';
import { sleep } from '../transport/retry.ts';
import type { NodeStatusReader } from './node-status.ts';

export interface GateSpec {
  /** Services restarted this time; each must be active again. */
  readonly services: readonly ServiceToRestart[];
  /** Node clock (epoch seconds) when the restart returned: the Node's heartbeat must be newer. */
  readonly restartedAt: number;
  /** The kubelet's NRestarts before the restart, to notice a crash loop early. */
  readonly kubeletRestartsBefore: number;
  readonly healthzUrl: string | undefined;
  readonly nodeName: string;
  readonly nodeStatus: NodeStatusReader | undefined;
  readonly timeoutMs: number;
  readonly intervalMs: number;
}

export type GateResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Restarts of a Restart=always unit after ours before we call it a crash loop rather than a slow start. */
const CRASH_LOOP_RESTARTS = 2;

/**
 * Health gate after a restart: every restarted unit active, the kubelet's /healthz `ok`, and (with
 * a kubeconfig) the Node Ready with a heartbeat newer than the restart — the API shows the old
 * Ready=True for a while after a restart, so an old heartbeat proves nothing. A brief NotReady
 * is tolerated until the timeout; a unit that failed or crash-loops fails the gate early.
 */
export async function waitHealthy(transport: Transport, spec: GateSpec): Promise<GateResult> {
  const deadline = Date.now() + spec.timeoutMs;
  const units = spec.healthzUrl ? [...new Set<string>([...spec.services, 'kubelet'])] : [...spec.services];
  let last = 'no probe answered';
  for (;;) {
    let probe: Probe | undefined;
    try {
      const result = await transport.exec(probeScript({ units, healthzUrl: spec.healthzUrl }), { timeoutMs: Math.min(15_000, spec.timeoutMs) });
      probe = parseProbe(result.stdout);
    } catch (error) {
      last = `probe failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (probe) {
      const verdict = await judge(probe, units, spec);
      if (verdict.ok) return verdict;
      if (verdict.final) return { ok: false, reason: verdict.reason };
      last = verdict.reason;
    }
    if (Date.now() + spec.intervalMs > deadline) return { ok: false, reason: `not healthy after ${Math.round(spec.timeoutMs / 1000)}s: ${last}` };
    await sleep(spec.intervalMs);
  }
}

async function judge(probe: Probe, units: readonly string[], spec: GateSpec): Promise<{ ok: true } | { ok: false; final: boolean; reason: string }> {
  for (const unit of units) {
    const state = probe.units.get(unitName(unit));
    if (!state) return { ok: false, final: false, reason: `${unitName(unit)}: no state` };
    if (state.activeState === 'failed') return { ok: false, final: true, reason: `${unitName(unit)} failed (${state.result || state.subState})` };
    if (unit === 'kubelet' && state.nRestarts - spec.kubeletRestartsBefore >= CRASH_LOOP_RESTARTS) {
      return { ok: false, final: true, reason: `kubelet.service is crash-looping (${state.activeState}/${state.subState}, restarted ${state.nRestarts - spec.kubeletRestartsBefore} times)` };
    }
    if (state.activeState !== 'active') return { ok: false, final: false, reason: `${unitName(unit)} is ${state.activeState}/${state.subState}` };
  }
  if (spec.healthzUrl && probe.healthz?.trim() !== 'ok') return { ok: false, final: false, reason: `kubelet /healthz: ${probe.healthz ?? 'no answer'}` };
  if (spec.nodeStatus) {
    const status = await spec.nodeStatus.read(spec.nodeName);
    if (status.ready !== 'True') return { ok: false, final: false, reason: `Node ${spec.nodeName} Ready=${status.ready ?? 'unknown'}${status.reason ? ` (${status.reason})` : ''}` };
    if (status.heartbeat === undefined || status.heartbeat <= spec.restartedAt) {
      return { ok: false, final: false, reason: `Node ${spec.nodeName} has no heartbeat since the restart yet` };
    }
  }
  return { ok: true };
}
