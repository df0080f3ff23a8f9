import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { effectiveSsh } from '../../../src/config/ssh/effective.ts';
import type { EffectiveSsh } from '../../../src/config/ssh/effective.ts';
import { readSshConfig } from '../../../src/config/ssh/read-ssh-config.ts';
import { resolveSshHost } from '../../../src/config/ssh/resolve.ts';

/**
 * nodeward's reading of ssh configs against OpenSSH's own: generated configs (Host patterns
 * with negation, Match host/originalhost/user/localuser/all with comma lists and `!`,
 * Include with globs inside and outside blocks, first-value-wins across all of it) are
 * resolved for a set of names by nodeward and by `ssh -G -F FILE NAME`, key by key for every
 * key nodeward honours.
 */

const hasSsh = spawnSync('ssh', ['-V']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'nw-sshcfg-'));
afterAll(() => {
  if (process.env["NODEWARD_KEEP_ORACLE"] === undefined) rmSync(dir, { recursive: true, force: true });
});

const SEEDS = Number(process.env["NODEWARD_ORACLE_SEEDS"] ?? "80");
const NAMES = ['node-1', 'node-2', 'node-10', 'web.example.com', 'db.example.org', 'Bastion', 'bastion', '10.1.2.3', 'x'];

/** A small deterministic PRNG (mulberry32): the same configs every run, a seed per config. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOST_PATTERNS = ['*', 'node-*', 'node-?', '!node-2', 'web.*', '*.example.*', 'db.example.org', 'bastion', 'Bastion', '10.1.*', 'x', 'node-1,node-2', '!*.org', 'NODE-*'];
const LIST_PATTERNS = ['node-*', '!node-1', '*.example.com', 'bastion', '10.0.0.*', '10.1.*', 'x', '!x', 'real-*', 'abc.*', '*.net', 'WEB.*'];
const USERS = ['root', 'ops', 'r*', '!root', 'admin', '!ops', 'o?s'];
const OPTIONS: readonly [string, readonly string[]][] = [
  ['HostName', ['10.0.0.%h', 'real-%h.example.net', 'Fixed.Example.COM', 'h-%%', '"10.0.0.9"', 'abc.%h']],
  ['User', ['ops', 'admin', 'root']],
  ['Port', ['2222', '22', '2200']],
  ['IdentityFile', ['~/.ssh/id_a', '~/keys/%h_%r', '/k/%n-%p', '"/k/with space"']],
  ['IdentitiesOnly', ['yes', 'no']],
  ['ProxyJump', ['ops@bastion', 'jump:2200', 'none', 'a@b:22', 'a,b']],
  ['ProxyCommand', ['nc %h %p', 'none']],
  ['UserKnownHostsFile', ['~/.ssh/kh_%h', '/tmp/kh %n', '~/kh/%r@%h:%p', '/kh/%u-%i-%d-%k-%C-%L-%l']],
  ['StrictHostKeyChecking', ['yes', 'accept-new', 'ask', 'no']],
  ['ConnectTimeout', ['5', '1m', 'none']],
  ['ServerAliveInterval', ['10', '0', '1m30s']],
  ['ServerAliveCountMax', ['2', '5']],
];

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)] as T;
}

function optionLine(r: () => number): string {
  const [keyword, values] = pick(r, OPTIONS);
  const shown = r() < 0.2 ? keyword.toLowerCase() : keyword;
  const value = pick(r, values);
  return r() < 0.15 ? `  ${shown}=${value}` : `  ${shown} ${value}`;
}

function list(r: () => number, items: readonly string[]): string {
  return Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(r, items)).join(',');
}

function header(r: () => number): string {
  const roll = r();
  if (roll < 0.45) return `Host ${Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(r, HOST_PATTERNS)).join(' ')}`;
  const criteria: string[] = [];
  const count = 1 + Math.floor(r() * 2);
  for (let i = 0; i < count; i++) {
    const neg = r() < 0.2 ? '!' : '';
    const kind = pick(r, ['host', 'host', 'originalhost', 'user', 'localuser', 'all']);
    if (kind === 'all') {
      if (criteria.length === 0) criteria.push('all');
      break;
    }
    criteria.push(`${neg}${r() < 0.2 ? kind.toUpperCase() : kind} ${list(r, kind.endsWith('user') ? USERS : LIST_PATTERNS)}`);
  }
  return `Match ${criteria.join(' ')}`;
}

function block(r: () => number, includes: string[]): string[] {
  const lines = [header(r)];
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) lines.push(optionLine(r));
  if (includes.length > 0 && r() < 0.3) lines.push(`  Include ${includes.shift()}`);
  return lines;
}

function generate(seed: number): string {
  const r = rng(seed);
  const sub = join(dir, `inc-${seed}`);
  mkdirSync(sub, { recursive: true });
  // included files, some through a glob (sorted by name, as glob(3) returns them)
  const includes: string[] = [];
  for (let i = 0; i < 2; i++) {
    const body = [...(r() < 0.5 ? [optionLine(r)] : []), ...block(r, []), ...block(r, [])];
    writeFileSync(join(sub, `part-${i}.conf`), body.join('\n') + '\n');
  }
  includes.push(r() < 0.5 ? join(sub, 'part-*.conf') : join(sub, 'part-1.conf'));
  includes.push(join(sub, 'part-0.conf'));
  const lines: string[] = ['# generated', ...Array.from({ length: Math.floor(r() * 3) }, () => optionLine(r).trim())];
  if (r() < 0.3) lines.push(`Include ${includes.shift()}`);
  const blocks = 2 + Math.floor(r() * 5);
  for (let i = 0; i < blocks; i++) lines.push('', ...block(r, includes));
  return lines.join('\n') + '\n';
}


function sshG(file: string, name: string): Record<string, string[]> | { error: string } {
  const run = spawnSync('ssh', ['-G', '-F', file, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (run.status !== 0) return { error: run.stderr };
  const out = run.stdout;
  const keys: Record<string, string[]> = {};
  for (const line of out.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const key = line.slice(0, space).toLowerCase();
    (keys[key] ??= []).push(line.slice(space + 1));
  }
  return keys;
}

/** nodeward's answer in ssh -G's words. */
function asSshG(e: EffectiveSsh): Record<string, string[] | undefined> {
  return {
    hostname: [e.hostname],
    user: [e.user],
    port: [String(e.port)],
    identityfile: [...e.identityfile],
    identitiesonly: [e.identitiesonly ? 'yes' : 'no'],
    proxyjump: e.proxyjump === undefined ? undefined : [e.proxyjump],
    proxycommand: e.proxycommand === undefined ? undefined : [e.proxycommand],
    userknownhostsfile: [e.userknownhostsfile.join(' ')],
    stricthostkeychecking: [{ yes: 'true', no: 'false', ask: 'ask', 'accept-new': 'accept-new' }[e.stricthostkeychecking]],
    connecttimeout: [e.connecttimeout === undefined ? 'none' : String(e.connecttimeout)],
    serveraliveinterval: [String(e.serveraliveinterval)],
    serveralivecountmax: [String(e.serveralivecountmax)],
  };
}

