import { describe, expect, it } from 'vitest';
import type { NodeOutcome } from '../../../src/apply/types.ts';
import { driftNode } from '../../../src/drift/node-drift.ts';
import type { DriftReport } from '../../../src/drift/types.ts';
import { buildNodePlan, errorPlan } from '../../../src/planner/build.ts';
import { driftToJson } from '../../../src/report/drift-json.ts';
import { renderDriftJUnit } from '../../../src/report/drift-junit.ts';
import { renderDriftMarkdown } from '../../../src/report/drift-markdown.ts';
import { renderDriftPrometheus } from '../../../src/report/drift-prometheus.ts';
import { renderDriftTable } from '../../../src/report/drift-table.ts';
import { lintExposition } from '../../../src/report/prometheus.ts';
import { plain } from '../../../src/text/colors.ts';
import { ConnectError } from '../../../src/util/errors.ts';
import { entry, host, KUBELET_ARGS, kubeletConfig } from '../check/fixtures.ts';
import { factsFrom } from '../plan/fixture-facts.ts';
import { testcases, xmlProblems } from './xml-check.ts';

const ENTRIES = [
  entry('kubelet/read-only-port-off', 'kubeletConfig', { set: { readOnlyPort: 0 } }, ['4.2.4']),
  entry('files/kubelet-config', 'permissions', { paths: ['/var/lib/kubelet/config.yaml'], mode: '0600' }, ['4.1.9']),
  entry('kernel/bridge', 'sysctl', { values: { 'net.bridge.bridge-nf-call-iptables': 1 } }, ['SYS-10'], { fileExists: '/proc/sys/net/bridge' }),
];

function node(name: string, config: string, mode: string, fix?: NodeOutcome['status']) {
  const facts = factsFrom({ kubelet: { configPath: '/var/lib/kubelet/config.yaml', args: KUBELET_ARGS }, files: { '/var/lib/kubelet/config.yaml': { mode, content: config }, '/proc/sys/net/bridge': { absent: true } } });
  const h = host(name);
  return driftNode({
    host: h,
    entries: ENTRIES,
    plan: buildNodePlan(h, ENTRIES, facts),
    facts,
    locked: undefined,
    previous: undefined,
    fix: fix && { name, status: fix, reason: undefined, changes: 1, restarted: [], durationMs: 1 },
    sinceLast: false,
    runId: 'r',
    now: '2026-11-26T03:00:00.000Z',
  }).node;
}

function report(more: Partial<DriftReport> = {}): DriftReport {
  const down = driftNode({ host: host('node-4'), entries: ENTRIES, plan: errorPlan(host('node-4'), new ConnectError('timeout', 'node-4: timed out', { host: 'node-4', hop: 'node' })), facts: undefined, locked: undefined, previous: undefined, fix: undefined, sinceLast: false, runId: 'r', now: 'x' }).node;
  return {
    version: 1,
    runId: '20261126T030000Z-abcdef',
    startedAt: '2026-11-26T03:00:00.000Z',
    finishedAt: '2026-11-26T03:00:04.000Z',
    durationSeconds: 4,
    inventory: '/etc/nodeward/inventory.yaml',
    playbooks: ['kubelet', 'files'],
    shard: { index: 1, count: 4 },
    fix: false,
    sinceLast: false,
    previousRunAt: undefined,
    lastSuccessAt: '2026-11-25T03:00:04.000Z',
    nodes: [node('node-1', kubeletConfig({ readOnlyPort: '10255' }), '0644'), node('node-2', kubeletConfig(), '0600'), node('node-3', kubeletConfig({ readOnlyPort: '10255' }), '0600'), down],
    exitCode: 5,
    notes: [],
    ...more,
  };
}

