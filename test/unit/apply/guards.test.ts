import { describe, expect, it } from 'vitest';
import type { ResourceEntry } from '../../../src/config/playbook-types.ts';
import type { HostSpec } from '../../../src/config/types.ts';
import { checkGuards } from '../../../src/guards/guards.ts';
import { buildNodePlan } from '../../../src/planner/build.ts';
import { resourceSchemas, type ResourceSpec } from '../../../src/spec/schemas.ts';
import { factsFrom, type FactsFixture } from '../plan/fixture-facts.ts';

const host: HostSpec = { name: 'node-1', address: '198.19.0.11', port: 22, user: 'ops', identityFile: undefined, become: 'sudo', labels: {}, groups: [], vars: {} };
const KCFG = '/var/lib/kubelet/config.yaml';
const CTD = '/etc/containerd/config.toml';

function entry(kind: keyof typeof resourceSchemas, spec: unknown, name = kind): ResourceEntry {
  return { id: `t/${name}`, name, checks: [], note: undefined, when: undefined, resource: { kind, spec: resourceSchemas[kind].parse(spec) } as ResourceSpec, source: { file: 't', line: 1, column: 1 } };
}

const PKD_OFF = {
  'vm.overcommit_memory': '0', 'vm.panic_on_oom': '0', 'kernel.panic': '0',
  'kernel.panic_on_oops': '0', 'kernel.keys.root_maxkeys': '200', 'kernel.keys.root_maxbytes': '20000',
};
const PKD_VALUES = {
  'vm.overcommit_memory': 1, 'vm.panic_on_oom': 0, 'kernel.panic': 10,
  'kernel.panic_on_oops': 1, 'kernel.keys.root_maxkeys': 1000000, 'kernel.keys.root_maxbytes': 25000000,
};

function facts(kubelet: string, containerd: string | undefined, extra: Partial<FactsFixture> = {}): FactsFixture {
  return {
    kubelet: { configPath: KCFG },
    files: {
      [KCFG]: { content: kubelet },
      [CTD]: containerd === undefined ? { absent: true } : { content: containerd },
      '/etc/sysctl.d/99-k8s-hardening.conf': { absent: true },
    },
    sysctls: { 'net.ipv4.ip_forward': '1', ...PKD_OFF },
    sysctlFiles: [],
    ...extra,
  };
}

const base = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n';
const systemdContainerd = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\nSystemdCgroup = true\n';

function guards(entries: ResourceEntry[], fixture: FactsFixture) {
  const f = factsFrom(fixture);
  const plan = buildNodePlan(host, entries, f);
  expect(plan.status, plan.error?.message).not.toBe('error');
  return checkGuards({ facts: f, plan, kubeletConfigPath: KCFG });
}

describe('pre-flight guards', () => {
  it('pass a harmless kubelet change', () => {
    expect(guards([entry('kubeletConfig', { set: { readOnlyPort: 0 } })], facts(base, systemdContainerd))).toEqual([]);
  });

  it('refuse a kubelet cgroupDriver that does not match containerd SystemdCgroup', () => {
    const failures = guards([entry('kubeletConfig', { set: { cgroupDriver: 'cgroupfs' } })], facts(base, systemdContainerd));
    expect(failures.map((f) => f.guard)).toEqual(['cgroup-driver']);
    expect(failures[0]?.message).toMatch(/cgroupfs.*systemd/);
  });

  it('refuse protectKernelDefaults while the six tunables are off', () => {
    const failures = guards([entry('kubeletConfig', { set: { protectKernelDefaults: true } })], facts(base, systemdContainerd));
    expect(failures.map((f) => f.guard)).toEqual(['protect-kernel-defaults']);
    expect(failures[0]?.message).toContain('vm.overcommit_memory live 0');
    expect(failures[0]?.message).toContain('kernel.keys.root_maxbytes at boot unset');
  });

  it('allow protectKernelDefaults when the same plan sets the tunables live and persisted', () => {
    const entries = [entry('kubeletConfig', { set: { protectKernelDefaults: true } }), entry('sysctl', { values: PKD_VALUES })];
    expect(guards(entries, facts(base, systemdContainerd))).toEqual([]);
  });

  it('refuse a change that turns ip_forward off', () => {
    const failures = guards([entry('sysctl', { values: { 'net.ipv4.ip_forward': 0 } })], facts(base, systemdContainerd));
    expect(failures.map((f) => f.guard)).toEqual(['ip-forward']);
  });

  it('refuse a kubelet config the kubelet would not start with', () => {
    const failures = guards([entry('kubeletConfig', { set: { readOnlyPort: 'none', tlsCipherSuites: ['TLS_BOGUS'] } })], facts(base, systemdContainerd));
    expect(failures.map((f) => f.message).join('\n')).toMatch(/readOnlyPort.*not a int[\s\S]*unknown cipher suite TLS_BOGUS/);
  });

  it('refuse a containerd config that does not parse', () => {
    const failures = guards([entry('file', { path: CTD, content: 'version = [\n', restarts: ['containerd'] })], facts(base, systemdContainerd));
    expect(failures.map((f) => f.guard)).toContain('containerd-config');
  });
});