const me = userInfo();
const local = { user: me.username, home: me.homedir, uid: me.uid, hostName: hostname() };

describe.skipIf(!hasSsh)('ssh config resolution against ssh -G', () => {
  it(`agrees with OpenSSH on ${SEEDS} generated configs × ${NAMES.length} names, key by key`, async () => {
    let compared = 0;
    let loops = 0;
    const seen = new Set<string>();
    for (let seed = 1; seed <= SEEDS; seed++) {
      const file = join(dir, `config-${seed}`);
      writeFileSync(file, generate(seed));
      const { config, issues } = await readSshConfig(file, local.home);
      expect(issues).toEqual([]);
      for (const name of NAMES) {
        const theirs = sshG(file, name);
        const ours = asSshG(effectiveSsh(resolveSshHost(config!, name, { localUser: local.user }).options, local).effective);
        if ('error' in theirs) {
          // ssh refuses a host that jumps through itself; nodeward sees the same ProxyJump (and refuses two hops)
          expect(theirs.error).toContain('jumphost loop');
          expect(ours['proxyjump']?.[0]?.toLowerCase()).toMatch(new RegExp(`(^|@)${name.toLowerCase()}(:|$)`));
          loops++;
          continue;
        }
        for (const [key, value] of Object.entries(ours)) {
          const context = `${file} ${name} ${key}`;
          expect({ context, value: theirs[key] }).toEqual({ context, value });
          if (value !== undefined) seen.add(`${key}=${value.join(' ')}`);
          compared++;
        }
      }
    }
    // the generator reaches the cases it is meant to (an oracle that only sees defaults proves little)
    expect(compared).toBe((SEEDS * NAMES.length - loops) * 12);
    expect(loops).toBeLessThan(SEEDS);
    for (const expected of ['hostname=10.0.0.node-1', 'port=2222', 'proxyjump=ops@bastion', 'stricthostkeychecking=accept-new', 'connecttimeout=60', 'serveraliveinterval=90', 'identitiesonly=yes']) {
      expect(seen.has(expected), expected).toBe(true);
    }
    expect([...seen].filter((s) => s.startsWith('userknownhostsfile=')).length).toBeGreaterThan(5);
  }, SEEDS * 2_000);
});