describe('drift report formats', () => {
  it('table: per node what drifted and why, per rule where, a summary and the exit meaning', () => {
    const text = renderDriftTable(report(), plain);
    expect(text).toContain('nodeward drift: 2 of 4 node(s) (shard 1/4) with drift');
    expect(text).toMatch(/node-1 \(198\.19\.0\.11\)\s+drift\s+1 change\(s\), 1 new, 0 persisting\n {2}new {2}kubeletConfig \/var\/lib\/kubelet\/config\.yaml \[4\.2\.4 4\.1\.9\] {2}kubelet\/read-only-port-off, files\/kubelet-config\n {6}readOnlyPort: 10255 → 0\n {6}mode 0644 → 0600/);
    expect(text).toMatch(/RULE\s+CHECKS\s+NODES\s+WHERE\nkubelet\/read-only-port-off\s+4\.2\.4\s+2\s+node-1 node-3\nfiles\/kubelet-config\s+4\.1\.9\s+1\s+node-1/);
    expect(text).toMatch(/node-4\s+unreachable\s+0\s+0\s+0\s+0\s+node-4: timed out/);
    expect(text).toContain('exit 5: some nodes unreachable');
  });

  it('json: catalogue ids on items and rules, counts, shard and previous run', () => {
    const json = driftToJson(report()) as { kind: string; shard: string; summary: { byStatus: Record<string, number>; changes: { found: number } }; rules: { rule: string; checks: string[]; nodes: string[] }[]; nodes: { name: string; status: string; items: { checks: string[]; rules: string[]; state: string }[] }[] };
    expect(json).toMatchObject({ kind: 'nodeward-drift', shard: '1/4', summary: { byStatus: { drift: 2, 'in-sync': 1, unreachable: 1 }, changes: { found: 2 } } });
    expect(json.rules[0]).toEqual({ rule: 'kubelet/read-only-port-off', checks: ['4.2.4'], nodes: ['node-1', 'node-3'], fixed: [] });
    expect(json.nodes[2]?.items[0]).toMatchObject({ checks: ['4.2.4'], rules: ['kubelet/read-only-port-off'], state: 'new' });
  });

  it('junit: a suite per node, a case per rule; drift fails, not-applicable skips, unreachable errors, fixed passes', () => {
    const fixedReport = report({ nodes: [...report().nodes, node('node-5', kubeletConfig({ readOnlyPort: '10255' }), '0600', 'applied')] });
    const xml = renderDriftJUnit(fixedReport);
    expect(xmlProblems(xml)).toEqual([]);
    const cases = testcases(xml);
    const body = (suite: string, name: string) => cases.find((c) => c.suite === suite && c.name.startsWith(name))?.body;
    expect(body('node-1', 'kubelet/read-only-port-off [4.2.4]')).toMatch(/<failure message="drift: kubeletConfig \/var\/lib\/kubelet\/config\.yaml"/);
    expect(body('node-2', 'kubelet/read-only-port-off')).toBe('');
    expect(body('node-1', 'kernel/bridge')).toMatch(/<skipped message="\/proc\/sys\/net\/bridge does not exist"/);
    expect(body('node-4', 'read the node')).toMatch(/<error message="unreachable: node-4: timed out"/);
    expect(body('node-5', 'kubelet/read-only-port-off')).toMatch(/<system-out>drift found and fixed by this run/);
  });

  it('markdown: tables with escaped cells, details per drifted node', () => {
    const md = renderDriftMarkdown(report({ notes: ['a | pipe'] }));
    expect(md).toMatch(/^# nodeward drift: 2 of 4 node\(s\) \(shard 1\/4\) with drift\n/);
    expect(md).toContain('| Node | Status | Drift | New | Fixed | Gone | Note |\n|---|---|---|---|---|---|---|\n| node-1 | drift | 1 | 1 | 0 | 0 |  |');
    expect(md).toContain('### node-1 (drift)');
    expect(md).toContain('- **new** `kubeletConfig` `/var/lib/kubelet/config.yaml` (4.2.4, 4.1.9), `kubelet/read-only-port-off`, `files/kubelet-config`\n  - `readOnlyPort: 10255 → 0`');
    expect(md).toContain('> a \\| pipe');
    expect(md).toContain('Exit 5 (some nodes unreachable)');
  });

  it('prometheus: passes the promtool-style lint; per-node drift, last success, duration', () => {
    const text = renderDriftPrometheus(report());
    expect(lintExposition(text)).toEqual([]);
    expect(text).toContain('# TYPE nodeward_drift_node_changes gauge\nnodeward_drift_node_changes{node="node-1"} 1\n');
    expect(text).not.toMatch(/nodeward_drift_node_changes\{node="node-4"\}/); // unknown, not zero
    expect(text).toContain('nodeward_drift_node_status{node="node-4",status="unreachable"} 1');
    expect(text).toContain(`nodeward_drift_last_success_timestamp_seconds{shard="1/4"} ${Date.parse('2026-11-25T03:00:04.000Z') / 1000}`);
    expect(text).toContain('nodeward_drift_duration_seconds{shard="1/4"} 4');
    expect(text).toContain('nodeward_drift_exit_code{shard="1/4"} 5');
  });

  it("prometheus: two shards' files in one textfile directory never repeat a series", () => {
    const series = (r: DriftReport): string[] => renderDriftPrometheus(r).split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.slice(0, l.lastIndexOf(' ')));
    const a = series(report({ nodes: report().nodes.slice(0, 2), shard: { index: 0, count: 2 } }));
    const b = series(report({ nodes: report().nodes.slice(2), shard: { index: 1, count: 2 } }));
    expect(a.filter((s) => b.includes(s))).toEqual([]);
  });
});
