import { describe, expect, it } from 'vitest';
import { checkDef } from '../../../src/check/catalogue.ts';
import type { BenchmarkId } from '../../../src/config/benchmark-ids.ts';
import { goDurationSeconds, parseKubeletFlags } from '../../../src/check/kubelet.ts';
import { systemdCgroup } from '../../../src/check/audits/containerd.ts';
import { modeWithin } from '../../../src/check/audits/files.ts';
import { parse } from 'smol-toml';
import { factsFrom, type FactsFixture } from '../plan/fixture-facts.ts';
import { KUBELET_ARGS, kubeletConfig } from './fixtures.ts';

function audit(id: string, fixture: FactsFixture, benchmark: BenchmarkId = 'cis-1.12') {
  const def = checkDef(id, benchmark);
  if (!def?.audit) throw new Error(`${id} has no audit`);
  return def.audit(factsFrom(fixture));
}

function kubelet(config: string, args: string[] = KUBELET_ARGS): FactsFixture {
  return { kubelet: { configPath: '/var/lib/kubelet/config.yaml', args }, files: { '/var/lib/kubelet/config.yaml': { mode: '0600', content: config } } };
}

describe('kubelet setting audits (CIS as CIS defines it; where nodeward says more, the comment says why)', () => {
  it.each([
    ['4.2.1', kubeletConfig(), 'pass'],
    ['4.2.1', kubeletConfig({ authentication: '\n  anonymous:\n    enabled: true' }), 'fail'],
    ['4.2.1', kubeletConfig({ authentication: '\n  webhook:\n    enabled: true' }), 'fail'], // secure default, but must be explicit
    ['4.2.2', kubeletConfig({ authorization: '\n  mode: Node,AlwaysAllow' }), 'fail'],
    ['4.2.2', kubeletConfig({}, ['authorization']), 'fail'],
    ['4.2.3', kubeletConfig({ authentication: '\n  x509:\n    clientCAFile: ""' }), 'fail'],
    ['4.2.4', kubeletConfig({ readOnlyPort: '10255' }), 'fail'],
    ['4.2.4', kubeletConfig({}, ['readOnlyPort']), 'pass'], // the file's default is 0
    ['4.2.5', kubeletConfig({ streamingConnectionIdleTimeout: '0s' }), 'pass'], // a zero in the file is defaulted to 4h
    ['4.2.5', kubeletConfig({ streamingConnectionIdleTimeout: '0h0m0s' }), 'pass'],
    ['4.2.5', kubeletConfig({ streamingConnectionIdleTimeout: 'soon' }), 'fail'],
    ['4.2.5', kubeletConfig({ streamingConnectionIdleTimeout: '4h0m0s' }), 'pass'],
    ['4.2.6', kubeletConfig({ makeIPTablesUtilChains: 'false' }), 'fail'],
    ['4.2.6', kubeletConfig({}, ['makeIPTablesUtilChains']), 'pass'], // default true
    ['4.2.8', kubeletConfig({ eventRecordQPS: '0' }), 'pass'], // CIS: 0 captures every event
    ['4.2.8', kubeletConfig({ eventRecordQPS: '-1' }), 'fail'],
    ['4.2.8', kubeletConfig({}, ['eventRecordQPS']), 'pass'], // 50
    ['4.2.9', kubeletConfig({}, ['tlsCertFile']), 'fail'],
    ['4.2.9', kubeletConfig({ serverTLSBootstrap: 'true' }, ['tlsCertFile', 'tlsPrivateKeyFile']), 'pass'],
    ['4.2.10', kubeletConfig({}, ['rotateCertificates']), 'pass'], // CIS: not set to false (KCFG-10 writes it)
    ['4.2.10', kubeletConfig({ rotateCertificates: 'false' }), 'fail'],
    ['4.2.11', kubeletConfig({ featureGates: '\n  RotateKubeletServerCertificate: false' }), 'fail'],
    ['4.2.11', kubeletConfig(), 'pass'],
    ['4.2.12', kubeletConfig({}, ['tlsCipherSuites']), 'fail'],
    ['4.2.12', kubeletConfig({ tlsCipherSuites: '[TLS_RSA_WITH_AES_128_GCM_SHA256]' }), 'fail'],
    ['4.2.12', kubeletConfig({ tlsCipherSuites: '[]' }), 'fail'],
    ['4.2.13', kubeletConfig({ podPidsLimit: '-1' }), 'fail'], // kube-bench: present is enough
    ['4.2.13', kubeletConfig({}, ['podPidsLimit']), 'fail'],
    ['4.2.14', kubeletConfig({ seccompDefault: 'false' }), 'fail'], // kube-bench: present is enough
    ['4.2.14', kubeletConfig({}, ['seccompDefault']), 'fail'],
    ['4.2.14', kubeletConfig(), 'pass'],
  ])('%s on %#', (id, config, verdict) => {
    expect(audit(id, kubelet(config)).verdict).toBe(verdict);
  });

  it('reads flags over the file, as the kubelet does', () => {
    const result = audit('4.2.4', kubelet(kubeletConfig(), [...KUBELET_ARGS, '--read-only-port=10255']));
    expect(result.verdict).toBe('fail');
    expect(result.details.join()).toContain('--read-only-port=10255 on the kubelet command line');
    expect(audit('4.2.1', kubelet(kubeletConfig(), [...KUBELET_ARGS, '--anonymous-auth'])).verdict).toBe('fail');
    expect(audit('4.2.14', kubelet(kubeletConfig({}, ['seccompDefault']), [...KUBELET_ARGS, '--seccomp-default'])).verdict).toBe('pass');
  });

  it('4.2.5: only the command line can turn the idle timeout off (flags apply over the defaulted file)', () => {
    expect(audit('4.2.5', kubelet(kubeletConfig(), [...KUBELET_ARGS, '--streaming-connection-idle-timeout=0'])).verdict).toBe('fail');
    // kube-bench compares the text with "0" and passes this one
    expect(audit('4.2.5', kubelet(kubeletConfig(), [...KUBELET_ARGS, '--streaming-connection-idle-timeout=0s'])).verdict).toBe('fail');
    expect(audit('4.2.5', kubelet(kubeletConfig({ streamingConnectionIdleTimeout: '0s' })))).toMatchObject({ verdict: 'pass', details: [expect.stringContaining('defaulted to 4h0m0s')] });
    expect(audit('4.2.10', kubelet(kubeletConfig({}, ['rotateCertificates']))).details[0]).toMatch(/not set .*KCFG-10/);
  });

  it('follows the benchmark version: 4.2.12 allows the RSA GCM suites until cis-1.11, 4.1.7 wants 600 until cis-1.10', () => {
    const rsa = kubelet(kubeletConfig({ tlsCipherSuites: '[TLS_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]' }));
    expect(audit('4.2.12', rsa, 'cis-1.12').verdict).toBe('fail');
    expect(audit('4.2.12', rsa, 'cis-1.11').verdict).toBe('pass');
    const ca: FactsFixture = { ...kubelet(kubeletConfig()), files: { ...kubelet(kubeletConfig()).files, '/etc/kubernetes/pki/ca.crt': { mode: '0644' } } };
    expect(audit('4.1.7', ca, 'cis-1.12').verdict).toBe('pass');
    expect(audit('4.1.7', ca, 'cis-1.10')).toMatchObject({ verdict: 'fail', details: ['/etc/kubernetes/pki/ca.crt has mode 0644, more permissive than 0600'] });
  });

  it("cis-1.11's 4.2.15 reads IPAddressDeny from the kubelet's unit as systemd resolved it", () => {
    const unit = (ipAddressDeny: string[]): FactsFixture => ({ ...kubelet(kubeletConfig()), units: { kubelet: { ipAddressDeny } } });
    expect(audit('4.2.15', unit(['0.0.0.0/0', '::/0']), 'cis-1.11').verdict).toBe('pass');
    expect(audit('4.2.15', unit([]), 'cis-1.11')).toMatchObject({ verdict: 'fail', details: ['kubelet.service does not set IPAddressDeny'] });
    expect(audit('4.2.15', unit(['10.0.0.0/8']), 'cis-1.11').verdict).toBe('fail');
    expect(audit('4.2.15', kubelet(kubeletConfig()), 'cis-1.11').verdict).toBe('unknown');
  });

  it('cannot decide keys a --config-dir drop-in may override, and says why', () => {
    const result = audit('4.2.1', kubelet(kubeletConfig(), [...KUBELET_ARGS, '--config-dir=/etc/kubernetes/kubelet.conf.d']));
    expect(result.verdict).toBe('unknown');
    expect(result.details[0]).toMatch(/--config-dir/);
  });

  it('4.2.7 fails a --hostname-override and cannot judge a kubelet that is not running', () => {
    expect(audit('4.2.7', kubelet(kubeletConfig(), [...KUBELET_ARGS, '--hostname-override', 'other'])).verdict).toBe('fail');
    expect(audit('4.2.7', kubelet(kubeletConfig())).verdict).toBe('pass');
    const facts = factsFrom(kubelet(kubeletConfig()));
    const stopped = { ...facts, kubelet: facts.kubelet && { ...facts.kubelet, pid: undefined, args: [] } };
    expect(checkDef('4.2.7')?.audit?.(stopped).verdict).toBe('unknown');
  });

  it('an unreadable config cannot be judged', () => {
    expect(audit('4.2.1', kubelet('{ not yaml')).verdict).toBe('unknown');
    expect(audit('4.2.1', { kubelet: { configPath: '/var/lib/kubelet/config.yaml', args: KUBELET_ARGS }, files: { '/var/lib/kubelet/config.yaml': { sensitive: true } } }).verdict).toBe('unknown');
  });
});

