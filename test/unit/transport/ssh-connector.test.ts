import { sh } from '../../../src/node/sh.ts';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HostSpec, Inventory } from '../../../src/config/types.ts';
import { createSshConnector } from '../../../src/transport/ssh-connector.ts';
import type { SshConnectorOptions } from '../../../src/transport/ssh-connector.ts';
import type { Connector } from '../../../src/transport/types.ts';
import { BecomeError, ConnectError, RemoteCommandError } from '../../../src/util/errors.ts';
import { startFakeBastion, startFakeNode } from './fake-ssh.ts';
import type { FakeBastion, FakeNode, FakeNodeOptions } from './fake-ssh.ts';
import { makeKeyDir } from './keys.ts';
import type { TestKey } from './keys.ts';

const keys = makeKeyDir();
let operator: TestKey;
let bastionKey: TestKey;
let nodeKey: TestKey;
let otherKey: TestKey;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(() => {
  operator = keys.key('ed25519', 'operator');
  bastionKey = keys.key('ed25519', 'bastion_host');
  nodeKey = keys.key('ecdsa', 'node_host');
  otherKey = keys.key('ecdsa', 'other_host');
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => keys.cleanup());

const hostLine = (port: number, key: TestKey): string => `[127.0.0.1]:${port} ${key.publicLine.split(' ').slice(0, 2).join(' ')}`;

async function node(name: string, extra: Partial<FakeNodeOptions> = {}): Promise<FakeNode> {
  const started = await startFakeNode({
    name,
    hostKeyPath: nodeKey.privatePath,
    authorizedKeyPath: operator.publicPath,
    sudo: 'nopasswd',
    ...extra,
  });
  cleanups.push(() => started.close());
  return started;
}

async function bastion(extra: { maxUnauthenticated?: number; dropFirst?: number } = {}): Promise<FakeBastion> {
  const started = await startFakeBastion({ hostKeyPath: bastionKey.privatePath, authorizedKeyPath: operator.publicPath, ...extra });
  cleanups.push(() => started.close());
  return started;
}

function hostSpec(name: string, port: number, overrides: Partial<HostSpec> = {}): HostSpec {
  return {
    name,
    address: '127.0.0.1',
    port,
    user: 'ops',
    identityFile: operator.privatePath,
    become: 'sudo',
    labels: {},
    groups: [],
    vars: {},
    ...overrides,
  };
}

let inventoryCount = 0;
function inventory(jump: FakeBastion | undefined, nodes: readonly HostSpec[], knownHostsLines: readonly string[]): Inventory {
  const knownHosts = join(keys.dir, `known_hosts_${++inventoryCount}`);
  writeFileSync(knownHosts, knownHostsLines.map((line) => `${line}\n`).join(''));
  return {
    file: join(keys.dir, 'inventory.yaml'),
    bastion: jump === undefined ? undefined : { host: '127.0.0.1', port: jump.port, user: 'ops', identityFile: operator.privatePath },
    knownHosts,
    kubeconfig: undefined,
    benchmark: undefined,
    nodes,
  };
}

function connector(inv: Inventory, options: SshConnectorOptions = {}): Connector {
  const created = createSshConnector(inv, { retryBaseDelayMs: 20, agentSocket: undefined, ...options });
  cleanups.push(() => created.closeAll());
  return created;
}

async function fleet(count: number, extra: Partial<FakeNodeOptions> = {}) {
  const jump = await bastion();
  const nodes = await Promise.all(Array.from({ length: count }, (_, i) => node(`node-${i + 1}`, extra)));
  const specs = nodes.map((n, i) => hostSpec(`node-${i + 1}`, n.port));
  const lines = [hostLine(jump.port, bastionKey), ...nodes.map((n) => hostLine(n.port, nodeKey))];
  return { jump, nodes, specs, inv: inventory(jump, specs, lines) };
}

describe('createSshConnector through a bastion', () => {
  it('carries every node over one bastion TCP connection and runs one exec each', async () => {
    const { jump, nodes, specs, inv } = await fleet(5);
    const ssh = connector(inv);
    const results = await Promise.all(
      specs.map(async (spec) => (await ssh.connect(spec)).exec(sh`printf "%s" "$FAKE_NODE"; echo oops >&2; exit 3`)),
    );
    expect(results.map((r) => r.stdout.toString())).toEqual(specs.map((s) => s.name));
    expect(results.every((r) => r.exitCode === 3 && r.stderr.toString() === 'oops\n' && r.host !== '')).toBe(true);
    expect(ssh.stats()).toMatchObject({ bastionConnections: 1, nodeSessions: 5, retries: 0 });
    expect(ssh.stats().execs).toEqual(Object.fromEntries(specs.map((s) => [s.name, 1])));
    expect(jump.tcpConnections).toBe(1);
    expect(nodes.every((n) => n.commands[0] === 'sudo -n /bin/sh -s')).toBe(true);
    // Single-flight per host: a second connect reuses the session.
    const first = specs[0];
    if (first === undefined) throw new Error('no node');
    expect(await ssh.connect(first)).toBe(await ssh.connect(first));
    expect(ssh.stats().nodeSessions).toBe(5);
  });

  it('is binary-safe, puts sbin on PATH, and runs without sudo when asked', async () => {
    const { nodes, specs, inv } = await fleet(1);
    const ssh = connector(inv);
    const spec = specs[0];
    if (spec === undefined) throw new Error('no node');
    const transport = await ssh.connect(spec);
    const bytes = await transport.exec(sh`printf '\\000\\001\\377\\n'; printf '%s' "$PATH" >&2`);
    expect([...bytes.stdout]).toEqual([0, 1, 255, 10]);
    expect(bytes.stderr.toString()).toBe('/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    await transport.exec(sh`true`, { become: false });
    expect(nodes[0]?.commands).toEqual(['sudo -n /bin/sh -s', '/bin/sh -s']);
  });

  it('gives each node sshd one handshake at a time, under as many names as it has, with no fleet-wide bound by default', async () => {
    const { jump, nodes, specs, inv } = await fleet(3);
    // 30 names over 3 sshds: 10 connects race for each node, 30 for the fleet
    const names = Array.from({ length: 30 }, (_, i) => ({ ...specs[i % specs.length]!, name: `node-${(i % specs.length) + 1}#${i}` }));
    const ssh = connector(inv);
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    const run = new AbortController();
    const results = await Promise.all(
      names.map(async (spec) => (await ssh.connect(spec, run.signal)).exec(sh`echo ok`, { signal: run.signal })),
    );
    process.off('warning', onWarning);
    // One run-wide signal shared by every connect and exec must not look like a listener leak.
    expect(warnings.map((warning) => warning.message)).toEqual([]);
    expect(results.every((r) => r.stdout.toString() === 'ok\n')).toBe(true);
    // What each sshd saw, counted by the sshd itself: never two of our handshakes at once.
    expect(nodes.map((n) => n.maxUnauthenticatedSeen)).toEqual([1, 1, 1]);
    expect(nodes.map((n) => n.tcpConnections)).toEqual([10, 10, 10]);
    const stats = ssh.stats();
    expect(stats).toMatchObject({ maxNodeHandshakes: 1, maxBastionHandshakes: 1, bastionConnections: 1, nodeSessions: 30, retries: 0 });
    // the three sshds were handshaking at once: nothing fleet-wide held them to one
    expect(stats.maxHandshakesInFlight).toBe(3);
    expect(jump.tcpConnections).toBe(1);
  });

  it('keeps handshakes across the fleet under maxHandshakes when one is set', async () => {
    const { nodes, specs, inv } = await fleet(30);
    const ssh = connector(inv, { maxHandshakes: 8 });
    const results = await Promise.all(specs.map(async (spec) => (await ssh.connect(spec)).exec(sh`echo ok`)));
    expect(results.every((r) => r.stdout.toString() === 'ok\n')).toBe(true);
    expect(ssh.stats()).toMatchObject({ maxHandshakesInFlight: 8, maxNodeHandshakes: 1, bastionConnections: 1, nodeSessions: 30, retries: 0 });
    expect(nodes.every((n) => n.tcpConnections === 1 && n.maxUnauthenticatedSeen === 1)).toBe(true);

    // unbounded, the same 30 nodes handshake more than 8 at once (the bound above is what held them)
    const { specs: others, inv: otherInv } = await fleet(30);
    const free = connector(otherInv);
    await Promise.all(others.map(async (spec) => (await free.connect(spec)).exec(sh`true`)));
    expect(free.stats().maxHandshakesInFlight).toBeGreaterThan(8);
  });

  it('logs in to one bastion at most bastionHandshakes at a time, however many connections its pool opens', async () => {
    const { jump, specs, inv } = await fleet(10);
    const ssh = connector(inv, { bastionConnections: 10, bastionHandshakes: 3 });
    await Promise.all(specs.map(async (spec) => (await ssh.connect(spec)).exec(sh`true`)));
    expect(jump.tcpConnections).toBe(10);
    expect(jump.maxUnauthenticatedSeen).toBe(3);
    expect(ssh.stats()).toMatchObject({ maxBastionHandshakes: 3, bastionConnections: 10, nodeSessions: 10, retries: 0 });
  });

  it('retries bastion logins its sshd dropped when more were let through than its MaxStartups', async () => {
    const jump = await bastion({ maxUnauthenticated: 3 });
    const nodes = await Promise.all(Array.from({ length: 10 }, (_, i) => node(`node-${i + 1}`)));
    const specs = nodes.map((n, i) => hostSpec(`node-${i + 1}`, n.port));
    const inv = inventory(jump, specs, [hostLine(jump.port, bastionKey), ...nodes.map((n) => hostLine(n.port, nodeKey))]);
    const ssh = connector(inv, { bastionConnections: 10, bastionHandshakes: 10, retries: 8 });
    await Promise.all(specs.map(async (spec) => (await ssh.connect(spec)).exec(sh`true`)));
    expect(ssh.stats().retries).toBeGreaterThan(0);
    expect(ssh.stats().nodeSessions).toBe(10);
    expect(jump.maxUnauthenticatedSeen).toBe(3);
  });

  it('retries a bastion dial dropped before the key exchange, then gives up after the budget', async () => {
    const { jump, specs, inv } = await (async () => {
      const j = await bastion({ dropFirst: 2 });
      const n = await node('node-1');
      const s = [hostSpec('node-1', n.port)];
      return { jump: j, specs: s, inv: inventory(j, s, [hostLine(j.port, bastionKey), hostLine(n.port, nodeKey)]) };
    })();
    const ssh = connector(inv);
    const spec = specs[0];
    if (spec === undefined) throw new Error('no node');
    await ssh.connect(spec);
    expect(ssh.stats()).toMatchObject({ retries: 2, bastionConnections: 3 });
    expect(jump.tcpConnections).toBe(3);

    const hostile = await bastion({ dropFirst: 100 });
    const ssh2 = connector({ ...inv, bastion: { host: '127.0.0.1', port: hostile.port, user: 'ops', identityFile: operator.privatePath } }, { retries: 2 });
    const error = await ssh2.connect(spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect(error).toMatchObject({ failure: 'banner', hop: 'bastion', host: 'node-1' });
    // The bastion dial is retried twice; the node connect does not retry it again.
    expect(hostile.tcpConnections).toBe(3);
  });

  it('refuses a changed node key while the other nodes succeed, and never accepts it', async () => {
    const { jump, nodes, specs } = await fleet(3);
    const lines = [hostLine(jump.port, bastionKey), ...nodes.map((n, i) => hostLine(n.port, i === 1 ? otherKey : nodeKey))];
    const ssh = connector(inventory(jump, specs, lines), { acceptNew: true });
    const outcomes = await Promise.allSettled(specs.map(async (spec) => (await ssh.connect(spec)).exec(sh`echo hi`)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const failure = outcomes[1];
    if (failure?.status !== 'rejected') throw new Error('expected a failure');
    expect(failure.reason).toBeInstanceOf(ConnectError);
    expect(failure.reason).toMatchObject({ failure: 'hostkey-changed', host: 'node-2', hop: 'node' });
    const message = (failure.reason as Error).message;
    expect(message).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(message).toContain(nodeKey.fingerprint);
    expect(message).toContain(`[127.0.0.1]:${nodes[1]?.port}`);
  });

  it('refuses an unknown node key with a fix, and records it with acceptNew', async () => {
    const { jump, nodes, specs } = await fleet(1);
    const lines = [hostLine(jump.port, bastionKey)];
    const spec = specs[0];
    if (spec === undefined) throw new Error('no node');
    const strict = inventory(jump, specs, lines);
    const error = await connector(strict).connect(spec).catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: 'hostkey-unknown', hop: 'node', host: 'node-1' });
    const message = (error as Error).message;
    expect(message).toContain(nodeKey.fingerprint);
    expect(message).toContain('ecdsa-sha2-nistp256');
    expect(message).toContain('ssh-keyscan');
    expect(message).toContain('--accept-new');

    const accepting = connector(strict, { acceptNew: true });
    await (await accepting.connect(spec)).exec(sh`true`);
    expect(readFileSync(strict.knownHosts, 'utf8')).toContain(`[127.0.0.1]:${nodes[0]?.port} ecdsa-sha2-nistp256 ${nodeKey.blob.toString('base64')}`);
    // A fresh connector reading the file now trusts it.
    await connector(strict).connect(spec);
  });

  it('reports an unknown bastion key at the bastion hop', async () => {
    const { specs, inv } = await fleet(1);
    const lines = readFileSync(inv.knownHosts, 'utf8').split('\n').slice(1);
    writeFileSync(inv.knownHosts, lines.join('\n'));
    const spec = specs[0];
    if (spec === undefined) throw new Error('no node');
    const error = await connector(inv).connect(spec).catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: 'hostkey-unknown', hop: 'bastion', host: 'node-1' });
    expect((error as Error).message).toContain(bastionKey.fingerprint);
  });

  it('fails with BecomeError when sudo wants a password', async () => {
    const { specs, inv } = await fleet(1, { sudo: 'password' });
    const spec = specs[0];
    if (spec === undefined) throw new Error('no node');
    const transport = await connector(inv).connect(spec);
    const error = await transport.exec(sh`id -u`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BecomeError);
    expect((error as Error).message).toContain('ops@127.0.0.1');
    // The same user without become is fine.
    expect((await transport.exec(sh`echo plain`, { become: false })).stdout.toString()).toBe('plain\n');
  });

  it('stops oversized output and keeps the session usable', async () => {
    const { specs, inv } = await fleet(1);
    const spec = specs[0];
    if (spec === undefined) throw new Error('no node');
    const transport = await connector(inv).connect(spec);
    const big = await transport.exec(sh`head -c 100000 /dev/zero`, { maxOutputBytes: 1000 }).catch((e: unknown) => e);
    expect(big).toMatchObject({ code: 'remote-command', timedOut: false });
    expect((await transport.exec(sh`echo still`)).stdout.toString()).toBe('still\n');
  });

  it('the node ends a script at its deadline and says so; the session stays usable', async () => {
    const { specs, inv } = await fleet(1);
    const spec = specs[0];
    if (spec === undefined) throw new Error('no node');
    const transport = await connector(inv).connect(spec);
    const started = Date.now();
    const slow = await transport.exec(sh`echo begun; sleep 30`, { timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(slow).toBeInstanceOf(RemoteCommandError);
    expect(slow).toMatchObject({ timedOut: true, endedOnNode: true, host: 'node-1', message: expect.stringMatching(/within 1 s; the node ended it/) });
    expect(Date.now() - started).toBeLessThan(4000);
    expect((await transport.exec(sh`echo still`)).stdout.toString()).toBe('still\n');
  });

  it('times out an exec the node does not answer and drops that session: later steps fail at once, a new connect starts afresh', async () => {
    const { specs, inv } = await fleet(1);
    const spec = specs[0];
    if (spec === undefined) throw new Error('no node');
    const ssh = connector(inv);
    const transport = await ssh.connect(spec);
    // the script freezes its own supervisor: the node can no longer report, only the controller's timer ends the wait
    const slow = await transport.exec(sh`kill -STOP "$PPID"; sleep 30`, { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(slow).toBeInstanceOf(RemoteCommandError);
    expect(slow).toMatchObject({ timedOut: true, endedOnNode: false, host: 'node-1', message: expect.stringMatching(/did not finish within 1 s/) });
    const started = Date.now();
    await expect.poll(() => transport.exec(sh`echo late`).catch((e: unknown) => e), { timeout: 3000 }).toMatchObject({ code: 'connect-closed' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await (await ssh.connect(spec)).exec(sh`echo fresh`)).stdout.toString()).toBe('fresh\n');
  }, 20_000);

  it("notices at once a node that drops the connection mid-script (the bastion leaves the channel half-open)", async () => {
    const { nodes, specs, inv } = await fleet(1);
    const spec = specs[0];
    if (spec === undefined) throw new Error('no node');
    const transport = await connector(inv).connect(spec);
    const started = Date.now();
    const running = transport.exec(sh`sleep 30`).catch((e: unknown) => e);
    setTimeout(() => nodes[0]?.dropAll(), 300);
    expect(await running).toMatchObject({ code: 'connect-closed', hop: 'node' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('limits exec channels per host', async () => {
    const { nodes, specs, inv } = await fleet(1);
    const spec = specs[0];
    if (spec === undefined) throw new Error('no node');
    const transport = await connector(inv).connect(spec);
    await Promise.all(Array.from({ length: 12 }, () => transport.exec(sh`sleep 0.05`)));
    expect(nodes[0]?.maxConcurrentExecs).toBe(4);
  });

  it('fails a partitioned node alone within the connect timeout', async () => {
    const { jump, nodes, specs, inv } = await fleet(3);
    jump.blackhole(nodes[2]?.port ?? 0);
    // long enough for a healthy handshake on a busy 2-core machine (lab tests run alongside),
    // far below the 15 s default: the partitioned node is cut off by this timeout, not another
    const ssh = connector(inv, { connectTimeoutMs: 2000 });
    const started = Date.now();
    const outcomes = await Promise.allSettled(specs.map(async (spec) => (await ssh.connect(spec)).exec(sh`echo ok`)));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const failed = outcomes[2];
    expect(failed?.status === 'rejected' ? failed.reason : undefined).toMatchObject({ failure: 'timeout', hop: 'node', host: 'node-3' });
  });

  it('fails sessions of a dead bastion with hop bastion, and re-dials for later connects', async () => {
    const { jump, specs, inv } = await fleet(2);
    const ssh = connector(inv);
    const [a, b] = specs;
    if (a === undefined || b === undefined) throw new Error('no nodes');
    const first = await ssh.connect(a);
    const running = first.exec(sh`sleep 2`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    jump.dropAll();
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect(error).toMatchObject({ failure: 'closed', hop: 'bastion', host: 'node-1' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(first.exec(sh`true`)).rejects.toMatchObject({ failure: 'closed', hop: 'bastion' });
    const again = await ssh.connect(a);
    expect(again).not.toBe(first);
    expect((await (await ssh.connect(b)).exec(sh`echo b`)).stdout.toString()).toBe('b\n');
    expect(ssh.stats().bastionConnections).toBe(2);
  });

  it('names user@host when authentication fails, and explains passphrase-protected keys', async () => {
    const { specs, inv } = await fleet(1);
    const spec = specs[0];
    if (spec === undefined) throw new Error('no node');
    const stranger = keys.key('ed25519', 'stranger');
    const wrongKey = connector({ ...inv, bastion: inv.bastion && { ...inv.bastion, identityFile: stranger.privatePath } });
    await expect(wrongKey.connect(spec)).rejects.toMatchObject({ failure: 'auth', hop: 'bastion', host: 'node-1' });
    const nodeAuth = await connector(inv).connect({ ...spec, identityFile: stranger.privatePath }).catch((e: unknown) => e);
    expect(nodeAuth).toMatchObject({ failure: 'auth', hop: 'node' });
    expect((nodeAuth as Error).message).toContain('ops@127.0.0.1');

    const locked = join(keys.dir, 'locked');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret-pass', '-f', locked]);
    const error = await connector(inv).connect({ ...spec, identityFile: locked }).catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: 'auth', hop: 'node' });
    expect((error as Error).message).toMatch(/passphrase-protected/);
    expect((error as Error).message).not.toContain('secret-pass');
    const agentless = await connector(inv).connect({ ...spec, identityFile: undefined }).catch((e: unknown) => e);
    expect((agentless as Error).message).toMatch(/SSH_AUTH_SOCK/);
  });

  it('authenticates with ssh-agent when no identityFile is given', async () => {
    const { specs, inv } = await fleet(1);
    const socket = join(keys.dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    cleanups.push(async () => {
      agent.kill();
    });
    for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    execFileSync('ssh-add', ['-q', operator.privatePath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'pipe' });
    const viaAgent = { ...inv, bastion: inv.bastion && { ...inv.bastion, identityFile: undefined } };
    const spec = specs[0];
    if (spec === undefined) throw new Error('no node');
    const ssh = connector(viaAgent, { agentSocket: socket });
    const result = await (await ssh.connect({ ...spec, identityFile: undefined })).exec(sh`echo agent`);
    expect(result.stdout.toString()).toBe('agent\n');
  });

  it('honours an AbortSignal and closeAll', async () => {
    const { jump, nodes, specs, inv } = await fleet(2);
    jump.blackhole(nodes[1]?.port ?? 0);
    const ssh = connector(inv);
    const [a, b] = specs;
    if (a === undefined || b === undefined) throw new Error('no nodes');
    const controller = new AbortController();
    const pending = ssh.connect(b, controller.signal);
    setTimeout(() => controller.abort(new Error('operator cancelled')), 100);
    await expect(pending).rejects.toThrow('operator cancelled');
    const transport = await ssh.connect(a);
    const execController = new AbortController();
    const running = transport.exec(sh`sleep 5`, { signal: execController.signal });
    setTimeout(() => execController.abort(new Error('stop')), 100);
    await expect(running).rejects.toThrow('stop');
    await ssh.closeAll();
    await expect(transport.exec(sh`true`)).rejects.toMatchObject({ failure: 'closed' });
    await expect(ssh.connect(a)).rejects.toMatchObject({ failure: 'closed' });
  });
});

describe('createSshConnector without a bastion', () => {
  it('never trips a MaxStartups-like limit with 30 names for one sshd: one handshake at a time', async () => {
    const shared = await node('shared', { maxUnauthenticated: 2 });
    const specs = Array.from({ length: 30 }, (_, i) => hostSpec(`alias-${i + 1}`, shared.port));
    const ssh = connector(inventory(undefined, specs, [hostLine(shared.port, nodeKey)]), { retries: 0 });
    await Promise.all(specs.map(async (spec) => (await ssh.connect(spec)).exec(sh`true`)));
    expect(ssh.stats()).toMatchObject({ retries: 0, nodeSessions: 30, maxNodeHandshakes: 1, maxHandshakesInFlight: 1, bastionConnections: 30 });
    expect(shared.tcpConnections).toBe(30);
    expect(shared.maxUnauthenticatedSeen).toBe(1);
  });

  it('connects directly, under the same per-sshd bound, retrying dropped handshakes', async () => {
    const nodes = await Promise.all([node('node-1', { dropFirst: 1 }), node('node-2')]);
    const specs = nodes.map((n, i) => hostSpec(`node-${i + 1}`, n.port, { user: 'root' }));
    const ssh = connector(inventory(undefined, specs, nodes.map((n) => hostLine(n.port, nodeKey))));
    const results = await Promise.all(specs.map(async (spec) => (await ssh.connect(spec)).exec(sh`printf %s "$FAKE_NODE"`)));
    expect(results.map((r) => r.stdout.toString())).toEqual(['node-1', 'node-2']);
    expect(ssh.stats()).toMatchObject({ bastionConnections: 3, nodeSessions: 2, retries: 1 });
    expect(nodes.every((n) => n.commands[0] === '/bin/sh -s')).toBe(true);
  });
});

describe('createSshConnector with hosts from an ssh config (their own bastion and known_hosts)', () => {
  it('gives each distinct bastion its own connection, reaches a `bastion: null` host directly, and reads each host its own known_hosts', async () => {
    const [jumpA, jumpB] = [await bastion(), await bastion()];
    const nodes = await Promise.all(['node-1', 'node-2', 'node-3', 'node-4'].map((n) => node(n)));
    const spec = (b: FakeBastion | undefined) => (b === undefined ? null : { host: '127.0.0.1', port: b.port, user: 'ops', identityFile: operator.privatePath });
    // node-4's keys are only in a file of its own: the shared one does not know it
    const own = join(keys.dir, 'known_hosts_node4');
    writeFileSync(own, `${hostLine(nodes[3]!.port, nodeKey)}\n`);
    const specs = [
      hostSpec('node-1', nodes[0]!.port, { bastion: spec(jumpA) }),
      hostSpec('node-2', nodes[1]!.port, { bastion: spec(jumpA) }),
      hostSpec('node-3', nodes[2]!.port, { bastion: spec(jumpB) }),
      hostSpec('node-4', nodes[3]!.port, { bastion: null, ssh: { knownHosts: own } }),
    ];
    const inv = inventory(undefined, specs, [hostLine(jumpA.port, bastionKey), hostLine(jumpB.port, bastionKey), ...nodes.slice(0, 3).map((n) => hostLine(n.port, nodeKey))]);
    const ssh = connector(inv);
    const results = await Promise.all(specs.map(async (s) => (await ssh.connect(s)).exec(sh`printf "%s" "$FAKE_NODE"`)));
    expect(results.map((r) => r.stdout.toString())).toEqual(['node-1', 'node-2', 'node-3', 'node-4']);
    expect([jumpA.tcpConnections, jumpB.tcpConnections]).toEqual([1, 1]);
    expect(nodes.map((n) => n.tcpConnections)).toEqual([1, 1, 1, 1]);
    // the shared known_hosts does not vouch for node-4 when it is read for node-4's own
    const strict = connector(inventory(undefined, [], []));
    await expect(strict.connect(hostSpec('node-4', nodes[3]!.port, { bastion: null, ssh: { knownHosts: inv.knownHosts } }))).rejects.toMatchObject({ failure: 'hostkey-unknown' });
  });

  it('records a new key with accept-new from the host settings alone, and never a changed one', async () => {
    const target = await node('node-1');
    const file = join(keys.dir, 'known_hosts_accept_unit');
    writeFileSync(file, '');
    const ssh = connector(inventory(undefined, [], []));
    const host = hostSpec('node-1', target.port, { bastion: null, ssh: { knownHosts: file, acceptNew: true } });
    await (await ssh.connect(host)).exec(sh`true`);
    expect(readFileSync(file, 'utf8')).toBe(`${hostLine(target.port, nodeKey)}\n`);
    writeFileSync(file, `${hostLine(target.port, otherKey)}\n`);
    const again = connector(inventory(undefined, [], []));
    await expect(again.connect(host)).rejects.toMatchObject({ failure: 'hostkey-changed' });
    expect(readFileSync(file, 'utf8')).toBe(`${hostLine(target.port, otherKey)}\n`);
  });
});
