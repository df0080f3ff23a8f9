import { describe, expect, it } from 'vitest';
import type { NodeOutcome } from '../../../src/apply/types.ts';
import { driftVerdict, lockRefusal } from '../../../src/drift/assemble.ts';
import { driftNode, type NodeDriftInput } from '../../../src/drift/node-drift.ts';
import { buildNodePlan, errorPlan } from '../../../src/planner/build.ts';
import { ConnectError, FactsError } from '../../../src/util/errors.ts';
import { entry, host, KUBELET_ARGS, kubeletConfig } from '../check/fixtures.ts';
import { factsFrom } from '../plan/fixture-facts.ts';

const ENTRIES = [
  entry('kubelet/read-only-port-off', 'kubeletConfig', { set: { readOnlyPort: 0 } }, ['4.2.4']),
  entry('kubelet/seccomp', 'kubeletConfig', { set: { seccompDefault: true } }, ['4.2.14']),
  entry('files/kubelet-config', 'permissions', { paths: ['/var/lib/kubelet/config.yaml'], mode: '0600' }, ['4.1.9']),
  entry('kernel/bridge', 'sysctl', { values: { 'net.bridge.bridge-nf-call-iptables': 1 } }, ['SYS-10'], { fileExists: '/proc/sys/net/bridge' }),
];

const NOW = '2026-11-26T03:00:00.000Z';

function input(config: string, mode: string, more: Partial<NodeDriftInput> = {}): NodeDriftInput {
  const facts = factsFrom({ kubelet: { configPath: '/var/lib/kubelet/config.yaml', args: KUBELET_ARGS }, files: { '/var/lib/kubelet/config.yaml': { mode, content: config }, '/proc/sys/net/bridge': { absent: true } } });
  return { host: host(), entries: ENTRIES, plan: buildNodePlan(host(), ENTRIES, facts), facts, locked: undefined, previous: undefined, fix: undefined, sinceLast: false, runId: 'r2', now: NOW, ...more };
}

const outcome = (status: NodeOutcome['status'], reason?: string): NodeOutcome => ({ name: 'node-1', status, reason, changes: 1, restarted: ['kubelet'], durationMs: 10 });

