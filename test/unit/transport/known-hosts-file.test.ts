import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKnownHostsFile } from '../../../src/transport/known-hosts-file.ts';
import { makeKeyDir } from './keys.ts';
import type { TestKey } from './keys.ts';

const keys = makeKeyDir();
let ed: TestKey;
let ecdsa: TestKey;
beforeAll(() => {
  ed = keys.key('ed25519', 'a');
  ecdsa = keys.key('ecdsa', 'b');
});
afterAll(() => keys.cleanup());

describe('loadKnownHostsFile', () => {
  it('appends accepted keys without touching existing lines, even without a final newline', async () => {
    const path = join(keys.dir, 'kh1');
    const original = `# keep me\nbastion ${ecdsa.type} ${ecdsa.blob.toString('base64')}`;
    writeFileSync(path, original);
    const file = await loadKnownHostsFile(path);
    expect(file.verify('198.19.0.10', 2222, ed.blob).status).toBe('unknown');
    await Promise.all([
      file.accept('198.19.0.10', 2222, ed.type, ed.blob),
      file.accept('198.19.0.10', 2222, ed.type, ed.blob),
    ]);
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith(`${original}\n`)).toBe(true);
    expect(text.slice(original.length + 1)).toBe(`[198.19.0.10]:2222 ${ed.type} ${ed.blob.toString('base64')}\n`);
    expect(file.verify('198.19.0.10', 2222, ed.blob).status).toBe('match');
    expect(file.preferredAlgorithms('198.19.0.10', 2222)[0]).toBe('ssh-ed25519');
  });

  it('treats a missing file as empty and creates it on accept', async () => {
    const path = join(keys.dir, 'kh-missing');
    const file = await loadKnownHostsFile(path);
    expect(file.verify('node', 22, ed.blob).status).toBe('unknown');
    await file.accept('node', 22, ed.type, ed.blob);
    expect(readFileSync(path, 'utf8')).toBe(`node ${ed.type} ${ed.blob.toString('base64')}\n`);
  });
});
