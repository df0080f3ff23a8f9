import { describe, expect, it } from 'vitest';
import type { ResourceEntry } from '../../../src/config/playbook-types.ts';
import type { HostSpec } from '../../../src/config/types.ts';
import { withGuards } from '../../../src/guards/guards.ts';
import { buildNodePlan } from '../../../src/planner/build.ts';
import { planToJson } from '../../../src/plan/json.ts';
import { wouldRefuse } from '../../../src/plan/types.ts';
import { resourceSchemas, type ResourceSpec } from '../../../src/spec/schemas.ts';
import { factsFrom, type FactsFixture } from './fixture-facts.ts';

// Issue 12: a one-key sysctl patch touches one key (the kernel playbook's other lines stay), two
// entries never take a file from each other, and plan shows what apply's guards would refuse.
const host: HostSpec = { name: 'node-1', address: '198.19.0.11', port: 22, user: 'ops', identityFile: undefined, become: 'sudo', labels: {}, groups: [], vars: {} };
const FILE = '/etc/sysctl.d/99-k8s-hardening.conf';
const KCFG = '/var/lib/kubelet/config.yaml';

function entry(kind: keyof typeof resourceSchemas, spec: unknown, name: string = kind): ResourceEntry {
  return { id: `patch/${name}`, name, checks: [], note: undefined, when: undefined, resource: { kind, spec: resourceSchemas[kind].parse(spec) } as ResourceSpec, source: { file: 'patch.yaml', line: 1, column: 1 } };
}

// the kernel playbook's file as a first apply left it
const KERNEL_FILE =
  '# Managed by nodeward: edits here are reverted on the next apply.\n' +
  'net.ipv4.ip_forward = 1\n' +
  'net.ipv4.conf.all.rp_filter = 1\n' +
  'net.ipv4.conf.all.accept_redirects = 0\n' +
  'kernel.randomize_va_space = 2\n';

