import { describe, expect, it } from 'vitest';
import { evaluateChecks, type NodeInput } from '../../../src/check/evaluate.ts';
import type { CheckReport } from '../../../src/check/types.ts';
import { chooseBenchmark } from '../../../src/check/benchmarks.ts';
import { buildNodePlan } from '../../../src/planner/build.ts';
import { errorPlan } from '../../../src/planner/build.ts';
import { renderSysctlFile } from '../../../src/resources/sysctl.ts';
import { withExtra } from '../../../src/run/plan-fleet.ts';
import { ConnectError } from '../../../src/util/errors.ts';
import { factsFrom, type FactsFixture } from '../plan/fixture-facts.ts';
import { entry, host, KUBELET_ARGS, kubeletConfig } from './fixtures.ts';

const ENTRIES = [
  entry('kubelet/read-only-port-off', 'kubeletConfig', { set: { readOnlyPort: 0 } }, ['4.2.4']),
  entry('kubelet/seccomp', 'kubeletConfig', { set: { seccompDefault: true } }, ['4.2.14']),
  entry('files/kubelet-config', 'permissions', { paths: ['/var/lib/kubelet/config.yaml'], mode: '0600', owner: 'root', group: 'root' }, ['4.1.9', '4.1.10']),
  entry('kernel/syncookies', 'sysctl', { values: { 'net.ipv4.tcp_syncookies': 1 } }, ['SYS-08']),
  entry('kernel/bridge', 'sysctl', { values: { 'net.bridge.bridge-nf-call-iptables': 1 } }, ['SYS-10'], { fileExists: '/proc/sys/net/bridge' }),
];

function node(fixture: FactsFixture, name = 'node-1'): NodeInput {
  const facts = factsFrom(fixture);
  return { host: host(name), entries: ENTRIES, plan: buildNodePlan(host(name), ENTRIES, facts), facts };
}

const SYSCTL_FILE = renderSysctlFile([{ key: 'net.ipv4.tcp_syncookies', value: '1' }]);

function fixture(config: string, mode = '0600', syncookies = '1'): FactsFixture {
  return {
    kubelet: { configPath: '/var/lib/kubelet/config.yaml', args: KUBELET_ARGS },
    files: {
      '/var/lib/kubelet/config.yaml': { mode, content: config },
      '/proc/sys/net/bridge': { absent: true },
      '/etc/sysctl.d/99-k8s-hardening.conf': { mode: '0644', content: SYSCTL_FILE },
      '/etc/kubernetes/proxy.conf': { absent: true },
      '/var/lib/kube-proxy/kubeconfig.conf': { absent: true },
    },
    sysctls: { 'net.ipv4.tcp_syncookies': syncookies },
    sysctlFiles: [{ path: '/etc/sysctl.d/99-k8s-hardening.conf', content: SYSCTL_FILE }],
  };
}

function result(report: CheckReport, id: string, name = 'node-1') {
  return report.checks.find((c) => c.id === id)?.nodes.find((n) => n.node === name);
}

const evaluate = (nodes: NodeInput[]): CheckReport => evaluateChecks(nodes, { createdAt: '2026-11-26T00:00:00.000Z', playbooks: ['test'] });

