import { parseProbe, probeScript, type Probe } from './probe.ts';
import { unitName } from '../facts/script.ts';
import type { ServiceToRestart } from '../spec/schema-parts.ts';
import type { Transport } from '../transport/types.ts';
import { sleep } from '../transport/retry.ts';
import type { NodeStatus, NodeStatusReader } from './node-status.ts';

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

/** The longest the node waits in one exec before the controller looks again (and a lost session shows). */
export const GATE_NODE_WAIT_SECONDS = 10;
/** The first pause between two reads of the Node from the API server; doubled each time up to `intervalMs`. */
const API_FIRST_PAUSE_MS = 200;
/** How long the API server is polled for a fresh heartbeat before the node is probed again. */
const API_WINDOW_MS = 3000;

/**
 * Health gate after a restart: every restarted unit active, the kubelet's /healthz `ok`, and (with
 * a kubeconfig) the Node Ready with a heartbeat newer than the restart — the API shows the old
 * Ready=True for a while after a restart, so an old heartbeat proves nothing. A brief NotReady
 * is tolerated until the timeout; a unit that failed or crash-loops fails the gate early.
 *
 * How it polls: the node waits for its part in one exec (`probeScript` with `wait`: it looks every
 * NODE_POLL_SECONDS and answers as soon as the units and /healthz are healthy, or a unit failed),
 * so the gate passes a fraction of a second after the kubelet is, with one exec instead of one per
 * `intervalMs`. Then the API server is read with a pause that starts at API_FIRST_PAUSE_MS and
 * doubles up to `intervalMs` (a heartbeat is in whole seconds and must be newer than the restart);
 * every API_WINDOW_MS without one, the node is probed again (it answers at once while healthy).
 */
export async function waitHealthy(transport: Transport, spec: GateSpec): Promise<GateResult> {
  const deadline = Date.now() + spec.timeoutMs;
  const units = spec.healthzUrl ? [...new Set<string>([...spec.services, 'kubelet'])] : [...spec.services];
  const kubeletRestartsAtMost = spec.kubeletRestartsBefore < Number.MAX_SAFE_INTEGER - CRASH_LOOP_RESTARTS ? spec.kubeletRestartsBefore + CRASH_LOOP_RESTARTS : undefined;
  let last = 'no probe answered';
  const timedOut = (): GateResult => ({ ok: false, reason: `not healthy after ${Math.round(spec.timeoutMs / 1000)}s: ${last}` });
  for (;;) {
    const seconds = Math.max(0, Math.min(GATE_NODE_WAIT_SECONDS, Math.floor((deadline - Date.now()) / 1000)));
    let probe: Probe | undefined;
    const asked = Date.now();
    try {
      const script = probeScript({ units, healthzUrl: spec.healthzUrl, wait: { seconds, kubeletRestartsAtMost } });
      const result = await transport.exec(script, { timeoutMs: Math.min(15_000, spec.timeoutMs) + seconds * 1000 });
      probe = parseProbe(result.stdout);
    } catch (error) {
      last = `probe failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (!probe) {
      // no answer: try again after a pause, as long as the gate has time
      if (Date.now() + spec.intervalMs > deadline) return timedOut();
      await sleep(spec.intervalMs);
      continue;
    }
    const verdict = judgeNode(probe, units, spec);
    if (!verdict.ok && verdict.final) return { ok: false, reason: verdict.reason };
    if (!verdict.ok) {
      last = verdict.reason;
      if (Date.now() >= deadline) return timedOut();
      // the node waited already: look again at once, but never more often than every intervalMs
      // (an answer the node took for healthy and this verdict does not)
      const pause = asked + spec.intervalMs - Date.now();
      if (pause > 0) await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
      continue;
    }
    if (!spec.nodeStatus) return { ok: true };
    const api = await waitForNode(spec.nodeStatus, spec, Math.min(deadline, Date.now() + API_WINDOW_MS));
    if (api.ok) return api;
    last = api.reason;
    if (Date.now() >= deadline) return timedOut();
  }
}

/** The Node Ready with a heartbeat newer than the restart, read until `until` with a growing pause. */
async function waitForNode(reader: NodeStatusReader, spec: GateSpec, until: number): Promise<{ ok: true } | { ok: false; reason: string }> {
  let pause = Math.min(API_FIRST_PAUSE_MS, spec.intervalMs);
  for (;;) {
    const status = await reader.read(spec.nodeName);
    const verdict = judgeNodeStatus(status, spec);
    if (verdict.ok || Date.now() + pause > until) return verdict;
    await sleep(pause);
    pause = Math.min(pause * 2, spec.intervalMs);
  }
}

/** The node's part of the verdict, from one probe: the units, the crash loop, /healthz. */
function judgeNode(probe: Probe, units: readonly string[], spec: GateSpec): { ok: true } | { ok: false; final: boolean; reason: string } {
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
  return { ok: true };
}

/** The API's part: Ready, with a heartbeat newer than the restart. */
function judgeNodeStatus(status: NodeStatus, spec: GateSpec): { ok: true } | { ok: false; reason: string } {
  if (status.ready !== 'True') return { ok: false, reason: `Node ${spec.nodeName} Ready=${status.ready ?? 'unknown'}${status.reason ? ` (${status.reason})` : ''}` };
  if (status.heartbeat === undefined || status.heartbeat <= spec.restartedAt) return { ok: false, reason: `Node ${spec.nodeName} has no heartbeat since the restart yet` };
  return { ok: true };
}