describe('file audits', () => {
  it('mode N or more restrictive is a bitmask, as CIS means it', () => {
    expect(modeWithin('0600', 0o600)).toBe(true);
    expect(modeWithin('0400', 0o600)).toBe(true);
    expect(modeWithin('0640', 0o600)).toBe(false);
    expect(modeWithin('4600', 0o600)).toBe(false);
    expect(modeWithin('0444', 0o644)).toBe(true);
  });

  it('4.1.9 audits the file the running kubelet uses, not a guessed path', () => {
    const fixture: FactsFixture = { kubelet: { configPath: '/etc/kubelet/custom.yaml', args: ['/usr/bin/kubelet', '--config=/etc/kubelet/custom.yaml'] }, files: { '/etc/kubelet/custom.yaml': { mode: '0644', content: 'kind: KubeletConfiguration\n' } } };
    const result = audit('4.1.9', fixture);
    expect(result.verdict).toBe('fail');
    expect(result.details[0]).toContain('/etc/kubelet/custom.yaml has mode 0644');
  });

  it('4.1.1 covers the unit and every drop-in; no unit at all cannot be decided', () => {
    const fixture: FactsFixture = {
      files: { '/lib/systemd/system/kubelet.service': { mode: '0600' }, '/etc/systemd/system/kubelet.service.d/10-kubeadm.conf': { mode: '0644' } },
      globs: { '/etc/systemd/system/kubelet.service.d/*.conf': ['/etc/systemd/system/kubelet.service.d/10-kubeadm.conf'] },
    };
    expect(audit('4.1.1', fixture)).toMatchObject({ verdict: 'fail', details: [expect.stringContaining('10-kubeadm.conf has mode 0644')] });
    expect(audit('4.1.2', fixture).verdict).toBe('pass');
    expect(audit('4.1.1', {}).verdict).toBe('unknown');
  });

  it('4.1.5 follows --kubeconfig; a path not read cannot be decided', () => {
    expect(audit('4.1.5', { kubelet: { configPath: '/var/lib/kubelet/config.yaml', args: KUBELET_ARGS }, files: { '/etc/kubernetes/kubelet.conf': { mode: '0600', owner: 'root' } } }).verdict).toBe('pass');
    expect(audit('4.1.5', { kubelet: { configPath: '/var/lib/kubelet/config.yaml', args: ['/usr/bin/kubelet', '--kubeconfig=/srv/k.conf'] } }).verdict).toBe('unknown');
  });

  it('4.1.3/4.1.11 are not applicable when what they audit is absent', () => {
    expect(audit('4.1.3', { files: { '/etc/kubernetes/proxy.conf': { absent: true }, '/var/lib/kube-proxy/kubeconfig.conf': { absent: true } } }).verdict).toBe('n/a');
    expect(audit('4.1.11', kubelet(kubeletConfig())).verdict).toBe('n/a');
  });

  it('4.1.7 takes the CA path from the config file (kube-bench does not)', () => {
    const config = kubeletConfig({ authentication: '\n  x509:\n    clientCAFile: /srv/ca.pem' });
    expect(audit('4.1.7', kubelet(config)).details[0]).toContain('/srv/ca.pem');
  });
});

