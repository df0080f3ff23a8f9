import { describe, expect, it } from 'vitest';
import { checkGuards } from '../../../src/guards/guards.ts';
import { inCidr, lockoutReasons, settingsAfter } from '../../../src/guards/ssh-access.ts';
import type { ResourceEntry } from '../../../src/config/playbook-types.ts';
import type { HostSpec } from '../../../src/config/types.ts';
import { parseSshdT } from '../../../src/facts/kinds/sshd.ts';
import { buildNodePlan } from '../../../src/planner/build.ts';
import { resourceSchemas, type ResourceSpec } from '../../../src/spec/schemas.ts';
import { factsFrom, type FactsFixture } from '../plan/fixture-facts.ts';

const host: HostSpec = { name: 'node-1', address: '198.19.0.11', port: 22, user: 'ops', identityFile: undefined, become: 'sudo', labels: {}, groups: [], vars: {} };
const DROPIN = '/etc/ssh/sshd_config.d/00-nodeward.conf';

function entry(kind: keyof typeof resourceSchemas, spec: unknown): ResourceEntry {
  return { id: `t/${kind}`, name: kind, checks: [], note: undefined, when: undefined, resource: { kind, spec: resourceSchemas[kind].parse(spec) } as ResourceSpec, source: { file: 't', line: 1, column: 1 } };
}

function guards(entries: ResourceEntry[], fixture: FactsFixture): string[] {
  const facts = factsFrom(fixture);
  const plan = buildNodePlan(host, entries, facts);
  expect(plan.status, plan.error?.message).not.toBe('error');
  return checkGuards({ facts, plan, kubeletConfigPath: '/var/lib/kubelet/config.yaml' }).map((f) => `${f.guard}: ${f.message}`);
}

const sshd = (settings: Record<string, unknown>) => entry('sshd', { settings });
const base: FactsFixture = {
  sshd: 'passwordauthentication yes\npubkeyauthentication yes\npermitrootlogin yes\n',
  login: { user: 'ops', groups: ['ops', 'sudo'], clientAddress: '198.19.0.1', serverPort: 22 },
  files: { [DROPIN]: { absent: true } },
};

describe('ssh-lockout guard', () => {
  it('lets key-only hardening and an AllowUsers with the login user through', () => {
    expect(guards([sshd({ PasswordAuthentication: false, AllowUsers: ['ops', 'alice'] })], base)).toEqual([]);
    expect(guards([sshd({ AllowUsers: ['ops@198.19.0.0/16'] })], base)).toEqual([]);
    expect(guards([sshd({ AllowGroups: ['sudo'] })], base)).toEqual([]);
  });

  it('refuses settings that shut out the user nodeward connects as', () => {
    expect(guards([sshd({ AllowUsers: ['alice'] })], base)).toEqual([
      'ssh-lockout: the sshd change (entry t/sshd) would lock ops (the user nodeward connects as) out: AllowUsers alice would not include ops from 198.19.0.1',
    ]);
    expect(guards([sshd({ AllowUsers: ['ops@10.0.0.0/8'] })], base)[0]).toMatch(/AllowUsers ops@10.0.0.0\/8 would not include ops/);
    expect(guards([sshd({ DenyUsers: ['o*'] })], base)[0]).toMatch(/DenyUsers o\* would match ops/);
    expect(guards([sshd({ AllowGroups: ['wheel'] })], base)[0]).toMatch(/AllowGroups wheel would not include any group of ops \(ops sudo\)/);
    expect(guards([sshd({ PubkeyAuthentication: false })], base)[0]).toMatch(/PubkeyAuthentication would be no/);
    expect(guards([sshd({ AuthenticationMethods: 'publickey,password' })], base)[0]).toMatch(/would not allow a key alone/);
  });

  it('refuses PermitRootLogin no only for a root login', () => {
    expect(guards([sshd({ PermitRootLogin: 'no' })], base)).toEqual([]);
    expect(guards([sshd({ PermitRootLogin: 'no' })], { ...base, login: { user: 'root', groups: ['root'] } })[0]).toMatch(/PermitRootLogin would be no/);
  });

  it('counts AllowUsers from other files (sshd adds them up) but not our own old ones', () => {
    const ours = '# header\nAllowUsers ops\n';
    const effective = parseSshdT('allowusers ops\nallowusers backup\n');
    expect(settingsAfter(effective, ours, '# header\nAllowUsers alice\n').get('allowusers')).toEqual(['alice', 'backup']);
    expect(lockoutReasons(settingsAfter(effective, ours, '# header\nAllowUsers alice\n'), { user: 'ops', groups: [], clientAddress: undefined, serverPort: undefined })).toHaveLength(1);
  });

  it('refuses when it cannot tell who nodeward is', () => {
    expect(guards([sshd({ PasswordAuthentication: false })], { ...base, login: undefined })[0]).toMatch(/ssh-lockout: .*unknown/);
  });
});

describe('firewall-ssh guard', () => {
  const fw = (sshFrom: string[], sshPort = 22) => entry('firewall', { sshFrom, sshPort, kubeletFrom: ['198.19.0.11'] });
  const facts: FactsFixture = { nftTables: { 'inet nodeward': {} }, login: base.login, files: { '/etc/nodeward/firewall.nft': { absent: true } } };

  it('lets a firewall through that admits nodeward from where it comes', () => {
    expect(guards([fw(['198.19.0.0/16'])], facts)).toEqual([]);
  });

  it('refuses one that would cut nodeward off', () => {
    expect(guards([fw(['10.0.0.5'])], facts)).toEqual(['firewall-ssh: the firewall (entry t/firewall) would cut nodeward off: SSH is allowed only from 10.0.0.5, but nodeward comes from 198.19.0.1']);
    expect(guards([fw(['198.19.0.1'], 2222)], facts)[0]).toMatch(/allowed on port 2222, but nodeward connects to 22/);
    expect(guards([fw(['198.19.0.1'])], { ...facts, login: { user: 'ops' } })[0]).toMatch(/comes from is unknown/);
  });

  it('matches addresses to CIDRs by family', () => {
    expect(inCidr('198.19.0.1', '198.19.0.0/16')).toBe(true);
    expect(inCidr('198.20.0.1', '198.19.0.0/16')).toBe(false);
    expect(inCidr('fd00::1', 'fd00::/64')).toBe(true);
    expect(inCidr('198.19.0.1', 'fd00::/64')).toBe(false);
    expect(inCidr('198.19.0.1', '198.19.0.1')).toBe(true);
  });
});
