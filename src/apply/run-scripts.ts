import { newBoundary } from '../facts/frame.ts';
import type { NodeFacts } from '../facts/types.ts';
import { afterState } from '../guards/after-state.ts';
import { healthzUrl } from '../guards/healthz.ts';
import { sh, type Script } from '../node/sh.ts';
import type { NodePlan } from '../plan/types.ts';
import { supervisedScript } from '../transport/node-jobs.ts';
import type { StepBounds } from './bounds.ts';
import { confirmScript } from './scripts/arm.ts';
import { lockScript, unlockScript, type LockRequest } from './scripts/lock.ts';
import { inspectRunScript } from './scripts/recover.ts';
import { rollbackScript } from './scripts/rollback.ts';
import { GATE_NODE_WAIT_SECONDS } from '../health/gate.ts';
import { probeScript } from '../health/probe.ts';
import { gateProbe, gateScope } from './node/restarts.ts';
import { restartScript, settleScript } from './scripts/services.ts';
import { writeScript } from './scripts/write.ts';

export interface RunScriptsRequest {
  readonly stateDir: string;
  readonly runId: string;
  readonly plan: NodePlan;
  readonly facts: NodeFacts | undefined;
  /** The facts script the node was sent to make this plan (apply sends it again inside the lock script, with a new boundary). */
  readonly factsScript: Script | undefined;
  readonly lock: Omit<LockRequest, 'stateDir' | 'runId'>;
  readonly bounds: StepBounds;
}

export interface RunScript {
  /** `facts`, `lock`, `write`, `restart-kubelet`…: what the file is named after. */
  readonly step: string;
  readonly script: Script;
}

/**
 * Every script an apply of this node's plan would send, in the order it sends them, then the
 * ones it sends only when something goes wrong (rollback, inspection after lost contact). Pure:
 * built from the plan and the facts it was made from, as apply/node/ builds them.
 */
export function runScripts(request: RunScriptsRequest): RunScript[] {
  const { stateDir, runId, plan, bounds } = request;
  const scripts: RunScript[] = [];
  if (request.factsScript) scripts.push({ step: 'facts', script: request.factsScript });
  if (plan.status === 'error') return scripts;
  // the re-read under the lock is part of the lock's exec (run only where no earlier run is pending)
  const facts = request.factsScript ? { script: request.factsScript, token: newBoundary() } : undefined;
  scripts.push({ step: 'lock', script: lockScript({ ...request.lock, stateDir, runId, facts }) });
  if (plan.changes.length > 0) {
    const operations = plan.changes.flatMap((c) => c.operations);
    scripts.push({ step: 'write', script: writeScript({ stateDir, runId, operations, owedRestarts: plan.restarts, bounds }) });
    if (operations.some((op) => op.op === 'confirm')) scripts.push({ step: 'confirm', script: confirmScript(stateDir, runId) });
    const kubeletConfig = request.facts?.kubelet?.configPath ?? '/var/lib/kubelet/config.yaml';
    const healthz = request.facts ? healthzUrl(afterState(request.facts, plan).fileText(kubeletConfig)) : undefined;
    const owed = [...plan.restarts];
    for (const [index, service] of plan.restarts.entries()) {
      scripts.push({ step: `restart-${service}`, script: restartScript(stateDir, runId, service, bounds) });
      // the gate's waiting probe (apply also passes the kubelet's restart count it read, for the crash-loop check)
      scripts.push({ step: `probe-${service}`, script: probeScript({ ...gateProbe(service, healthz, gateScope(plan.restarts, index)), wait: { seconds: GATE_NODE_WAIT_SECONDS } }) });
      owed.shift();
      scripts.push({ step: `settle-${service}`, script: settleScript(stateDir, runId, owed, 'done') });
    }
    if (plan.restarts.length === 0) scripts.push({ step: 'settle', script: settleScript(stateDir, runId, [], 'done') });
  }
  scripts.push({ step: 'unlock', script: unlockScript(stateDir, runId) });
  if (plan.changes.length > 0) {
    scripts.push({ step: 'on-failure-rollback', script: rollbackScript({ stateDir, runId, verifyUnchanged: false, bounds }) });
    scripts.push({ step: 'on-lost-contact-inspect', script: inspectRunScript(stateDir, runId, bounds.reconnect) });
  }
  return scripts;
}

/** How every script above reaches the node: inside this supervisor (transport/node-jobs.ts), the script where the marker line is. */
export function supervisorScript(deadlineSeconds: number): Script {
  return supervisedScript(sh`# ... the script ...\n`, { deadlineSeconds, register: '/var/lib/nodeward/jobs/RUN-ID', onAbandon: '/var/lib/nodeward/runs/RUN-ID/on-abandon' });
}