describe('sysctl audits', () => {
  const files = (content: string) => [{ path: '/etc/sysctl.d/99-k8s-hardening.conf', content }];
  it('judge the live value and the value at boot', () => {
    expect(audit('SYS-08', { sysctls: { 'net.ipv4.tcp_syncookies': '1' }, sysctlFiles: files('net.ipv4.tcp_syncookies = 1\n') }).verdict).toBe('pass');
    expect(audit('SYS-08', { sysctls: { 'net.ipv4.tcp_syncookies': '0' }, sysctlFiles: files('net.ipv4.tcp_syncookies = 1\n') }).verdict).toBe('fail');
    const shadowed = audit('SYS-08', { sysctls: { 'net.ipv4.tcp_syncookies': '1' }, sysctlFiles: [...files('net.ipv4.tcp_syncookies = 1\n'), { path: '/etc/sysctl.d/99-zz.conf', content: 'net.ipv4.tcp_syncookies=0\n' }] });
    expect(shadowed).toMatchObject({ verdict: 'fail', details: [expect.stringContaining('boots as 0 (/etc/sysctl.d/99-zz.conf:1)')] });
    expect(audit('SYS-08', { sysctls: { 'net.ipv4.tcp_syncookies': '1' }, sysctlFiles: [] }).verdict).toBe('pass');
  });

  it('a key this kernel lacks is not applicable', () => {
    expect(audit('SYS-10', { sysctls: { 'net.bridge.bridge-nf-call-iptables': null, 'net.bridge.bridge-nf-call-ip6tables': null }, sysctlFiles: [] }).verdict).toBe('n/a');
  });
});