describe('driftNode', () => {
  it('reports each change with the rules and catalogue ids that need it, and remembers it', () => {
    const { node, history } = driftNode(input(kubeletConfig({ readOnlyPort: '10255' }), '0644'));
    expect(node.status).toBe('drift');
    // one merged write: readOnlyPort (4.2.4) and the mode (4.1.9); seccomp is in sync and not named
    expect(node.items).toEqual([expect.objectContaining({ kind: 'kubeletConfig', rules: ['kubelet/read-only-port-off', 'files/kubelet-config'], checks: ['4.2.4', '4.1.9'], state: 'new', fixed: false })]);
    expect(node.rules.map((r) => [r.id, r.state])).toEqual([
      ['kubelet/read-only-port-off', 'drift'],
      ['kubelet/seccomp', 'in-sync'],
      ['files/kubelet-config', 'drift'],
      ['kernel/bridge', 'not-applicable'],
    ]);
    expect(history?.items.map((i) => i.id)).toEqual(['kubeletConfig:/var/lib/kubelet/config.yaml']);
  });

  it('persisting drift keeps its first sighting; --since-last reports only the new', () => {
    const first = driftNode(input(kubeletConfig({ readOnlyPort: '10255' }), '0600', { now: '2026-11-25T03:00:00.000Z' }));
    const again = driftNode(input(kubeletConfig({ readOnlyPort: '10255' }), '0600', { previous: first.history }));
    expect(again.node.items[0]).toMatchObject({ state: 'persisting', firstSeen: '2026-11-25T03:00:00.000Z' });
    const quiet = driftNode(input(kubeletConfig({ readOnlyPort: '10255' }), '0600', { previous: first.history, sinceLast: true }));
    expect(quiet.node).toMatchObject({ status: 'drift', items: [], counts: { found: 1, new: 0, persisting: 1 } });
    expect(quiet.history?.items).toHaveLength(1);
  });

  it('drift fixed by --fix is reported fixed and forgotten; a failed fix keeps it', () => {
    const fixed = driftNode(input(kubeletConfig({ readOnlyPort: '10255' }), '0600', { fix: outcome('applied') }));
    expect(fixed.node).toMatchObject({ status: 'fixed', counts: { found: 1, fixed: 1 }, items: [expect.objectContaining({ fixed: true })] });
    expect(fixed.history?.items).toEqual([]);
    const failed = driftNode(input(kubeletConfig({ readOnlyPort: '10255' }), '0600', { fix: outcome('rolled-back', 'kubelet did not come back') }));
    expect(failed.node).toMatchObject({ status: 'fix-failed', reason: '--fix: rolled-back: kubelet did not come back' });
    expect(failed.history?.items).toHaveLength(1);
  });

  it('drift gone since the last run is listed as resolved', () => {
    const first = driftNode(input(kubeletConfig({ readOnlyPort: '10255' }), '0600'));
    const later = driftNode(input(kubeletConfig(), '0600', { previous: first.history }));
    expect(later.node).toMatchObject({ status: 'in-sync', items: [], counts: { resolved: 1 } });
    expect(later.node.resolved.map((r) => r.id)).toEqual(['kubeletConfig:/var/lib/kubelet/config.yaml']);
  });

  it('an unreachable node is told apart from other errors; neither, nor a locked node, touches the history', () => {
    const base = input(kubeletConfig(), '0600');
    const unreachable = driftNode({ ...base, plan: errorPlan(host(), new ConnectError('timeout', 'timed out', { host: 'node-1', hop: 'node' })), facts: undefined });
    expect(unreachable).toEqual({ node: expect.objectContaining({ status: 'unreachable', reason: 'timed out' }), history: undefined });
    const broken = driftNode({ ...base, plan: errorPlan(host(), new FactsError('bad facts', { host: 'node-1', hop: 'node' })), facts: undefined });
    expect(broken.node.status).toBe('error');
    const locked = driftNode({ ...base, locked: 'locked by run X' });
    expect(locked).toEqual({ node: expect.objectContaining({ status: 'locked', reason: 'locked by run X' }), history: undefined });
  });
});

describe('driftVerdict (exit codes a scheduler acts on)', () => {
  const node = (status: string, items = 0) => ({ status, items: Array.from({ length: items }) }) as unknown as Parameters<typeof driftVerdict>[0][number];
  const none = new Map<string, NodeOutcome>();
  it('orders: rollback failed > rolled back > error > drift and unreachable both > unreachable > drift > clean', () => {
    expect(driftVerdict([node('in-sync')], none)).toBe('clean');
    expect(driftVerdict([node('drift', 2), node('in-sync')], none)).toBe('drift');
    expect(driftVerdict([node('unreachable'), node('in-sync')], none)).toBe('unreachable');
    // one finding never hides the other: a scheduler alerting on drift still sees it
    expect(driftVerdict([node('drift', 2), node('unreachable')], none)).toBe('drift-and-unreachable');
    expect(driftVerdict([node('unreachable'), node('error')], none)).toBe('error');
    expect(driftVerdict([node('fixed', 1)], new Map([['a', outcome('rolled-back')]]))).toBe('rolled-back');
    expect(driftVerdict([node('fixed', 1)], new Map([['a', outcome('rolled-back')], ['b', outcome('failed')]]))).toBe('rollback-failed');
    expect(driftVerdict([node('locked')], none)).toBe('clean');
  });

  it('a fix refused only because another run holds the node is not an error', () => {
    const held = outcome('refused', 'locked by run 20261126T000000Z-abcdef (ops@x, pid 1: apply) until …');
    expect(lockRefusal(held)).toBe(true);
    expect(driftVerdict([node('fix-failed', 1)], new Map([['a', held]]))).toBe('drift');
    expect(driftVerdict([node('fix-failed', 1)], new Map([['a', outcome('refused', 'stale plan')]]))).toBe('error');
  });
});
