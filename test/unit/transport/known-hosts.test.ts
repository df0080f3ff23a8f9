import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatKnownHostsLine,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
  verifyHostKey,
} from '../../../src/transport/known-hosts.ts';
import { fingerprintSha256, readKeyType } from '../../../src/transport/ssh-key-blob.ts';
import { makeKeyDir } from './keys.ts';
import type { TestKey } from './keys.ts';

const keys = makeKeyDir();
let ed: TestKey;
let ed2: TestKey;
let ecdsa: TestKey;
let rsa: TestKey;

beforeAll(() => {
  ed = keys.key('ed25519', 'host_ed');
  ed2 = keys.key('ed25519', 'host_ed2');
  ecdsa = keys.key('ecdsa', 'host_ecdsa');
  rsa = keys.key('rsa', 'host_rsa');
});
afterAll(() => keys.cleanup());

const line = (hosts: string, key: TestKey, marker = ''): string =>
  `${marker}${marker ? ' ' : ''}${hosts} ${key.type} ${key.blob.toString('base64')} comment`;

describe('key blobs', () => {
  it('reads the key type and computes the fingerprint ssh-keygen -l prints', () => {
    for (const key of [ed, ecdsa, rsa]) {
      expect(readKeyType(key.blob)).toBe(key.type);
      expect(fingerprintSha256(key.blob)).toBe(key.fingerprint);
    }
    expect(readKeyType(Buffer.from([0, 0]))).toBeUndefined();
    expect(readKeyType(Buffer.from([0, 0, 1, 0, 65]))).toBeUndefined();
  });
});

describe('parseKnownHosts', () => {
  it('skips comments and blank lines and reports malformed lines', () => {
    const text = [
      '# comment',
      '',
      line('node-1', ed),
      'node-2 ssh-ed25519',
      'node-3 ssh-ed25519 !!notbase64',
      `node-4 ssh-rsa ${ed.blob.toString('base64')}`,
      '@bogus node-5 ssh-ed25519 AAAA',
      '|1|short|short ssh-ed25519 ' + ed.blob.toString('base64'),
      line('node-6', ecdsa) + '\r',
    ].join('\n');
    const { entries, issues } = parseKnownHosts(text);
    expect(entries.map((entry) => entry.line)).toEqual([3, 9]);
    expect(issues.map((issue) => issue.line)).toEqual([4, 5, 6, 7, 8]);
    expect(issues[2]?.message).toMatch(/does not match/);
  });
});

