import { describe, expect, it } from 'vitest';
import { evaluateChecks } from '../../../src/check/evaluate.ts';
import { buildNodePlan, errorPlan } from '../../../src/planner/build.ts';
import { checkToJson } from '../../../src/report/check-json.ts';
import { renderCheckJUnit } from '../../../src/report/check-junit.ts';
import { renderCheckTable } from '../../../src/report/check-table.ts';
import { plain } from '../../../src/text/colors.ts';
import { ConnectError } from '../../../src/util/errors.ts';
import { entry, host, KUBELET_ARGS, kubeletConfig } from '../check/fixtures.ts';
import { factsFrom } from '../plan/fixture-facts.ts';
import { testcases, xmlProblems } from './xml-check.ts';

const ENTRIES = [entry('kubelet/read-only-port-off', 'kubeletConfig', { set: { readOnlyPort: 0 } }, ['4.2.4']), entry('kubelet/anon', 'kubeletConfig', { set: { 'authentication.anonymous.enabled': false } }, ['4.2.1'])];

function report() {
  const nodes = ['node-1', 'node-2'].map((name, i) => {
    const facts = factsFrom({
      kubelet: { configPath: '/var/lib/kubelet/config.yaml', args: KUBELET_ARGS },
      files: { '/var/lib/kubelet/config.yaml': { mode: '0600', content: kubeletConfig(i === 0 ? { readOnlyPort: '10255', authentication: '\n  anonymous:\n    enabled: true' } : {}) } },
    });
    return { host: host(name), entries: ENTRIES, plan: buildNodePlan(host(name), ENTRIES, facts), facts };
  });
  const down = { host: host('node-3'), entries: ENTRIES, plan: errorPlan(host('node-3'), new ConnectError('timeout', 'node-3: connect timed out <&>', { host: 'node-3', hop: 'node' })), facts: undefined };
  return evaluateChecks([...nodes, down], { createdAt: '2026-11-26T00:00:00.000Z', playbooks: ['kubelet'] });
}

describe('check report formats', () => {
  it('table: a line per check, nodes that read alike grouped, the fix apply makes, a per-node summary', () => {
    const text = renderCheckTable(report(), plain, 'Fix with: nodeward apply');
    expect(text).toContain('[FAIL] 4.2.1   --anonymous-auth is false (automated)');
    expect(text).toMatch(/\[ERROR\] 4\.2\.4 .*\n {4}WARN node-1\n.*read-only port 10255 is open\n {6}apply would: kubeletConfig \/var\/lib\/kubelet\/config\.yaml: readOnlyPort: 10255 → 0 \(restarts kubelet\)\n {4}PASS node-2\n {4}ERROR node-3\n/);
    expect(text).toContain('node-3: not checked: node-3: connect timed out');
    expect(text).toMatch(/NODE\s+PASS\s+FAIL\s+WARN\s+N\/A\s+ERROR\nnode-1\s+\d+\s+[1-9]/);
    expect(text).toContain('Fix with: nodeward apply');
    expect(text).not.toContain('\u001b[');
    // which benchmark each node was judged by, and where kube-bench reads a check otherwise
    expect(text).toMatch(/^benchmark cis-1\.12: the kubelet's version is unknown .* \(node-1 node-2\)$/m);
    expect(text).toMatch(/\[\S+\] 4\.1\.3 .*\n {4}kube-bench: reports WARN where the host has no kube-proxy kubeconfig/);
  });

  it('json: catalogue ids, per-node results with structured fixes', () => {
    const json = checkToJson(report()) as { kind: string; summary: { automatedFailing: number; nodeErrors: number }; checks: { id: string; assessment: string; status: string; results: { node: string; status: string; failed: boolean; fixes: { change: string; summary: string[] }[] }[] }[] };
    expect(json.kind).toBe('nodeward-check');
    expect(json.summary).toMatchObject({ nodeErrors: 1 });
    const c = json.checks.find((x) => x.id === '4.2.4');
    expect(c).toMatchObject({ assessment: 'manual', status: 'error' });
    expect(c?.results.map((r) => [r.node, r.status, r.failed])).toEqual([['node-1', 'warn', true], ['node-2', 'pass', false], ['node-3', 'error', false]]);
    expect(c?.results[0]?.fixes).toEqual([expect.objectContaining({ change: 'kubeletConfig:/var/lib/kubelet/config.yaml', summary: ['readOnlyPort: 10255 → 0'] })]);
    const full = checkToJson(report()) as { benchmarks: string[]; nodes: { benchmark: string | null; benchmarkReason: string }[]; checks: { id: string; benchmarks: string[]; kubeBench: string | null }[] };
    expect(full.benchmarks).toEqual(['cis-1.12']);
    expect(full.nodes.map((n) => n.benchmark)).toEqual(['cis-1.12', 'cis-1.12', null]);
    expect(full.checks.find((x) => x.id === '4.1.3')).toMatchObject({ benchmarks: ['cis-1.12'], kubeBench: expect.stringMatching(/^reports WARN/) });
    expect(full.checks.find((x) => x.id === '4.2.1')?.kubeBench).toBeNull();
  });

  it('junit: well-formed, a suite per node, automated failures fail, manual ones skip as WARN, unreadable nodes error', () => {
    const xml = renderCheckJUnit(report());
    expect(xmlProblems(xml)).toEqual([]);
    const cases = testcases(xml);
    expect(new Set(cases.map((c) => c.suite))).toEqual(new Set(['node-1', 'node-2', 'node-3']));
    const one = (suite: string, id: string) => cases.find((c) => c.suite === suite && c.name.startsWith(`${id} `))?.body ?? 'missing';
    expect(one('node-1', '4.2.1')).toMatch(/<failure message="FAIL 4\.2\.1/);
    expect(one('node-1', '4.2.4')).toMatch(/<skipped message="WARN \(manual, failing\)/);
    expect(one('node-2', '4.2.4')).not.toMatch(/failure|skipped|error/);
    expect(one('node-3', '4.2.4')).toMatch(/<error message="node-3: connect timed out &lt;&amp;&gt;"/);
    expect(one('node-1', '4.1.3')).toMatch(/<skipped message="WARN: .*kube-bench: reports WARN/);
    expect(xml).toMatch(/<testsuites name="nodeward check" tests="\d+" failures="[1-9]\d*" errors="\d+" skipped="\d+">/);
  });
});