function node(extra: Partial<FactsFixture> = {}): FactsFixture {
  return {
    kubelet: { configPath: KCFG },
    files: { [FILE]: { content: KERNEL_FILE }, [KCFG]: { content: 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n' } },
    sysctls: { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.rp_filter': '1', 'net.ipv4.conf.all.accept_redirects': '0', 'kernel.randomize_va_space': '2', 'net.ipv4.icmp_echo_ignore_broadcasts': '0' },
    sysctlFiles: [{ path: FILE, content: KERNEL_FILE }],
    ...extra,
  };
}

function plan(entries: ResourceEntry[], fixture: FactsFixture = node()) {
  const facts = factsFrom(fixture);
  return withGuards(buildNodePlan(host, entries, facts), facts);
}

function written(p: ReturnType<typeof plan>, path: string): string | undefined {
  const op = p.changes.flatMap((c) => c.operations).find((o) => o.op === 'writeFile' && o.path === path);
  return op?.op === 'writeFile' ? Buffer.from(op.content, 'base64').toString('utf8') : undefined;
}

describe('a sysctl entry owns its keys, not the file', () => {
  it('a one-key patch adds its line and keeps every other line of the file; the summary names the key', () => {
    const p = plan([entry('sysctl', { values: { 'net.ipv4.icmp_echo_ignore_broadcasts': 1 } }, 'icmp')]);
    expect(p.status).toBe('changes');
    expect(written(p, FILE)).toBe(`${KERNEL_FILE}net.ipv4.icmp_echo_ignore_broadcasts = 1\n`);
    const file = p.changes.find((c) => c.kind === 'sysctlFile');
    expect(file?.summary).toEqual(['net.ipv4.icmp_echo_ignore_broadcasts = 1 added', '5 other line(s) kept']);
    expect(file?.diff).not.toMatch(/^-net/m);
    // nothing else would break: ip_forward stays in the file
    expect(wouldRefuse(p)).toBe(false);
  });

  it('a changed key keeps its line where it was; an absent key loses its line and keeps its live value', () => {
    const p = plan([entry('sysctl', { values: { 'net.ipv4.conf.all.rp_filter': 2 }, absent: ['kernel.randomize_va_space'] }, 'rp')]);
    expect(written(p, FILE)).toBe(KERNEL_FILE.replace('rp_filter = 1', 'rp_filter = 2').replace('kernel.randomize_va_space = 2\n', ''));
    expect(p.changes.find((c) => c.kind === 'sysctlFile')?.summary).toEqual(['net.ipv4.conf.all.rp_filter: 1 → 2', 'kernel.randomize_va_space = 2 removed', '3 other line(s) kept']);
    expect(p.changes.flatMap((c) => c.operations).filter((o) => o.op === 'sysctl')).toEqual([{ op: 'sysctl', key: 'net.ipv4.conf.all.rp_filter', value: '2' }]);
  });

  it('an entry taking out the key another sets is refused, naming both', () => {
    const p = plan([entry('sysctl', { values: { 'net.ipv4.conf.all.rp_filter': 2 } }, 'set'), entry('sysctl', { absent: ['net.ipv4.conf.all.rp_filter'] }, 'drop')]);
    expect(p.status).toBe('error');
    expect(p.error?.message).toMatch(/net\.ipv4\.conf\.all\.rp_filter is set by patch\/set and taken out of .* by patch\/drop/);
  });

  it('a file entry and a sysctl entry writing the same file are refused with both named', () => {
    const p = plan([entry('sysctl', { values: { 'net.ipv4.icmp_echo_ignore_broadcasts': 1 } }, 'icmp'), entry('file', { path: FILE, content: 'net.ipv4.ip_forward = 1\n' }, 'handmade')]);
    expect(p.status).toBe('error');
    expect(p.error?.message).toMatch(/99-k8s-hardening\.conf is written by .*patch\/(icmp|handmade).* and by .*patch\/(icmp|handmade).*: one would undo the other/);
  });
});

describe('plan runs the guards apply would run', () => {
  it('an entry that takes ip_forward out is refused in the plan, naming the entry and the line, with what to do', () => {
    const p = plan([entry('sysctl', { absent: ['net.ipv4.ip_forward'] }, 'tidy')]);
    expect(wouldRefuse(p)).toBe(true);
    expect(p.refusal?.[0]).toMatchObject({
      guard: 'ip-forward',
      message: expect.stringMatching(new RegExp(`unset at boot: ${FILE}:2 \\(\`net\\.ipv4\\.ip_forward = 1\`\\) would be gone \\(entry patch/tidy\\)`)),
      fix: expect.stringMatching(/keep net\.ipv4\.ip_forward = 1/),
    });
    const json = planToJson({ version: 1, createdAt: 'now', inventory: { file: 'i', sha256: '0'.repeat(64) }, playbooks: [], limit: [], nodes: [p] }) as { summary: Record<string, number>; nodes: { status: string; refusal: unknown[] }[] };
    expect(json.summary).toMatchObject({ refused: 1, changes: 0 });
    expect(json.nodes[0]).toMatchObject({ status: 'refused', refusal: [expect.objectContaining({ guard: 'ip-forward' })] });
  });

  it('protectKernelDefaults without its tunables is refused in the plan, naming the kubelet entry and the fix', () => {
    const p = plan([entry('kubeletConfig', { set: { protectKernelDefaults: true } }, 'pkd')], node({ sysctls: { 'net.ipv4.ip_forward': '1', 'vm.overcommit_memory': '0', 'vm.panic_on_oom': '0', 'kernel.panic': '0', 'kernel.panic_on_oops': '0', 'kernel.keys.root_maxkeys': '200', 'kernel.keys.root_maxbytes': '20000' } }));
    expect(p.refusal?.map((r) => r.guard)).toEqual(['protect-kernel-defaults']);
    expect(p.refusal?.[0]?.message).toMatch(/protectKernelDefaults: true \(entry patch\/pkd\) would stop the kubelet/);
    expect(p.refusal?.[0]?.fix).toMatch(/nodeward apply kubelet kernel/);
  });

  it('a harmless change is not refused', () => {
    const p = plan([entry('kubeletConfig', { set: { readOnlyPort: 0 } }, 'ro')]);
    expect(p.status).toBe('changes');
    expect(p.refusal).toBeUndefined();
  });
});

describe('a line of a shared file is charged to the entry it is owed to', () => {
  it('a hand edit of nodeward\'s sshd drop-in is one line, owed to the entry that manages its keyword, not to every sshd entry', async () => {
    const { attribute } = await import('../../../src/check/attribution.ts');
    const { renderSshdFile } = await import('../../../src/resources/sshd-settings.ts');
    const DROPIN = '/etc/ssh/sshd_config.d/00-nodeward.conf';
    const entries = [
      entry('sshd', { settings: { PasswordAuthentication: false } }, 'password-auth'),
      entry('sshd', { settings: { PermitRootLogin: 'no' } }, 'root-login'),
      entry('sshd', { settings: { X11Forwarding: false } }, 'x11'),
    ];
    const ours = renderSshdFile(new Map([['PasswordAuthentication', ['no']], ['PermitRootLogin', ['no']], ['X11Forwarding', ['no']]]));
    const facts = factsFrom({
      files: { [DROPIN]: { content: `${ours}PermitRootLogin yes\n`, mode: '0600' } },
      sshd: 'passwordauthentication no\npermitrootlogin no\nx11forwarding no\n',
      units: { ssh: { activeState: 'active' } },
    });
    const p = buildNodePlan(host, entries, facts);
    expect(p.status, p.error?.message).toBe('changes');
    const change = p.changes.find((c) => c.kind === 'sshd');
    expect(change?.summary).toEqual(['"PermitRootLogin yes" is in the drop-in but not nodeward\'s: removed']);
    expect(change?.diff).toMatch(/^-PermitRootLogin yes$/m);
    const who = attribute(host, entries, facts, p);
    expect(who.byChange.get(change?.id ?? '')?.entries).toEqual(['patch/root-login']);
    expect(who.byEntry.get('patch/x11') ?? []).toEqual([]);
  });
});
