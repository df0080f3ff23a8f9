import type { KubeNodes, PodView } from '../kube/types.ts';
import { sleep } from '../transport/retry.ts';

export interface EvictOptions {
  readonly deadline: number;
  readonly intervalMs: number;
  readonly signal: AbortSignal | undefined;
  readonly report: (step: 'evict' | 'wait' | 'blocked', detail: string) => void;
}

export type EvictResult = { readonly ok: true; readonly evicted: readonly string[] } | { readonly ok: false; readonly reason: string };

const key = (pod: PodView): string => `${pod.namespace}/${pod.name}`;

/** Which pods a drain moves: not DaemonSet pods (their controller puts them right back), mirror pods or finished ones. */
export function podsToEvict(pods: readonly PodView[]): { readonly evict: PodView[]; readonly skipped: PodView[]; readonly unmanaged: PodView[] } {
  const evict: PodView[] = [];
  const skipped: PodView[] = [];
  const unmanaged: PodView[] = [];
  for (const pod of pods) {
    if (pod.controllerKinds.includes('DaemonSet') || pod.mirror || pod.phase === 'Succeeded' || pod.phase === 'Failed') skipped.push(pod);
    else if (pod.controllerKinds.length === 0) unmanaged.push(pod);
    else evict.push(pod);
  }
  return { evict, skipped, unmanaged };
}

async function wait(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return sleep(ms, signal).then(
    () => true,
    () => false,
  );
}

/**
 * Evicts every pod a drain must move, retrying those a PodDisruptionBudget protects (429) until the
 * deadline, then waits until the evicted pods are gone. Never deletes a pod without a controller:
 * nothing would recreate it (kubectl drain refuses them too, unless forced).
 */
export async function evictPods(kube: KubeNodes, nodeName: string, options: EvictOptions): Promise<EvictResult> {
  const { evict, skipped, unmanaged } = podsToEvict(await kube.podsOn(nodeName));
  if (unmanaged.length > 0) return { ok: false, reason: `pods without a controller would be lost, not evicting them: ${unmanaged.map(key).join(', ')}` };
  const daemons = skipped.filter((p) => p.controllerKinds.includes('DaemonSet')).length;
  options.report('evict', `${evict.length} pod(s)${daemons > 0 ? `, skipping ${daemons} DaemonSet pod(s)` : ''}`);
  let pending = evict.filter((pod) => !pod.deleting);
  const evicted: PodView[] = evict.filter((pod) => pod.deleting);
  const blocked = new Map<string, string>();
  const errors = new Map<string, string>();
  for (;;) {
    const still: PodView[] = [];
    for (const pod of pending) {
      const answer = await kube.evict(pod);
      if (answer.kind === 'evicted' || answer.kind === 'gone') {
        evicted.push(pod);
        blocked.delete(key(pod));
        errors.delete(key(pod));
        continue;
      }
      still.push(pod);
      if (answer.kind === 'blocked') {
        if (!blocked.has(key(pod))) options.report('blocked', `${key(pod)}: ${answer.message}`);
        blocked.set(key(pod), answer.message);
      } else errors.set(key(pod), answer.message);
    }
    pending = still;
    if (pending.length === 0) break;
    if (Date.now() + options.intervalMs > options.deadline) {
      const why = pending.map((pod) => `${key(pod)} (${blocked.has(key(pod)) ? `blocked by a PodDisruptionBudget: ${blocked.get(key(pod)) ?? ''}` : errors.get(key(pod)) ?? 'not evicted'})`);
      return { ok: false, reason: `drain timed out: ${pending.length} pod(s) not evicted: ${why.join('; ')}` };
    }
    if (!(await wait(options.intervalMs, options.signal))) return { ok: false, reason: 'interrupted' };
  }
  return waitGone(kube, nodeName, evicted, options);
}

async function waitGone(kube: KubeNodes, nodeName: string, evicted: readonly PodView[], options: EvictOptions): Promise<EvictResult> {
  const uids = new Set(evicted.map((pod) => pod.uid));
  if (uids.size > 0) options.report('wait', `${uids.size} evicted pod(s) to terminate`);
  for (;;) {
    const left = (await kube.podsOn(nodeName)).filter((pod) => uids.has(pod.uid));
    if (left.length === 0) return { ok: true, evicted: evicted.map(key) };
    if (Date.now() + options.intervalMs > options.deadline) return { ok: false, reason: `drain timed out: evicted pods still terminating: ${left.map(key).join(', ')}` };
    if (!(await wait(options.intervalMs, options.signal))) return { ok: false, reason: 'interrupted' };
  }
}