describe('evaluateChecks', () => {
  it('passes what is in sync and audits clean; lists every CIS check and only the guide ids a playbook carries', () => {
    const report = evaluate([node(fixture(kubeletConfig()))]);
    expect(result(report, '4.2.4')).toMatchObject({ status: 'pass', fixes: [], entries: ['kubelet/read-only-port-off'] });
    expect(result(report, '4.1.9')?.status).toBe('pass');
    expect(result(report, 'SYS-08')?.status).toBe('pass');
    expect(report.checks.filter((c) => c.source === 'cis')).toHaveLength(26);
    expect(report.checks.filter((c) => c.source === 'guide').map((c) => c.id)).toEqual(['SYS-08', 'SYS-10']);
  });

  it('fails automated checks and warns manual ones, with exactly the change apply would make for each', () => {
    const report = evaluate([node(fixture(kubeletConfig({ readOnlyPort: '10255', seccompDefault: 'false' }), '0644'))]);
    const readOnly = result(report, '4.2.4');
    expect(readOnly).toMatchObject({ status: 'warn', failed: true });
    // the kubelet write carries both keys and the mode; this check's part is its own key
    expect(readOnly?.fixes).toEqual([expect.objectContaining({ kind: 'kubeletConfig', target: '/var/lib/kubelet/config.yaml', summary: ['readOnlyPort: 10255 → 0'], restarts: ['kubelet'] })]);
    expect(result(report, '4.2.14')?.fixes[0]?.summary).toEqual(['seccompDefault: false → true']);
    const mode = result(report, '4.1.9');
    expect(mode).toMatchObject({ status: 'fail', failed: true });
    expect(mode?.fixes).toEqual([expect.objectContaining({ summary: ['mode 0644 → 0600'], restarts: [] })]);
    expect(mode?.reasons[0]).toContain('has mode 0644');
  });

  it('fails on a failed audit even when no entry covers it, giving the manual remediation', () => {
    const report = evaluate([node(fixture(kubeletConfig({}, ['authorization'])))]);
    expect(result(report, '4.2.2')).toMatchObject({ status: 'fail', fixes: [], entries: [] });
    expect(report.checks.find((c) => c.id === '4.2.2')?.remediation).toMatch(/authorization.mode: Webhook/);
  });

  it("judges a CIS check by what it audits: the entry's other pending changes are not its finding, and its fix is its own part", () => {
    const owned = (owner: string): FactsFixture => {
      const f = fixture(kubeletConfig(), '0644');
      (f.files ?? {})['/var/lib/kubelet/config.yaml'] = { mode: '0644', owner, content: kubeletConfig() };
      return f;
    };
    // one entry sets mode and owner: the mode is wrong, the owner is right
    const report = evaluate([node(owned('root'))]);
    expect(result(report, '4.1.9')).toMatchObject({ status: 'fail', fixes: [expect.objectContaining({ summary: ['mode 0644 → 0600'] })] });
    expect(result(report, '4.1.10')).toMatchObject({ status: 'pass', fixes: [], reasons: ['/var/lib/kubelet/config.yaml: 0644 root:root'] });
    // both wrong: each check shows its own line of the one change
    const both = evaluate([node(owned('ops'))]);
    expect(result(both, '4.1.9')?.fixes.map((f) => f.summary)).toEqual([['mode 0644 → 0600']]);
    expect(result(both, '4.1.10')?.fixes.map((f) => f.summary)).toEqual([['owner ops → root']]);
  });

  it('passes a CIS check whose audit passes while the entry carrying it still writes the key; the guide item it also carries fails, with the fix', () => {
    const entries = [entry('kubelet/read-only-port-off', 'kubeletConfig', { set: { readOnlyPort: 0 } }, ['4.2.4', 'KCFG-10'])];
    const facts = factsFrom(fixture(kubeletConfig({}, ['readOnlyPort'])));
    const report = evaluate([{ host: host(), entries, plan: buildNodePlan(host(), entries, facts), facts }]);
    expect(result(report, '4.2.4')).toMatchObject({ status: 'pass', fixes: [], reasons: ["readOnlyPort is not set (the config file's default is 0)"] });
    expect(result(report, 'KCFG-10')).toMatchObject({ status: 'fail', fixes: [expect.objectContaining({ summary: ['readOnlyPort: (unset) → 0'] })] });
  });

  it('fails a guide item whose entry is pending even when its audit passes (the playbook is the definition)', () => {
    const report = evaluate([node(fixture(kubeletConfig(), '0600', '0'))]);
    expect(result(report, 'SYS-08')).toMatchObject({ status: 'fail', reasons: [expect.stringContaining('is 0 live')] });
  });

  it('warns what it cannot decide, saying why; a guide item whose entries do not apply here is N/A', () => {
    const report = evaluate([node(fixture(kubeletConfig()))]);
    expect(result(report, '4.3.1')).toMatchObject({ status: 'warn', failed: false, reasons: [expect.stringMatching(/^cannot decide: .*ConfigMap/)] });
    expect(result(report, 'SYS-10')).toMatchObject({ status: 'n/a', reasons: [expect.stringContaining('/proc/sys/net/bridge does not exist')] });
    expect(result(report, '4.1.3')?.status).toBe('n/a');
  });

  it('a node that could not be read is an error for every check; the others are judged', () => {
    const down: NodeInput = { host: host('node-2'), entries: ENTRIES, plan: errorPlan(host('node-2'), new ConnectError('timeout', 'node-2: timed out', { host: 'node-2', hop: 'node' })), facts: undefined };
    const report = evaluate([node(fixture(kubeletConfig())), down]);
    expect(report.nodes.map((n) => n.status)).toEqual(['checked', 'error']);
    expect(report.checks.every((c) => result(report, c.id, 'node-2')?.status === 'error')).toBe(true);
    expect(result(report, '4.2.4', 'node-1')?.status).toBe('pass');
  });

  it('lists an id no catalogue entry knows, decided by its entries', () => {
    const odd = entry('x/odd', 'sysctl', { values: { 'net.ipv4.tcp_syncookies': 1 } }, ['SITE-7']);
    const facts = factsFrom(fixture(kubeletConfig()));
    const report = evaluate([{ host: host(), entries: [odd], plan: buildNodePlan(host(), [odd], facts), facts }]);
    expect(report.checks.find((c) => c.id === 'SITE-7')).toMatchObject({ title: expect.stringContaining('not in the catalogue'), nodes: [expect.objectContaining({ status: 'pass' })] });
  });
});

