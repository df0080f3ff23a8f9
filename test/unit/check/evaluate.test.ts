import { describe, expect, it } from 'vitest';
import { evaluateChecks, type NodeInput } from '../../../src/check/evaluate.ts';
import type { CheckReport } from '../../../src/check/types.ts';
import { buildNodePlan } from '../../../src/plan/build.ts';
import { errorPlan } from '../../../src/plan/build.ts';
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
    const report = evaluate([node(fixture(kubeletConfig({}, ['rotateCertificates'])))]);
    expect(result(report, '4.2.10')).toMatchObject({ status: 'fail', fixes: [], entries: [] });
    expect(report.checks.find((c) => c.id === '4.2.10')?.remediation).toMatch(/rotateCertificates: true/);
  });

  it('fails a check whose entry is pending even when its audit passes (the playbook is the definition)', () => {
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
