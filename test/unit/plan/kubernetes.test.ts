import { describe, expect, it } from 'vitest';
import { NOT_READY_GUARD, withKubernetes } from '../../../src/plan/kubernetes.ts';
import { wouldRefuse, type NodePlan } from '../../../src/plan/types.ts';

const base: NodePlan = { name: 'w-1', address: '10.0.0.1', status: 'changes', error: undefined, changes: [], restarts: ['kubelet'], skipped: [] };
const state = (ready: string | undefined, cordoned = false) => ({ node: 'w-1', ready, cordoned, kubeletVersion: 'v1.31.4' });

describe('Kubernetes state in the plan', () => {
  it('carries the state, and refuses a kubelet restart on a node not Ready before the run', () => {
    expect(withKubernetes(base, state('True'), false)).toEqual({ ...base, kubernetes: state('True') });
    for (const ready of ['False', 'Unknown', undefined]) {
      const planned = withKubernetes(base, state(ready, true), false);
      expect(wouldRefuse(planned)).toBe(true);
      expect(planned.refusal?.map((r) => r.guard)).toEqual([NOT_READY_GUARD]);
      expect(planned.refusal?.[0]?.fix).toMatch(/--allow-not-ready/);
    }
    expect(withKubernetes(base, state('False'), false).refusal?.[0]?.message).toMatch(/^its Node is NotReady, kubelet v1\.31\.4 before the run/);
  });

  it('lets it through with --allow-not-ready, and when nothing restarts the kubelet', () => {
    expect(wouldRefuse(withKubernetes(base, state('False'), true))).toBe(false);
    expect(wouldRefuse(withKubernetes({ ...base, restarts: ['containerd'] }, state('False'), false))).toBe(false);
    expect(wouldRefuse(withKubernetes({ ...base, status: 'in-sync', restarts: [] }, state('False'), false))).toBe(false);
    expect(withKubernetes(base, undefined, false)).toBe(base);
  });

  it('lets it through when an unfinished run of ours is on the node: that run is why, and apply finishes it first', () => {
    // a controller killed mid-rollback leaves the kubelet stopped and its restart owed: the next run must finish it
    const interrupted: NodePlan = { ...base, pendingRuns: [{ runId: '20261203T182503Z-f33c32', state: 'restored', owed: ['containerd', 'kubelet'] }] as NodePlan['pendingRuns'] };
    const planned = withKubernetes(interrupted, state('Unknown'), false);
    expect(wouldRefuse(planned)).toBe(false);
    expect(planned.kubernetes).toEqual(state('Unknown'));
  });
});
