import { evaluateChecks } from '../../../src/check/evaluate.ts';
import type { CheckReport } from '../../../src/check/types.ts';
import { driftNode } from '../../../src/drift/node-drift.ts';
import type { DriftReport } from '../../../src/drift/types.ts';
import { buildNodePlan, errorPlan } from '../../../src/planner/build.ts';
import { ConnectError } from '../../../src/util/errors.ts';
import { entry, host, KUBELET_ARGS, kubeletConfig } from '../check/fixtures.ts';
import { factsFrom } from '../plan/fixture-facts.ts';

/**
 * Reports for the HTML renderers (unit tests, and the browser test's hostile page): two nodes read,
 * one unreachable; every text a node or playbook could put in front of a reader carries markup.
 */

export const HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">"\'&';

const ENTRIES = [
  entry('kubelet/read-only-port-off', 'kubeletConfig', { set: { readOnlyPort: 0 } }, ['4.2.4']),
  entry('kubelet/anon', 'kubeletConfig', { set: { 'authentication.anonymous.enabled': false } }, ['4.2.1']),
  entry('files/kubelet-config', 'permissions', { paths: ['/var/lib/kubelet/config.yaml'], mode: '0600' }, ['4.1.9']),
];

function facts(i: number) {
  return factsFrom({
    kubelet: { configPath: '/var/lib/kubelet/config.yaml', args: KUBELET_ARGS },
    files: { '/var/lib/kubelet/config.yaml': { mode: i === 0 ? '0644' : '0600', content: kubeletConfig(i === 0 ? { readOnlyPort: '10255', authentication: '\n  anonymous:\n    enabled: true' } : {}) } },
  });
}

export function checkReport(): CheckReport {
  const nodes = ['node-1', 'node-2'].map((name, i) => ({ host: host(name), entries: ENTRIES, plan: buildNodePlan(host(name), ENTRIES, facts(i)), facts: facts(i) }));
  const down = { host: host('node-3'), entries: ENTRIES, plan: errorPlan(host('node-3'), new ConnectError('timeout', 'node-3: connect timed out', { host: 'node-3', hop: 'node' })), facts: undefined };
  return evaluateChecks([...nodes, down], { createdAt: '2026-11-26T00:00:00.000Z', playbooks: ['kubelet', 'files'] });
}

/** Markup in a reason, a fix's summary, a check's title and the unreachable node's error. */
export function hostileCheckReport(): CheckReport {
  const report = checkReport();
  return {
    ...report,
    benchmark: `${report.benchmark} ${HOSTILE}`,
    nodes: report.nodes.map((n) => (n.error ? { ...n, error: `${n.error} ${HOSTILE}` } : n)),
    checks: report.checks.map((c, i) =>
      i !== 0
        ? c
        : {
            ...c,
            title: `${c.title} ${HOSTILE}`,
            nodes: c.nodes.map((r) => ({ ...r, status: 'fail' as const, failed: true, reasons: [...r.reasons, HOSTILE], fixes: r.fixes.map((f) => ({ ...f, summary: [...f.summary, HOSTILE] })) })),
          },
    ),
  };
}

function driftOf(name: string, i: number, previous?: { firstSeen: string }) {
  const h = host(name);
  const f = facts(i);
  const plan = buildNodePlan(h, ENTRIES, f);
  const items = previous ? plan.changes.map((c) => ({ id: c.id, kind: c.kind, target: c.target, summary: c.summary, rules: c.entries, checks: c.checks, firstSeen: previous.firstSeen })) : [];
  return driftNode({
    host: h,
    entries: ENTRIES,
    plan,
    facts: f,
    locked: undefined,
    previous: previous ? { version: 1, node: name, runId: 'r0', at: previous.firstSeen, items } : undefined,
    fix: undefined,
    sinceLast: false,
    runId: 'r',
    now: '2026-11-26T03:00:00.000Z',
  }).node;
}

export function driftReport(): DriftReport {
  const down = driftNode({ host: host('node-3'), entries: ENTRIES, plan: errorPlan(host('node-3'), new ConnectError('timeout', 'node-3: timed out', { host: 'node-3', hop: 'node' })), facts: undefined, locked: undefined, previous: undefined, fix: undefined, sinceLast: false, runId: 'r', now: 'x' }).node;
  // node-1 drifted a day ago too (persisting); node-2 had drift then that is gone now; node-4's is new
  const inSync = driftOf('node-2', 1);
  const gone = { ...inSync, counts: { ...inSync.counts, resolved: 1 }, resolved: [{ id: 'sysctl:/etc/sysctl.d/90-x.conf', kind: 'sysctl', target: '/etc/sysctl.d/90-x.conf', summary: ['net.ipv4.ip_forward: 1 → 0'], rules: ['kernel/forward'], checks: ['SYS-1'], firstSeen: '2026-11-20T03:00:00.000Z' }] };
  return {
    version: 1,
    runId: '20261126T030000Z-abcdef',
    startedAt: '2026-11-26T03:00:00.000Z',
    finishedAt: '2026-11-26T03:00:04.000Z',
    durationSeconds: 4,
    inventory: '/etc/nodeward/inventory.yaml',
    playbooks: ['kubelet', 'files'],
    shard: undefined,
    fix: false,
    sinceLast: false,
    previousRunAt: '2026-11-25T03:00:04.000Z',
    lastSuccessAt: '2026-11-25T03:00:04.000Z',
    nodes: [driftOf('node-1', 0, { firstSeen: '2026-11-25T03:00:00.000Z' }), gone, down, driftOf('node-4', 0)],
    exitCode: 6,
    notes: [],
  };
}

export function hostileDriftReport(): DriftReport {
  const report = driftReport();
  return {
    ...report,
    inventory: `/etc/${HOSTILE}.yaml`,
    notes: [HOSTILE],
    nodes: report.nodes.map((n) => ({ ...n, reason: HOSTILE, items: n.items.map((item) => ({ ...item, summary: [...item.summary, HOSTILE], diff: `${item.diff ?? ''}\n+${HOSTILE}` })) })),
  };
}
