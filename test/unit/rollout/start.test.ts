import { describe, expect, it } from 'vitest';
import type { Plan } from '../../../src/plan/types.ts';
import type { PlanOverrides, RolloutInputs } from '../../../src/rollout/prepared.ts';
import { startRollout, type NewRollout } from '../../../src/rollout/start.ts';
import { parseWaveSpec } from '../../../src/rollout/waves.ts';

const request = (drain: boolean): NewRollout => ({
  playbooks: ['fix'],
  reason: 'CVE-1',
  waves: { spec: '1,100%', targets: parseWaveSpec('1,100%') },
  soakSeconds: 0,
  drain,
  drainTimeoutSeconds: 300,
  maxFailures: '0',
  healthTimeout: '120',
  lockTtl: '900',
  limit: [],
  lockWait: false,
});

/** A planner as the CLI's: loads the inputs, runs the check, and only then contacts the nodes. */
function planner(kubeconfig: string | undefined) {
  const contacted: string[] = [];
  const plan = async (_playbooks: readonly string[], overrides: PlanOverrides): Promise<{ inputs: RolloutInputs; plan: Plan }> => {
    const inputs: RolloutInputs = { inventory: { file: '/i.yaml', kubeconfig }, hosts: [], playbooks: [], entriesByHost: new Map(), sources: { playbooks: [] } };
    overrides.beforeContact?.(inputs);
    contacted.push('every node');
    return { inputs, plan: { version: 1, createdAt: '', inventory: { file: '/i.yaml', sha256: '' }, playbooks: [], limit: [], nodes: [] } };
  };
  return { plan, contacted };
}

describe('a new rollout', () => {
  it('refuses --drain without a kubeconfig before any node is contacted', async () => {
    const { plan, contacted } = planner(undefined);
    await expect(startRollout(request(true), plan)).rejects.toThrow('--drain needs the Kubernetes API: set `kubeconfig:` in the inventory');
    expect(contacted).toEqual([]);
  });

  it('plans with a kubeconfig, or without --drain', async () => {
    for (const [drain, kubeconfig] of [[true, '/kube'], [false, undefined]] as const) {
      const { plan, contacted } = planner(kubeconfig);
      await expect(startRollout(request(drain), plan)).resolves.toMatchObject({ reason: 'CVE-1', canaryFirst: true });
      expect(contacted).toEqual(['every node']);
    }
  });
});
