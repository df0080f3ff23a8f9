import { kubeNodeName } from '../config/types.ts';
import type { ApplyHooks, CordonRecovery, DrainResult, NodeDrainer } from '../apply/types.ts';
import type { HostSpec } from '../config/types.ts';
import type { KubeNodes } from '../kube/types.ts';
import { errorMessage } from '../util/errors.ts';
import { CORDONED_AT, CORDONED_BY, cordonNode, restoreNode, WAS_UNSCHEDULABLE } from './cordon.ts';
import { evictPods } from './evict.ts';

export interface DrainerOptions {
  readonly runId: string;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly hooks: ApplyHooks;
}

/** `--drain`: cordon (recording the prior state on the Node), evict with a deadline; restore always. */
export function createDrainer(kube: KubeNodes, options: DrainerOptions): NodeDrainer {
  const { runId, hooks } = options;
  const restore = async (host: HostSpec): Promise<string | undefined> => {
    try {
      const result = await restoreNode(kube, kubeNodeName(host), runId);
      if (result === 'uncordoned') hooks.drainStep?.(host, 'uncordon');
      if (result === 'kept-cordoned') hooks.drainStep?.(host, 'keep-cordoned', 'it was unschedulable before this run');
      return undefined;
    } catch (error) {
      return `could not restore its schedulability: ${errorMessage(error)}`;
    }
  };
  return {
    restore,
    async drain(host, signal): Promise<DrainResult> {
      hooks.drainStep?.(host, 'cordon');
      let record;
      try {
        record = await cordonNode(kube, kubeNodeName(host), runId);
      } catch (error) {
        // a failed patch may still have landed
        return { ok: false, reason: `cannot cordon: ${errorMessage(error)}`, record: undefined, restoreFailed: await restore(host) };
      }
      if (record.wasUnschedulable) hooks.drainStep?.(host, 'cordon', 'already unschedulable: it stays so afterwards');
      let evicted;
      try {
        evicted = await evictPods(kube, kubeNodeName(host), {
          deadline: Date.now() + options.timeoutMs,
          intervalMs: options.intervalMs,
          signal,
          report: (step, detail) => hooks.drainStep?.(host, step, detail),
        });
      } catch (error) {
        evicted = { ok: false as const, reason: `drain failed: ${errorMessage(error)}` };
      }
      if (evicted.ok) return { ok: true, record, evicted: evicted.evicted };
      const restoreFailed = await restore(host);
      return { ok: false, reason: evicted.reason, record: restoreFailed ? record : { ...record, restoredAt: new Date().toISOString() }, restoreFailed };
    },
  };
}

/**
 * Under the node lock no other run is between its cordon and its uncordon on this node, so a
 * cordon record of another run on the Node was left by a run that died: give the node back the
 * schedulability that run recorded.
 */
export function createCordonRecovery(kube: KubeNodes, currentRunId: string, hooks: ApplyHooks): CordonRecovery {
  return {
    async recover(host) {
      const node = await kube.getNode(kubeNodeName(host));
      const by = node.annotations[CORDONED_BY];
      if (by === undefined || by === currentRunId) return undefined;
      const since = node.annotations[CORDONED_AT] ?? '?';
      const result = await restoreNode(kube, kubeNodeName(host), by);
      if (result === 'not-ours') return undefined;
      hooks.drainStep?.(host, 'recover', `run ${by} left it cordoned`);
      const was = node.annotations[WAS_UNSCHEDULABLE] === 'true';
      return `run ${by} left the node cordoned (since ${since}): ${was ? 'it was unschedulable before that run, so it stays cordoned' : 'uncordoned it'}`;
    },
  };
}
