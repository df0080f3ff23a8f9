import { describe, expect, it } from 'vitest';
import type { NodeApplyDeps, NodeWork } from '../../../src/apply/node-apply.ts';
import type { ApplyHooks, NodeOutcome, NodeOutcomeStatus, SoakEvent, WaveInfo } from '../../../src/apply/types.ts';
import type { HostSpec } from '../../../src/config/types.ts';
import { rolloutFleet, type NodeOps, type RolloutOptions } from '../../../src/rollout/run.ts';
import { toWaves, parseWaveSpec } from '../../../src/rollout/waves.ts';
import { localHost } from '../../fakes/local-transport.ts';

const hosts = Array.from({ length: 10 }, (_, i) => localHost(`n${i + 1}`));
const work = (list: readonly HostSpec[]): NodeWork[] => list.map((host) => ({ host, entries: [], approved: undefined }));

function outcome(name: string, status: NodeOutcomeStatus, reason?: string): NodeOutcome {
  return { name, status, reason, changes: status === 'applied' ? 1 : 0, restarted: status === 'applied' ? ['kubelet'] : [], durationMs: 1 };
}

interface Recorded {
  applied: string[];
  undone: string[];
  waves: WaveInfo[];
  soak: SoakEvent[];
}

function fakes(statuses: Record<string, NodeOutcomeStatus>, signal?: AbortSignal): { deps: NodeApplyDeps; ops: NodeOps; seen: Recorded } {
  const seen: Recorded = { applied: [], undone: [], waves: [], soak: [] };
  const hooks: ApplyHooks = { waveStart: (w) => seen.waves.push(w), soak: (e) => seen.soak.push(e) };
  const deps = { hooks, signal, journal: undefined } as unknown as NodeApplyDeps;
  const ops: NodeOps = {
    apply: async (item) => {
      seen.applied.push(item.host.name);
      return outcome(item.host.name, statuses[item.host.name] ?? 'applied');
    },
    undo: async (host, reason) => {
      seen.undone.push(host.name);
      return outcome(host.name, 'rolled-back', reason);
    },
  };
  return { deps, ops, seen };
}

function options(over: Partial<RolloutOptions> = {}): RolloutOptions {
  return {
    waves: toWaves(work(hosts), parseWaveSpec('1,10%,50%,100%')),
    canaryFirst: true,
    fleet: hosts.length,
    doneBefore: 0,
    budget: { count: 0 },
    concurrency: 4,
    soak: { durationMs: 0, intervalMs: 5, strikes: 2 },
    health: async () => undefined,
    confirmWave: undefined,
    ...over,
  };
}

describe('rolloutFleet', () => {
  it('runs the canary, then every wave, reporting each', async () => {
    const { deps, ops, seen } = fakes({});
    const result = await rolloutFleet(options(), deps, ops);
    expect(result.stopped).toBeUndefined();
    expect(result.outcomes.map((o) => o.status)).toEqual(hosts.map(() => 'applied'));
    expect(seen.waves.map((w) => [w.canary, w.index, w.total, w.hosts.length, w.doneBefore])).toEqual([
      [true, 0, 2, 1, 0],
      [false, 1, 2, 4, 1],
      [false, 2, 2, 5, 5],
    ]);
  });

  it('a canary that does not take the patch stops the line before wave 1, whatever the budget', async () => {
    const { deps, ops, seen } = fakes({ n1: 'rolled-back' });
    const result = await rolloutFleet(options({ budget: { count: 5 } }), deps, ops);
    expect(seen.applied).toEqual(['n1']);
    expect(result.stopped).toMatch(/canary did not take the patch \(n1 rolled-back\)/);
    expect(result.outcomes.filter((o) => o.status === 'skipped')).toHaveLength(9);
  });

  it('stops once the failure budget is spent, and at once on a failed rollback', async () => {
    const spent = fakes({ n2: 'refused' });
    const budget = await rolloutFleet(options({ budget: { count: 0 } }), spent.deps, spent.ops);
    expect(budget.stopped).toMatch(/failure budget exceeded \(1 failed\)/);
    expect(spent.seen.applied).toHaveLength(5);
    const tolerant = fakes({ n2: 'refused' });
    expect((await rolloutFleet(options({ budget: { count: 1 } }), tolerant.deps, tolerant.ops)).stopped).toBeUndefined();
    const failed = fakes({ n3: 'failed' });
    expect((await rolloutFleet(options({ budget: { count: 9 } }), failed.deps, failed.ops)).stopped).toMatch(/rollback failed/);
  });

  it('soaks each wave but the last, rolls back a node found unhealthy twice in a row and stops the line', async () => {
    const { deps, ops, seen } = fakes({});
    const checks = new Map<string, number>();
    const health = async (host: HostSpec) => {
      const n = (checks.get(host.name) ?? 0) + 1;
      checks.set(host.name, n);
      return host.name === 'n3' && n >= 2 ? 'Node Ready=Unknown (Kubelet stopped posting node status.)' : undefined;
    };
    const result = await rolloutFleet(options({ soak: { durationMs: 200, intervalMs: 5, strikes: 2 }, health }), deps, ops);
    expect(seen.undone).toEqual(['n3']);
    expect(result.stopped).toBe('n3 went unhealthy during the soak');
    expect(result.outcomes.find((o) => o.name === 'n3')).toMatchObject({ status: 'rolled-back', reason: expect.stringMatching(/soak: Node Ready=Unknown/) });
    expect(result.outcomes.filter((o) => o.status === 'skipped').map((o) => o.name)).toEqual(['n6', 'n7', 'n8', 'n9', 'n10']);
    expect(seen.soak.filter((e) => e.kind === 'start')).toHaveLength(2);
  });

  it('a single bad probe is not a NotReady node', async () => {
    const { deps, ops, seen } = fakes({});
    let calls = 0;
    const health = async () => (++calls === 1 ? 'probe failed: timeout' : undefined);
    const result = await rolloutFleet(options({ soak: { durationMs: 20, intervalMs: 5, strikes: 2 }, health }), deps, ops);
    expect(result.stopped).toBeUndefined();
    expect(seen.undone).toEqual([]);
  });

  it('--pause: a no before a wave stops the line; the canary is not asked again', async () => {
    const { deps, ops, seen } = fakes({});
    const asked: string[] = [];
    const confirmWave = async (wave: WaveInfo) => {
      asked.push(`${wave.index}`);
      return wave.index < 2;
    };
    const result = await rolloutFleet(options({ confirmWave }), deps, ops);
    expect(asked).toEqual(['1', '2']);
    expect(seen.applied).toHaveLength(5);
    expect(result.stopped).toBe('stopped by the operator');
  });

  it('interrupted: no new wave starts', async () => {
    const controller = new AbortController();
    const { deps, ops, seen } = fakes({}, controller.signal);
    const interrupting: NodeOps = { ...ops, apply: async (item, d) => { controller.abort(); return ops.apply(item, d); } };
    const result = await rolloutFleet(options(), deps, interrupting);
    expect(seen.applied).toEqual(['n1']);
    expect(result.stopped).toBe('interrupted');
  });

  it('a resumed rollout past its canary numbers the remaining waves from 1', async () => {
    const { deps, ops, seen } = fakes({ n2: 'rolled-back' });
    const result = await rolloutFleet(options({ waves: [work(hosts.slice(1, 5)), work(hosts.slice(5))], canaryFirst: false, doneBefore: 1 }), deps, ops);
    expect(seen.waves.map((w) => [w.canary, w.index, w.total, w.doneBefore])).toEqual([[false, 1, 2, 1]]);
    expect(result.stopped).toMatch(/failure budget/);
  });
});
