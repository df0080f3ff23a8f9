import { kubeNodeName } from '../../config/types.ts';
import { waitHealthy } from '../../health/gate.ts';
import { healthzUrl } from '../../guards/healthz.ts';
import type { ServiceToRestart } from '../../spec/schema-parts.ts';
import { ConnectError } from '../../util/errors.ts';
import { restartDeadlineSeconds } from '../bounds.ts';
import { isLostContact } from '../node-link.ts';
import { runJob } from '../scripts/common.ts';
import { parseRestartOutput, restartScript, settleScript, unitDiagnosisScript } from '../scripts/services.ts';
import type { NodeOutcome } from '../types.ts';
import { whileUnavailable } from './unavailable.ts';
import { leftPartWay, lostStep, outcome, rollbackHint, run, services, step, summarizeUndone, warn, type NodeContext } from './context.ts';

/**
 * How far the gate after the restart of `list[index]` looks. containerd restarted ahead of the
 * kubelet: the kubelet still running reads the runtime as it was when it started (a cgroup driver
 * changed on both sides is a mismatch until the kubelet restarts too), so containerd's gate is its
 * unit alone; the kubelet's gate after it checks /healthz and the Node with a heartbeat newer than
 * both restarts.
 */
export function gateScope(list: readonly ServiceToRestart[], index: number): 'unit' | 'node' {
  return list[index] === 'containerd' && list.slice(index + 1).includes('kubelet') ? 'unit' : 'node';
}

/** What the gate probes for one restart: the units, and the kubelet's /healthz when the whole node is judged. */
export function gateProbe(service: ServiceToRestart, healthz: string | undefined, scope: 'unit' | 'node'): { units: string[]; healthzUrl: string | undefined } {
  const url = scope === 'node' && (service === 'kubelet' || service === 'containerd') ? healthz : undefined;
  return { units: url ? [...new Set<string>([service, 'kubelet'])] : [service], healthzUrl: url };
}

/** Restarts services in order behind the gate, settling each; returns why one failed, or undefined. */
export async function restarts(ctx: NodeContext, list: readonly ServiceToRestart[], healthz: string | undefined, runId: string, final: 'done' | 'rolled-back'): Promise<string | undefined> {
  // restarting (until the gate passes) is unavailable: one slot for the node's restarts
  return list.length === 0 ? restartsNow(ctx, list, healthz, runId, final) : whileUnavailable(ctx, () => restartsNow(ctx, list, healthz, runId, final));
}

async function restartsNow(ctx: NodeContext, list: readonly ServiceToRestart[], healthz: string | undefined, runId: string, final: 'done' | 'rolled-back'): Promise<string | undefined> {
  const owed = [...list];
  const settle = async (): Promise<void> => {
    await run(ctx.node.resilient, settleScript(ctx.deps.stateDir, runId, owed, final), { job: runJob(ctx.deps.stateDir, ctx.deps.runId) });
  };
  for (const [index, service] of list.entries()) {
    const failure = await restartAndWait(ctx, service, healthz, runId, gateScope(list, index));
    if (failure) return failure;
    owed.shift();
    await settle();
  }
  if (list.length === 0) await settle();
  return undefined;
}

/**
 * Restarts one service and waits for the gate; returns the reason it failed, or undefined. The
 * gate is the whole node's (`node`: units, the kubelet's /healthz, the Node Ready with a fresh
 * heartbeat) or, for a restart another one follows at once, the unit's alone (`unit`).
 */
export async function restartAndWait(ctx: NodeContext, service: ServiceToRestart, healthz: string | undefined, runId: string, scope: 'unit' | 'node' = 'node'): Promise<string | undefined> {
  const host = ctx.work.host;
  step(ctx, 'restart', service);
  if (!ctx.ledger.restarted.includes(service)) ctx.ledger.restarted.push(service);
  const script = restartScript(ctx.deps.stateDir, runId, service, ctx.bounds);
  const options = { timeoutMs: restartDeadlineSeconds(ctx.bounds) * 1000, job: runJob(ctx.deps.stateDir, ctx.deps.runId) };
  let output: Buffer;
  try {
    output = await run(ctx.node, script, options);
  } catch (error) {
    if (!isLostContact(error)) throw error;
    // whether it restarted is unknown; restarting again is harmless, and the gate decides
    warn(ctx, `${lostStep(`the restart of ${service}`, error)}; restarting it again over a new session`);
    const why = await ctx.node.renew(ctx.bounds.reconnect * 1000);
    if (why) throw new ConnectError('closed', `${host.name}: ${lostStep(`the restart of ${service}`, error)}, and the node could not be reached again (${why})`, { host: host.name, hop: 'node' });
    output = await run(ctx.node, script, options);
  }
  const restart = parseRestartOutput(output);
  if ('failure' in restart) return restart.failure;
  step(ctx, 'gate', service);
  const gate = await waitHealthy(ctx.node.resilient, {
    services: [service],
    restartedAt: restart.at,
    kubeletRestartsBefore: service === 'kubelet' ? restart.restartsBefore : Number.MAX_SAFE_INTEGER,
    healthzUrl: gateProbe(service, healthz, scope).healthzUrl,
    nodeName: kubeNodeName(host),
    nodeStatus: scope === 'node' ? ctx.deps.gate.nodeStatus : undefined,
    timeoutMs: ctx.deps.gate.timeoutMs,
    intervalMs: ctx.deps.gate.intervalMs,
  });
  if (gate.ok) return undefined;
  return `${gate.reason}${await diagnose(ctx, service)}`;
}

/** The unit's own account of its failure (last log lines), for the report. */
async function diagnose(ctx: NodeContext, service: ServiceToRestart): Promise<string> {
  try {
    const text = (await run(ctx.node.resilient, unitDiagnosisScript(service))).toString().trim().split('\n');
    return `; ${service}: ${text.filter(Boolean).slice(0, 3).join(' | ')}`;
  } catch {
    return '';
  }
}

/** Restores are done: restart what ran the run's files, gate, settle the run `rolled-back`. */
export async function afterRestore(ctx: NodeContext, reason: string, runId: string, owed: readonly string[], healthz: string | undefined): Promise<NodeOutcome> {
  const failure = await restarts(ctx, services(owed), healthz ?? healthzUrl(undefined), runId, 'rolled-back');
  if (failure) return leftPartWay(ctx, `${reason}; rolled back, but after the rollback ${failure}`, 'restored', rollbackHint(ctx, runId));
  const { undone } = ctx.ledger;
  return outcome(ctx, 'rolled-back', undone.length > 0 ? `${reason}; undone: ${summarizeUndone(undone)}` : `${reason}; nothing had been changed yet`);
}
