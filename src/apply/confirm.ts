import type { HostSpec } from '../config/types.ts';
import { sleep } from '../transport/retry.ts';
import type { Connector, Transport } from '../transport/types.ts';
import { errorMessage } from '../util/errors.ts';
import { confirmScript, parseConfirmOutput, parseRevertState, revertStateScript } from './scripts/arm.ts';
import type { NodeOutcomeStatus } from './types.ts';

export interface ConfirmRequest {
  readonly connector: Connector;
  readonly host: HostSpec;
  /** The session that made the change: kept open, used only to watch a revert. */
  readonly transport: Transport;
  readonly stateDir: string;
  readonly runId: string;
  /** The timer's length; it started when the write script returned (`armedAt`, local clock). */
  readonly seconds: number;
  readonly armedAt: number;
  readonly pollMs?: number;
}

export type ConfirmResult = { readonly ok: true } | { readonly ok: false; readonly status: NodeOutcomeStatus; readonly reason: string };

/**
 * Confirms an armed change over a *new* SSH connection (a new login through the bastion, never
 * the session that made the change, which sshd and conntrack keep alive whatever the change
 * did). Tries until shortly before the node's timer fires; when no new login works, the node
 * reverts the run by itself and this waits to report it.
 */
export async function confirmOverNewConnection(request: ConfirmRequest): Promise<ConfirmResult> {
  const margin = Math.min(5000, (request.seconds * 1000) / 4);
  const deadline = request.armedAt + request.seconds * 1000 - margin;
  let lastError = 'no new connection could be made';
  if (!request.connector.connectFresh) lastError = 'this connector cannot open a new connection';
  while (request.connector.connectFresh && Date.now() < deadline) {
    try {
      const fresh = await request.connector.connectFresh(request.host, AbortSignal.timeout(Math.max(1000, deadline - Date.now())));
      try {
        const result = await fresh.exec(confirmScript(request.stateDir, request.runId), { timeoutMs: Math.max(1000, deadline - Date.now() + margin) });
        const answer = parseConfirmOutput(result.stdout);
        if (answer?.confirmed) return { ok: true };
        if (answer) return awaitRevert(request, `the confirmation came too late (the node's run state: ${answer.state || 'unknown'})`);
        lastError = `the confirmation script answered nothing sensible (exit ${String(result.exitCode)})`;
      } finally {
        await fresh.close().catch(() => undefined);
      }
    } catch (error) {
      lastError = errorMessage(error);
    }
    await sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
  }
  return awaitRevert(request, `no new SSH connection could confirm the change within ${request.seconds} s (${lastError})`);
}

/** Waits for the node's own revert to finish, watching over the old session (or new ones once the revert let them in). */
async function awaitRevert(request: ConfirmRequest, why: string): Promise<ConfirmResult> {
  const until = request.armedAt + request.seconds * 1000 + 60_000;
  let seen = 'unknown';
  while (Date.now() < until) {
    const state = await readState(request);
    if (state) {
      seen = state.state;
      if (state.state === 'rolled-back') return { ok: false, status: 'rolled-back', reason: `${why}; the node reverted the run by itself` };
    }
    await sleep(request.pollMs ?? 2000);
  }
  return { ok: false, status: 'failed', reason: `${why}; the node's revert did not finish (run state ${seen}): check /var/lib/nodeward/runs/${request.runId}/revert.log on it` };
}

async function readState(request: ConfirmRequest): Promise<ReturnType<typeof parseRevertState>> {
  const script = revertStateScript(request.stateDir, request.runId);
  try {
    return parseRevertState((await request.transport.exec(script, { timeoutMs: 10_000 })).stdout);
  } catch {
    // the old session is gone: once reverted, a new login works again
  }
  if (!request.connector.connectFresh) return undefined;
  try {
    const fresh = await request.connector.connectFresh(request.host, AbortSignal.timeout(10_000));
    try {
      return parseRevertState((await fresh.exec(script, { timeoutMs: 10_000 })).stdout);
    } finally {
      await fresh.close().catch(() => undefined);
    }
  } catch {
    return undefined;
  }
}
