import { hostname, userInfo } from 'node:os';
import type { StepBounds } from '../apply/bounds.ts';
import { parseMaxUnavailable, unavailableLimit } from '../apply/domains.ts';
import { createSlots } from '../apply/slots.ts';
import type { NodeApplyDeps } from '../apply/node-apply.ts';
import { NODE_STATE_DIR } from '../apply/scripts/common.ts';
import type { ApplyHooks } from '../apply/types.ts';
import type { Inventory } from '../config/types.ts';
import { createCordonRecovery, createDrainer } from '../drain/drainer.ts';
import { createNodeStatusReader } from '../health/node-status.ts';
import { createKubeNodes } from '../kube/client.ts';
import type { RunJournal } from '../journal/run-journal.ts';
import type { Connector } from '../transport/types.ts';
import { UsageError } from '../util/errors.ts';
import { positiveInt } from './connect-options.ts';

export interface ApplyTuning {
  readonly healthTimeout: string;
  readonly lockTtl: string;
  /** `--lock-wait SECONDS`: wait for a node another live run holds instead of refusing it (absent or 0: refuse). */
  readonly lockWait?: string | undefined;
}

export function nonNegativeInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a whole number of seconds (0 or more), not ${JSON.stringify(value)}`);
  return n;
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
  /** `--drain`: cordon and evict around each node's change (needs the inventory's kubeconfig). */
  drain?: { readonly timeoutMs: number } | undefined;
  /** Earlier attempts of this run, known dead, whose node locks may be taken over at once (`rollout --resume`). */
  takeOverFrom?: readonly string[] | undefined;
  /** `--command-timeout`, `--package-timeout`. */
  bounds: StepBounds;
  /** `--max-unavailable`, already turned into a number of nodes. */
  maxUnavailable?: number | undefined;
}): NodeApplyDeps {
  const inventoryFile = options.inventory.file;
  const kube = options.inventory.kubeconfig ? createKubeNodes(options.inventory.kubeconfig) : undefined;
  if (options.drain && !kube) throw new UsageError('--drain needs the Kubernetes API: set `kubeconfig:` in the inventory');
  return {
    connector: options.connector,
    stateDir: NODE_STATE_DIR,
    runId: options.runId,
    lock: {
      owner: operator(),
      pid: process.pid,
      command: options.command,
      ttlSeconds: positiveInt(options.tuning.lockTtl, '--lock-ttl'),
      waitMs: nonNegativeInt(options.tuning.lockWait ?? '0', '--lock-wait') * 1000,
      takeOverFrom: options.takeOverFrom,
    },
    gate: {
      timeoutMs: positiveInt(options.tuning.healthTimeout, '--health-timeout') * 1000,
      intervalMs: 1000,
      nodeStatus: options.inventory.kubeconfig ? createNodeStatusReader(options.inventory.kubeconfig) : undefined,
    },
    hooks: options.hooks,
    journal: options.journal,
    signal: options.signal,
    drain: kube && options.drain ? createDrainer(kube, { runId: options.runId, timeoutMs: options.drain.timeoutMs, intervalMs: 1000, hooks: options.hooks }) : undefined,
    cordons: kube ? createCordonRecovery(kube, options.runId, options.hooks) : undefined,
    bounds: options.bounds,
    unavailable: options.maxUnavailable === undefined ? undefined : createSlots(options.maxUnavailable),
    hints: {
      finish: (host) => `nodeward apply -i ${inventoryFile} --limit ${host.name}`,
      rollback: (runId, host) => `nodeward rollback ${runId} -i ${inventoryFile} --limit ${host.name}`,
    },
  };
}

/** `--max-unavailable N|%` as a number of nodes of `fleet` (undefined: no cap beyond --concurrency and the batches). */
export function maxUnavailableOf(spec: string | undefined, fleet: number): number | undefined {
  return spec === undefined ? undefined : unavailableLimit(parseMaxUnavailable(spec), fleet);
}

/** --max-unavailable, for apply and rollout. */
export const MAX_UNAVAILABLE_HELP = 'at most this many nodes (or this share of the selected fleet, rounded down, at least 1) cordoned or restarting at once, across batches and waves';
