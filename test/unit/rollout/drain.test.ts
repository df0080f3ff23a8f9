import { describe, expect, it } from 'vitest';
import type { DrainStep } from '../../../src/apply/types.ts';
import { CORDONED_BY, WAS_UNSCHEDULABLE, cordonNode, restoreNode } from '../../../src/drain/cordon.ts';
import { createCordonRecovery, createDrainer } from '../../../src/drain/drainer.ts';
import { podsToEvict } from '../../../src/drain/evict.ts';
import { KubeConflictError } from '../../../src/kube/errors.ts';
import type { EvictionAnswer, KubeNodes, NodeSchedule, NodeSchedulePatch, PodView } from '../../../src/kube/types.ts';
import { localHost } from '../../fakes/local-transport.ts';

const pod = (name: string, kind: string | undefined, extra: Partial<PodView> = {}): PodView => ({
  namespace: 'default',
  name,
  uid: `uid-${name}`,
  phase: 'Running',
  controllerKinds: kind ? [kind] : [],
  mirror: false,
  deleting: false,
  ...extra,
});

/** An API server in memory: one Node, its pods, evictions a PDB may refuse. */
class FakeKube implements KubeNodes {
  node: { unschedulable: boolean; annotations: Record<string, string>; rv: number } = { unschedulable: false, annotations: {}, rv: 1 };
  pods: PodView[] = [pod('kube-proxy-x', 'DaemonSet'), pod('web-x', 'ReplicaSet'), pod('api-x', 'ReplicaSet')];
  pdbBlocks = new Set<string>();
  conflicts = 0;
  patches: NodeSchedulePatch[] = [];

  async getNode(name: string): Promise<NodeSchedule> {
    return { name, unschedulable: this.node.unschedulable, annotations: { ...this.node.annotations }, resourceVersion: String(this.node.rv) };
  }
  async patchNode(_name: string, patch: NodeSchedulePatch): Promise<void> {
    if (this.conflicts > 0) {
      this.conflicts--;
      this.node.rv++;
      throw new KubeConflictError('the object has been modified');
    }
    if (patch.resourceVersion !== String(this.node.rv)) throw new KubeConflictError('stale');
    this.patches.push(patch);
    this.node.unschedulable = patch.unschedulable === true;
    for (const [k, v] of Object.entries(patch.annotations)) {
      if (v === null) delete this.node.annotations[k];
      else this.node.annotations[k] = v;
    }
    this.node.rv++;
  }
  async podsOn(): Promise<PodView[]> {
    return [...this.pods];
  }
  async evict(p: PodView): Promise<EvictionAnswer> {
    if (this.pdbBlocks.has(p.name)) return { kind: 'blocked', message: "Cannot evict pod as it would violate the pod's disruption budget." };
    this.pods = this.pods.filter((x) => x.uid !== p.uid);
    return { kind: 'evicted' };
  }
}

const host = localHost('node-1');

function drainer(kube: FakeKube, timeoutMs = 50) {
  const steps: string[] = [];
  const hooks = { drainStep: (_h: unknown, step: DrainStep, detail?: string) => steps.push(`${step}${detail ? ` ${detail}` : ''}`) };
  return { steps, drainer: createDrainer(kube, { runId: 'RUN-A', timeoutMs, intervalMs: 5, hooks }) };
}