describe('verifyHostKey', () => {
  it('matches plain names, comma lists and case-insensitively', () => {
    const { entries } = parseKnownHosts(line('bastion.example,198.18.0.2', ed));
    expect(verifyHostKey(entries, '198.18.0.2', 22, ed.blob).status).toBe('match');
    expect(verifyHostKey(entries, 'Bastion.Example', 22, ed.blob).status).toBe('match');
    expect(verifyHostKey(entries, '198.18.0.3', 22, ed.blob).status).toBe('unknown');
  });

  it('uses [host]:port for ports other than 22, as ssh does', () => {
    const { entries } = parseKnownHosts([line('[198.19.0.10]:2222', ed), line('198.19.0.11', ecdsa)].join('\n'));
    expect(verifyHostKey(entries, '198.19.0.10', 2222, ed.blob).status).toBe('match');
    expect(verifyHostKey(entries, '198.19.0.10', 22, ed.blob).status).toBe('unknown');
    expect(verifyHostKey(entries, '198.19.0.11', 2200, ecdsa.blob).status).toBe('unknown');
  });

  it('matches hashed entries written by ssh-keygen -H', () => {
    const file = join(keys.dir, 'hashed_known_hosts');
    writeFileSync(file, [line('198.19.0.10', ed), line('[198.19.0.11]:2222', ecdsa)].join('\n') + '\n');
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'pipe' });
    const { entries, issues } = parseKnownHosts(execFileSync('cat', [file], { encoding: 'utf8' }));
    expect(issues).toEqual([]);
    expect(entries.every((entry) => entry.hosts.kind === 'hashed')).toBe(true);
    expect(verifyHostKey(entries, '198.19.0.10', 22, ed.blob).status).toBe('match');
    expect(verifyHostKey(entries, '198.19.0.11', 2222, ecdsa.blob).status).toBe('match');
    expect(verifyHostKey(entries, '198.19.0.11', 22, ecdsa.blob).status).toBe('unknown');
    expect(verifyHostKey(entries, '198.19.0.10', 22, ed2.blob).status).toBe('changed');
  });

  it('supports * and ? wildcards and !negation', () => {
    const { entries } = parseKnownHosts(
      [line('198.19.0.*,!198.19.0.13', ed), line('node-?.lab', ecdsa), line('[198.19.1.*]:2222', rsa)].join('\n'),
    );
    expect(verifyHostKey(entries, '198.19.0.12', 22, ed.blob).status).toBe('match');
    expect(verifyHostKey(entries, '198.19.0.13', 22, ed.blob).status).toBe('unknown');
    expect(verifyHostKey(entries, 'node-7.lab', 22, ecdsa.blob).status).toBe('match');
    expect(verifyHostKey(entries, 'node-17.lab', 22, ecdsa.blob).status).toBe('unknown');
    expect(verifyHostKey(entries, '198.19.1.5', 2222, rsa.blob).status).toBe('match');
    // A literal dot in a pattern is not a regex wildcard.
    expect(verifyHostKey(entries, '198x19.0.12', 22, ed.blob).status).toBe('unknown');
  });

  it('says changed when a different key is known, naming the offending line', () => {
    const { entries } = parseKnownHosts(['# header', line('node-1', ed)].join('\n'));
    const verdict = verifyHostKey(entries, 'node-1', 22, ed2.blob);
    expect(verdict).toMatchObject({ status: 'changed', keyType: 'ssh-ed25519', fingerprint: ed2.fingerprint, offendingLines: [2] });
  });

  it('treats a key of a new type as changed when another type is known', () => {
    const { entries } = parseKnownHosts(line('node-1', ecdsa));
    const verdict = verifyHostKey(entries, 'node-1', 22, ed.blob);
    expect(verdict.status).toBe('changed');
    expect(verdict.knownKeyTypes).toEqual(['ecdsa-sha2-nistp256']);
  });

  it('matches any of several known key types', () => {
    const { entries } = parseKnownHosts([line('node-1', ed), line('node-1', ecdsa), line('node-1', rsa)].join('\n'));
    for (const key of [ed, ecdsa, rsa]) expect(verifyHostKey(entries, 'node-1', 22, key.blob).status).toBe('match');
  });

  it('refuses @revoked keys even when also listed as valid', () => {
    const { entries } = parseKnownHosts(
      [line('node-1', ed), line('*', ed, '@revoked'), line('*.lab', ecdsa, '@cert-authority')].join('\n'),
    );
    expect(verifyHostKey(entries, 'node-1', 22, ed.blob)).toMatchObject({ status: 'revoked', offendingLines: [2] });
  });

  it('tells a host only a @cert-authority vouches for from an unknown one (its plain key still counts)', () => {
    const { entries } = parseKnownHosts(
      [line('node-1.lab', ed), line('*.lab', ecdsa, '@cert-authority'), line('node-9', rsa)].join('\n'),
    );
    // the CA's own key is never a host key: presenting it is no match
    expect(verifyHostKey(entries, 'node-2.lab', 22, ecdsa.blob)).toMatchObject({ status: 'certified-only', offendingLines: [2] });
    expect(verifyHostKey(entries, 'node-2.lab', 22, ed.blob).status).toBe('certified-only');
    expect(verifyHostKey(entries, 'node-1.lab', 22, ed.blob).status).toBe('match');
    expect(verifyHostKey(entries, 'node-1.lab', 22, rsa.blob).status).toBe('changed');
    expect(verifyHostKey(entries, 'node-2.other', 22, ed.blob).status).toBe('unknown');
  });

  it('ssh2 still cannot negotiate certificate host keys (when this fails, support @cert-authority instead of refusing)', () => {
    const constants = createRequire(import.meta.url)('ssh2/lib/protocol/constants.js') as { SUPPORTED_SERVER_HOST_KEY: string[] };
    expect(constants.SUPPORTED_SERVER_HOST_KEY.length).toBeGreaterThan(3);
    expect(constants.SUPPORTED_SERVER_HOST_KEY.filter((a) => a.includes('-cert-'))).toEqual([]);
  });
});

describe('preferredHostKeyAlgorithms', () => {
  it('puts the known key types first and keeps the rest', () => {
    const { entries } = parseKnownHosts([line('node-1', ecdsa), line('node-2', rsa)].join('\n'));
    const forNode1 = preferredHostKeyAlgorithms(entries, 'node-1', 22);
    expect(forNode1[0]).toBe('ecdsa-sha2-nistp256');
    expect(forNode1).toContain('ssh-ed25519');
    expect(preferredHostKeyAlgorithms(entries, 'node-2', 22).slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(preferredHostKeyAlgorithms(entries, 'node-3', 22)[0]).toBe('ssh-ed25519');
  });
});

describe('formatKnownHostsLine', () => {
  it('writes lines that ssh-keygen -F finds and we parse back', () => {
    const file = join(keys.dir, 'accepted_known_hosts');
    const lines = [formatKnownHostsLine('198.19.0.10', 22, ed.type, ed.blob), formatKnownHostsLine('198.19.0.11', 2222, ecdsa.type, ecdsa.blob)];
    writeFileSync(file, lines.join('\n') + '\n');
    expect(lines[1]).toMatch(/^\[198\.19\.0\.11\]:2222 ecdsa-sha2-nistp256 /);
    expect(execFileSync('ssh-keygen', ['-F', '[198.19.0.11]:2222', '-f', file], { encoding: 'utf8' })).toContain('ecdsa-sha2-nistp256');
    const { entries } = parseKnownHosts(lines.join('\n'));
    expect(verifyHostKey(entries, '198.19.0.10', 22, ed.blob).status).toBe('match');
    expect(() => formatKnownHostsLine('a b', 22, ed.type, ed.blob)).toThrow();
  });
});