describe('containerd audits', () => {
  const toml = (text: string): FactsFixture => ({ files: { '/etc/containerd/config.toml': { content: text } }, kubelet: { configPath: '/var/lib/kubelet/config.yaml', args: KUBELET_ARGS } });
  it('find SystemdCgroup in the v2 and v3 layouts', () => {
    expect(systemdCgroup(parse('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\nSystemdCgroup = true\n'))).toBe(true);
    expect(systemdCgroup(parse("[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]\nSystemdCgroup = false\n"))).toBe(false);
    // written explicitly, whichever driver the node runs; left out, containerd uses cgroupfs unannounced
    expect(audit('CTD-01', toml('version = 2\n')).verdict).toBe('fail');
    expect(audit('CTD-01', toml('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\nSystemdCgroup = false\n'))).toMatchObject({ verdict: 'pass', details: ['SystemdCgroup = false (cgroupfs)'] });
  });

  it('refuse a TCP API socket and a driver mismatch', () => {
    expect(audit('CTD-02', toml('[grpc]\ntcp_address = "0.0.0.0:1234"\n')).verdict).toBe('fail');
    expect(audit('CTD-02', toml('[grpc]\naddress = "/run/containerd/containerd.sock"\n')).verdict).toBe('pass');
    const fixture = toml('version = 2\n');
    (fixture.files ?? {})['/var/lib/kubelet/config.yaml'] = { content: kubeletConfig() };
    expect(audit('KCFG-05', fixture)).toMatchObject({ verdict: 'fail', details: ['the kubelet uses systemd, containerd cgroupfs'] });
  });
});

describe('kubelet command line and durations', () => {
  it('parses flags like pflag', () => {
    const flags = parseKubeletFlags(['/usr/bin/kubelet', '--config', '/a.yaml', '--anonymous-auth', '--v=2', '--read-only-port=0', '--node-ip', '10.0.0.1']);
    expect(Object.fromEntries(flags)).toEqual({ config: '/a.yaml', 'anonymous-auth': 'true', v: '2', 'read-only-port': '0', 'node-ip': '10.0.0.1' });
  });

  it('reads Go durations', () => {
    expect(goDurationSeconds('5m0s')).toBe(300);
    expect(goDurationSeconds('4h0m0s')).toBe(14400);
    expect(goDurationSeconds('0s')).toBe(0);
    expect(goDurationSeconds('0')).toBe(0);
    expect(goDurationSeconds('1.5h')).toBe(5400);
    expect(goDurationSeconds('soon')).toBeUndefined();
  });
});
