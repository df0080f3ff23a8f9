import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/config/load-inventory.ts';
import { readSshConfig } from '../../../src/config/ssh/read-ssh-config.ts';
import type { Inventory } from '../../../src/config/types.ts';
import { ConfigError } from '../../../src/util/errors.ts';

/** Inventories whose nodes come from an ssh config: precedence, bastions, refusals at file:line. */

const dir = mkdtempSync(join(tmpdir(), 'nw-ssh-inventory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const home = join(dir, 'home');
mkdirSync(join(home, '.ssh'), { recursive: true });
const local = { user: 'me', home, uid: 1000, hostName: 'controller.example' };
let serial = 0;

async function load(inventory: string, config: string, extra: Record<string, string> = {}): Promise<Inventory> {
  const sub = join(dir, `case-${++serial}`);
  mkdirSync(sub);
  for (const [name, text] of Object.entries(extra)) writeFileSync(name.startsWith('/') ? name : join(sub, name), text);
  const sshFile = join(sub, 'ssh_config');
  writeFileSync(sshFile, config);
  const read = await readSshConfig(sshFile, home);
  if (read.issues.length > 0) throw new ConfigError(read.issues);
  return parseInventory(inventory, join(sub, 'inventory.yaml'), { home, ssh: { file: sshFile, config: read.config!, local, cwd: sub } });
}

async function refusal(inventory: string, config: string, extra: Record<string, string> = {}): Promise<string[]> {
  try {
    await load(inventory, config, extra);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.file.slice(dir.length + 1)}:${i.line}:${i.column}: ${i.message}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const NODES = 'nodes:\n  - name: node-1\n  - name: node-2\n';

describe('nodes from an ssh config', () => {
  it('takes address, user, port, key and bastion as ssh -G resolves them', async () => {
    const inventory = await load(
      NODES,
      [
        'Host bastion',
        '  HostName 198.18.0.2',
        '  IdentityFile ~/.ssh/bastion_key',
        'Host node-*',
        '  HostName 198.19.0.1%h',
        '  Port 2222',
        '  ProxyJump jump@bastion:2200',
        'Host *',
        '  User ops',
        '  IdentityFile ~/.ssh/id_%r',
        '  UserKnownHostsFile ~/.ssh/known_%h',
        '  StrictHostKeyChecking accept-new',
        '  ConnectTimeout 1m',
        '  ServerAliveInterval 5',
      ].join('\n'),
    );
    const [n1] = inventory.nodes;
    expect(n1).toMatchObject({ name: 'node-1', address: '198.19.0.1node-1', user: 'ops', port: 2222, identityFile: join(home, '.ssh/id_ops') });
    expect(n1?.ssh).toMatchObject({ knownHosts: join(home, '.ssh/known_198.19.0.1node-1'), acceptNew: true, connectTimeoutMs: 60_000, keepaliveIntervalMs: 5_000 });
    // the jump host is resolved through the same config; its user and port come from the ProxyJump
    expect(n1?.bastion).toMatchObject({ host: '198.18.0.2', user: 'jump', port: 2200, identityFile: join(home, '.ssh/bastion_key') });
    expect(n1?.bastion?.ssh).toMatchObject({ knownHosts: join(home, '.ssh/known_198.18.0.2') });
    expect(inventory.sshConfig).toMatch(/ssh_config$/);
  });

  it("lets the inventory's own fields win, then the config, then defaults, then ssh's (the local user, port 22)", async () => {
    const inventory = await load(
      [
        'defaults: { user: fallback, port: 2022, identityFile: ./default_key }',
        'nodes:',
        '  - { name: node-1, address: 10.9.9.9, user: own, port: 23, identityFile: null }',
        '  - { name: node-2 }',
        '  - { name: other }',
      ].join('\n'),
      ['Host node-*', '  User cfg', '  Port 2200', '  IdentityFile /keys/cfg', '  HostName 10.0.0.1'].join('\n'),
    );
    expect(inventory.nodes.map((n) => [n.name, n.address, n.user, n.port, n.identityFile])).toEqual([
      ['node-1', '10.9.9.9', 'own', 23, undefined],
      ['node-2', '10.0.0.1', 'cfg', 2200, '/keys/cfg'],
      ['other', 'other', 'fallback', 2022, join(dir, `case-${serial}`, 'default_key')],
    ]);
    // the inventory's user is what `Match user` sees, as `ssh -l own` would make it
    const matched = await load('nodes:\n  - { name: node-1, user: own }\n  - { name: node-2 }\n', 'Match user own\n  Port 2200\nHost *\n  User cfg\n');
    expect(matched.nodes.map((n) => [n.user, n.port])).toEqual([['own', 2200], ['cfg', 22]]);
    const bare = await load('nodes:\n  - name: Web-1\n', 'Host nothing\n  User x\n');
    // ssh's own defaults: the lowercased name, the local user, port 22, no bastion
    expect(bare.nodes.map((n) => [n.address, n.user, n.port, n.bastion])).toEqual([['web-1', 'me', 22, null]]);
  });

  it("keeps the inventory's bastion and knownHosts for every node when it writes them", async () => {
    const inventory = await load(
      'bastion: { host: 198.18.0.2, user: ops }\nknownHosts: ./kh\n' + NODES,
      'Host node-*\n  ProxyJump other@elsewhere\n  UserKnownHostsFile /tmp/ignored\n',
    );
    expect(inventory.nodes.map((n) => n.bastion)).toEqual([undefined, undefined]);
    expect(inventory.nodes.map((n) => n.ssh?.knownHosts)).toEqual([undefined, undefined]);
    expect(inventory.bastion).toMatchObject({ host: '198.18.0.2', user: 'ops' });
    // what the inventory's bastion leaves out, the config says for it
    const named = await load('bastion: { host: jump, port: 2022 }\n' + NODES, 'Host jump\n  HostName 198.18.0.9\n  User j\n  Port 22\n  IdentityFile /k/j\n');
    expect(named.bastion).toMatchObject({ host: '198.18.0.9', user: 'j', port: 2022, identityFile: '/k/j' });
  });

  it('reads Include relative to ~/.ssh, with globs, inside and outside Host blocks', async () => {
    mkdirSync(join(home, '.ssh', 'conf.d'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'conf.d', 'a.conf'), 'Host node-1\n  User from-a\n');
    writeFileSync(join(home, '.ssh', 'conf.d', 'b.conf'), 'Host node-*\n  User from-b\n  Port 2201\n');
    writeFileSync(join(home, '.ssh', 'only-2'), 'HostName 10.2.2.2\n');
    const inventory = await load(NODES, 'Include conf.d/*.conf\nHost node-2\n  Include only-2\n');
    expect(inventory.nodes.map((n) => [n.user, n.port, n.address])).toEqual([
      ['from-a', 2201, 'node-1'],
      ['from-b', 2201, '10.2.2.2'],
    ]);
  });
});

describe('what nodeward refuses of an ssh config, at file:line', () => {
  it('ProxyCommand, Match exec, two hops, StrictHostKeyChecking no', async () => {
    const config = [
      '# fleet', // 1
      'Host node-1', // 2
      '  ProxyCommand ssh -W %h:%p bastion', // 3
      'Host node-2', // 4
      '  ProxyJump a@one,b@two', // 5
      'Match exec "test -f /tmp/x" host node-*', // 6
      '  User never', // 7
      'Host node-3', // 8
      '  ProxyJump hop1', // 9
      'Host hop1', // 10
      '  ProxyJump hop2', // 11
      '', // 12
      'Host *', // 13
      '  StrictHostKeyChecking no', // 14
    ].join('\n');
    const issues = await refusal(NODES + '  - name: node-3\n', config);
    const at = `case-${serial}/ssh_config`;
    expect(issues).toEqual([
      `${at}:3:3: ProxyCommand is not supported: nodeward reaches hosts itself, directly or through one bastion; write the bastion as ProxyJump user@host[:port] (for node-1)`,
      `${at}:5:3: ProxyJump a@one,b@two: 2 hops; nodeward goes through one bastion at most (for node-2)`,
      `${at}:6:1: Match exec is not supported: nodeward runs no local commands to choose settings; write the hosts as Host or Match host patterns (for 3 hosts: node-1, node-2, node-3)`,
      `${at}:9:3: ProxyJump hop1: hop1 is itself reached through hop2 (${join(dir, at)}:11): two hops; nodeward goes through one bastion at most (for node-3)`,
      `${at}:14:3: StrictHostKeyChecking no is refused: nodeward always verifies host keys; use accept-new to record the keys of new hosts (a changed key is still refused) (for 3 hosts: node-1, node-2, node-3)`,
    ]);
  });

  it('points into the included file, and only refuses what applies to an inventory host', async () => {
    writeFileSync(join(home, '.ssh', 'bad.conf'), '# included\n\nHost node-2\n    ProxyCommand nc %h %p\nHost unrelated\n  StrictHostKeyChecking no\n');
    const issues = await refusal(NODES, 'Host *\n  User ops\nInclude bad.conf\n');
    expect(issues).toEqual([
      `home/.ssh/bad.conf:4:5: ProxyCommand is not supported: nodeward reaches hosts itself, directly or through one bastion; write the bastion as ProxyJump user@host[:port] (for node-2)`,
    ]);
  });

  it('several known_hosts files, unknown tokens, IdentitiesOnly without a key, a bad HostName', async () => {
    const issues = await refusal(
      NODES,
      ['Host node-1', '  UserKnownHostsFile ~/a ~/b', '  IdentityFile ~/.ssh/%j', 'Host node-2', '  HostName bad;name', '  IdentitiesOnly yes'].join('\n'),
    );
    const at = `case-${serial}/ssh_config`;
    expect(issues).toEqual([
      `${at}:2:3: UserKnownHostsFile: 2 files; nodeward reads one known_hosts file per host: name one (for node-1)`,
      `${at}:3:3: IdentityFile ~/.ssh/%j: unknown token %j (for node-1)`,
      expect.stringMatching(new RegExp(`^${at}:5:3: HostName bad;name: .* \\(for node-2\\)$`)),
      `${at}:6:3: IdentitiesOnly yes but no IdentityFile for this host: ssh would try its default key files, nodeward would use ssh-agent; name the key with IdentityFile (for node-2)`,
    ]);
  });

  it('without an ssh config a node still needs an address and a user', () => {
    expect(() => parseInventory('nodes:\n  - name: node-1\n', join(dir, 'plain.yaml'), { home })).toThrow(/missing required key 'user'[\s\S]*missing required key 'address'/);
  });
});
