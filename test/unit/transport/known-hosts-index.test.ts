import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexKnownHosts, parseKnownHosts, preferredHostKeyAlgorithms, verifyHostKey } from '../../../src/transport/known-hosts.ts';
import { makeKeyDir } from './keys.ts';
import type { TestKey } from './keys.ts';

const keys = makeKeyDir();
let ed: TestKey;
let ed2: TestKey;
let ecdsa: TestKey;

beforeAll(() => {
  ed = keys.key('ed25519', 'host_ed');
  ed2 = keys.key('ed25519', 'host_ed2');
  ecdsa = keys.key('ecdsa', 'host_ecdsa');
});
afterAll(() => keys.cleanup());

const line = (hosts: string, key: TestKey, marker = ''): string => `${marker}${marker ? ' ' : ''}${hosts} ${key.type} ${key.blob.toString('base64')}`;

describe('indexKnownHosts', () => {
  it('gives the same verdicts and algorithm preferences as scanning every entry', () => {
    const hashedFile = join(keys.dir, 'hashed');
    writeFileSync(hashedFile, `${line('10.0.0.9', ed)}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', hashedFile], { stdio: 'ignore' });
    const hashed = execFileSync('cat', [hashedFile], { encoding: 'utf8' }).trim();
    const text = [
      line('10.0.0.1', ed),
      line('10.0.0.1', ecdsa),
      line('[10.0.0.2]:2201,Node-Two', ed2),
      line('10.0.0.*', ecdsa),
      line('10.0.0.3,!10.0.0.4', ed),
      line('10.0.0.5', ed2, '@revoked'),
      line('10.0.0.5', ed2),
      hashed,
      line('10.0.0.1', ed2),
    ].join('\n');
    const { entries } = parseKnownHosts(text);
    const index = indexKnownHosts(entries);
    const lookups: [string, number][] = [['10.0.0.1', 22], ['10.0.0.2', 2201], ['node-two', 22], ['10.0.0.3', 22], ['10.0.0.4', 22], ['10.0.0.5', 22], ['10.0.0.9', 22], ['10.0.0.7', 22], ['10.9.9.9', 22]];
    for (const [host, port] of lookups) {
      for (const key of [ed, ed2, ecdsa]) {
        expect(verifyHostKey(index.candidates(host, port), host, port, key.blob), `${host}:${port}`).toEqual(verifyHostKey(entries, host, port, key.blob));
      }
      expect(preferredHostKeyAlgorithms(index.candidates(host, port), host, port)).toEqual(preferredHostKeyAlgorithms(entries, host, port));
    }
  });

  it('looks up exact names without testing unrelated lines, and sees entries added later', () => {
    const { entries } = parseKnownHosts(Array.from({ length: 1000 }, (_, i) => line(`198.19.${i >> 8}.${i & 255}`, ed)).join('\n'));
    const index = indexKnownHosts(entries);
    expect(index.candidates('198.19.1.7', 22)).toHaveLength(1);
    expect(index.candidates('198.19.9.9', 22)).toHaveLength(0);
    const added = parseKnownHosts(line('198.19.9.9', ed2)).entries[0];
    if (added) index.add(added);
    expect(verifyHostKey(index.candidates('198.19.9.9', 22), '198.19.9.9', 22, ed2.blob).status).toBe('match');
  });
});