describe('benchmark versions', () => {
  it("judges each node by kube-bench's pick for its kubelet, says which and why, and marks checks its version lacks N/A", () => {
    const n1 = node({ ...fixture(kubeletConfig()), kubeletVersion: 'v1.28.3' }, 'node-1');
    const n2 = node({ ...fixture(kubeletConfig()), kubeletVersion: 'v1.33.0' }, 'node-2');
    const report = evaluate([n1, n2]);
    expect(report.benchmarks).toEqual(['cis-1.10', 'cis-1.12']);
    expect(report.nodes.map((n) => [n.name, n.benchmark, n.benchmarkReason])).toEqual([
      ['node-1', 'cis-1.10', "kubelet v1.28.3: kube-bench's choice for 1.28"],
      ['node-2', 'cis-1.12', "kubelet v1.33.0: kube-bench's choice for 1.33"],
    ]);
    const seccomp = report.checks.find((c) => c.id === '4.2.14');
    expect(seccomp?.benchmarks).toEqual(['cis-1.12']);
    expect(result(report, '4.2.14', 'node-1')).toMatchObject({ status: 'n/a', reasons: ['not a check of cis-1.10'] });
    expect(result(report, '4.2.14', 'node-2')?.status).toBe('pass');
    // 4.1.7 in the newest wording, with the older version's fix where it differs
    expect(report.checks.find((c) => c.id === '4.1.7')?.title).toMatch(/644/);
  });

  it('a benchmark named by --benchmark or the inventory wins over the kubelet version', () => {
    const facts = factsFrom({ ...fixture(kubeletConfig()), kubeletVersion: 'v1.28.3' });
    const report = evaluateChecks([{ host: host(), entries: ENTRIES, plan: buildNodePlan(host(), ENTRIES, facts), facts }], {
      createdAt: '2026-11-26T00:00:00.000Z',
      playbooks: ['test'],
      benchmark: { id: 'cis-1.11', from: '--benchmark' },
    });
    expect(report.nodes[0]).toMatchObject({ benchmark: 'cis-1.11', benchmarkReason: 'named by --benchmark' });
    expect(report.checks.some((c) => c.id === '4.2.15')).toBe(true);
  });

  it.each([
    ['v1.27.9', 'cis-1.9', /choice for 1\.27/],
    ['v1.31.4', 'cis-1.11', /choice for 1\.31/],
    ['v1.36.0', 'cis-1.12', /choice for 1\.36/], // mapToBenchmarkVersion lowers the minor until it knows one
    ['v1.26.1', 'cis-1.9', /older than cis-1\.9, which nodeward does not carry/],
    [undefined, 'cis-1.12', /version is unknown .*the newest/],
  ])('kubelet %s → %s', (version, id, why) => {
    const choice = chooseBenchmark(undefined, version === undefined ? { binary: '/usr/bin/kubelet', version: undefined } : { binary: '/usr/bin/kubelet', version });
    expect(choice.id).toBe(id);
    expect(choice.reason).toMatch(why);
  });
});

describe('withExtra', () => {
  it("never asks again for a file the plan reads (merged flags would change the plan's facts)", () => {
    const merged = withExtra(
      [{ kind: 'file', path: '/a', content: true, follow: false, sensitive: false }],
      [
        { kind: 'file', path: '/a', content: false, follow: true, sensitive: false },
        { kind: 'file', path: '/b', content: false, follow: true, sensitive: false },
        { kind: 'sysctl', key: 'x' },
      ],
    );
    expect(merged).toEqual([
      { kind: 'file', path: '/a', content: true, follow: false, sensitive: false },
      { kind: 'file', path: '/b', content: false, follow: true, sensitive: false },
      { kind: 'sysctl', key: 'x' },
    ]);
  });
});
