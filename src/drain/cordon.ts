import type { CordonRecord } from '../apply/types.ts';
import { KubeConflictError } from '../kube/errors.ts';
import type { KubeNodes } from '../kube/types.ts';

/**
 * The record a cordon leaves on the Node itself (like kured's lock annotation), so that whichever
 * run next holds the node's lock can give the node back its prior schedulability even if the
 * run that cordoned it died (Ctrl-C twice, SIGKILL, a lost controller).
 */
export const CORDONED_BY = 'nodeward.io/cordoned-by';
export const WAS_UNSCHEDULABLE = 'nodeward.io/was-unschedulable';
export const CORDONED_AT = 'nodeward.io/cordoned-at';

const ATTEMPTS = 5;

/** Re-reads and retries when the Node changed between our read and our patch (the kubelet updates it too). */
async function withConflictRetry<T>(body: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await body();
    } catch (error) {
      if (!(error instanceof KubeConflictError) || attempt >= ATTEMPTS) throw error;
    }
  }
}

/** Marks the Node unschedulable, recording whether it already was. */
export function cordonNode(kube: KubeNodes, name: string, runId: string, now = new Date()): Promise<CordonRecord> {
  return withConflictRetry(async () => {
    const node = await kube.getNode(name);
    const recorded = node.annotations[CORDONED_BY] !== undefined ? node.annotations[WAS_UNSCHEDULABLE] : undefined;
    // a cordon of ours still on the Node (an earlier step of this run, or one that could not be undone) knows the real prior state
    const wasUnschedulable = recorded !== undefined ? recorded === 'true' : node.unschedulable;
    const cordonedAt = node.annotations[CORDONED_AT] ?? now.toISOString();
    await kube.patchNode(name, {
      resourceVersion: node.resourceVersion,
      unschedulable: true,
      annotations: { [CORDONED_BY]: runId, [WAS_UNSCHEDULABLE]: String(wasUnschedulable), [CORDONED_AT]: cordonedAt },
    });
    return { wasUnschedulable, cordonedAt };
  });
}

export type RestoreResult = 'uncordoned' | 'kept-cordoned' | 'not-ours';

/** Gives the Node back the schedulability recorded by run `runId`'s cordon and removes the record. */
export function restoreNode(kube: KubeNodes, name: string, runId: string): Promise<RestoreResult> {
  return withConflictRetry(async () => {
    const node = await kube.getNode(name);
    if (node.annotations[CORDONED_BY] !== runId) return 'not-ours';
    const was = node.annotations[WAS_UNSCHEDULABLE] === 'true';
    await kube.patchNode(name, {
      resourceVersion: node.resourceVersion,
      unschedulable: was ? true : null,
      annotations: { [CORDONED_BY]: null, [WAS_UNSCHEDULABLE]: null, [CORDONED_AT]: null },
    });
    return was ? 'kept-cordoned' : 'uncordoned';
  });
}