describe('drain', () => {
  it('skips DaemonSet, mirror and finished pods; refuses pods without a controller', () => {
    const split = podsToEvict([pod('ds', 'DaemonSet'), pod('rs', 'ReplicaSet'), pod('m', 'Node', { mirror: true }), pod('done', 'Job', { phase: 'Succeeded' }), pod('bare', undefined)]);
    expect(split.evict.map((p) => p.name)).toEqual(['rs']);
    expect(split.skipped.map((p) => p.name)).toEqual(['ds', 'm', 'done']);
    expect(split.unmanaged.map((p) => p.name)).toEqual(['bare']);
  });

  it('cordons (recording the prior state on the Node), evicts all but DaemonSet pods, then uncordons', async () => {
    const kube = new FakeKube();
    const { drainer: d, steps } = drainer(kube);
    const result = await d.drain(host, undefined);
    expect(result).toMatchObject({ ok: true, record: { wasUnschedulable: false }, evicted: ['default/web-x', 'default/api-x'] });
    expect(kube.node.unschedulable).toBe(true);
    expect(kube.node.annotations).toMatchObject({ [CORDONED_BY]: 'RUN-A', [WAS_UNSCHEDULABLE]: 'false' });
    expect(kube.pods.map((p) => p.name)).toEqual(['kube-proxy-x']);
    expect(await d.restore(host)).toBeUndefined();
    expect(kube.node).toMatchObject({ unschedulable: false, annotations: {} });
    expect(steps).toEqual(['cordon', 'evict 2 pod(s), skipping 1 DaemonSet pod(s)', 'wait 2 evicted pod(s) to terminate', 'uncordon']);
  });

  it('a node cordoned before stays cordoned afterwards', async () => {
    const kube = new FakeKube();
    kube.node.unschedulable = true;
    const { drainer: d, steps } = drainer(kube);
    expect((await d.drain(host, undefined)).record).toMatchObject({ wasUnschedulable: true });
    await d.restore(host);
    expect(kube.node).toMatchObject({ unschedulable: true, annotations: {} });
    expect(steps.at(-1)).toMatch(/^keep-cordoned/);
  });

  it('a PodDisruptionBudget that never allows the eviction times the drain out, reports the pod and uncordons', async () => {
    const kube = new FakeKube();
    kube.pdbBlocks.add('api-x');
    const { drainer: d, steps } = drainer(kube, 40);
    const result = await d.drain(host, undefined);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toMatch(/drain timed out: 1 pod\(s\) not evicted: default\/api-x \(blocked by a PodDisruptionBudget: Cannot evict pod/);
    expect(result.restoreFailed).toBeUndefined();
    expect(kube.node).toMatchObject({ unschedulable: false, annotations: {} });
    expect(steps.filter((s) => s.startsWith('blocked'))).toEqual(["blocked default/api-x: Cannot evict pod as it would violate the pod's disruption budget."]);
  });

  it('an interrupted drain uncordons at once', async () => {
    const kube = new FakeKube();
    kube.pdbBlocks.add('api-x');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const result = await drainer(kube, 10_000).drainer.drain(host, controller.signal);
    expect(result).toMatchObject({ ok: false, reason: 'interrupted' });
    expect(kube.node.unschedulable).toBe(false);
  });

  it('retries a patch that lost a race with another writer of the Node', async () => {
    const kube = new FakeKube();
    kube.conflicts = 2;
    await cordonNode(kube, 'node-1', 'RUN-A');
    expect(kube.node.unschedulable).toBe(true);
  });

  it('restore leaves a cordon of another run alone', async () => {
    const kube = new FakeKube();
    await cordonNode(kube, 'node-1', 'RUN-B');
    expect(await restoreNode(kube, 'node-1', 'RUN-A')).toBe('not-ours');
    expect(kube.node.unschedulable).toBe(true);
  });

  it('the next run gives back the schedulability a dead run recorded', async () => {
    const kube = new FakeKube();
    await cordonNode(kube, 'node-1', 'RUN-DEAD');
    const recovery = createCordonRecovery(kube, 'RUN-NEXT', {});
    expect(await recovery.recover(host)).toMatch(/run RUN-DEAD left the node cordoned .*uncordoned it/);
    expect(kube.node).toMatchObject({ unschedulable: false, annotations: {} });
    expect(await recovery.recover(host)).toBeUndefined();
    await cordonNode(kube, 'node-1', 'RUN-NEXT');
    expect(await recovery.recover(host)).toBeUndefined();
    expect(kube.node.unschedulable).toBe(true);
  });
});
