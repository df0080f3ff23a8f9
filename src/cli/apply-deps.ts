import { hostname, userInfo } from 'node:os';
import type { NodeApplyDeps } from '../apply/node-apply.ts';
import { NODE_STATE_DIR } from '../apply/scripts/common.ts';
import type { ApplyHooks } from '../apply/types.ts';
import type { Inventory } from '../config/types.ts';
import { createNodeStatusReader } from '../health/node-status.ts';
import type { RunJournal } from '../journal/run-journal.ts';
import type { Connector } from '../transport/types.ts';
import { positiveInt } from './connect-options.ts';

export interface ApplyTuning {
  readonly healthTimeout: string;
  readonly lockTtl: string;
}

export function operator(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry for this uid (containers): keep "unknown"
  }
  return `${user}@${hostname()}`;
}

export function applyDeps(options: {
  inventory: Inventory;
  connector: Connector;
  runId: string;
  command: string;
  tuning: ApplyTuning;
  hooks: ApplyHooks;
  journal: RunJournal | undefined;
  signal: AbortSignal;
}): NodeApplyDeps {
  return {
    connector: options.connector,
    stateDir: NODE_STATE_DIR,
    runId: options.runId,
    lock: { owner: operator(), pid: process.pid, command: options.command, ttlSeconds: positiveInt(options.tuning.lockTtl, '--lock-ttl') },
    gate: {
      timeoutMs: positiveInt(options.tuning.healthTimeout, '--health-timeout') * 1000,
      intervalMs: 1000,
      nodeStatus: options.inventory.kubeconfig ? createNodeStatusReader(options.inventory.kubeconfig) : undefined,
    },
    hooks: options.hooks,
    journal: options.journal,
    signal: options.signal,
  };
}
