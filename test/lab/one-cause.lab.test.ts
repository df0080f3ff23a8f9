import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { labFault, labHeal } from '../../lab/lab.ts';
import { testLab } from './helpers.ts';
import { nodeward } from './nodeward.ts';

const count = (text: string, pattern: RegExp): number => text.match(new RegExp(pattern.source, 'g'))?.length ?? 0;

describe('one message per cause (lab)', () => {
  const lab = testLab();
  const inventory = lab.info.files.inventory;
  const names = lab.info.nodes.map((n) => n.name);

  afterEach(async () => {
    await labHeal();
  });

  it('a bastion that refuses the connection is one message for the run, naming the nodes behind it', async () => {
    await labFault('bastion-down', 'bastion');
    const result = await nodeward(['plan', '-i', inventory, 'kernel']);
    expect(result.code).toBe(1);
    // before: once in the progress, once per node block, once per summary row: 3 per node
    expect(count(result.stdout, /connection refused/)).toBe(1);
    expect(count(result.stderr, /connection refused/)).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^${names[0]}…${names.at(-1)} \\(${names.length} nodes\\): not reached through the bastion: bastion ${lab.info.bastion.address.replaceAll('.', '\\.')}:22: connection refused`, 'm'));
  });

  it('a known_hosts or identity file that does not exist is an input error at its field, before any connection', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nw-files-'));
    await copyFile(lab.info.files.kubeconfig, join(dir, 'kubeconfig'));
    await copyFile(lab.info.files.identityFile, join(dir, 'id_ed25519'));
    const text = await readFile(inventory, 'utf8');
    await writeFile(join(dir, 'inventory.yaml'), text);
    const stats = join(dir, 'stats.jsonl');
    const result = await nodeward(['plan', '-i', join(dir, 'inventory.yaml'), '--connection-stats', stats]);
    expect(result.code).toBe(1);
    const line = text.split('\n').findIndex((l) => l.startsWith('knownHosts:')) + 1;
    expect(result.stderr).toContain(`${join(dir, 'inventory.yaml')}:${line}:13: knownHosts ${join(dir, 'known_hosts')}: no such file`);
    expect(result.stdout).toBe('');
    // nothing was contacted: no connector was even made
    await expect(readFile(stats, 'utf8')).rejects.toThrow(/ENOENT/);

    await copyFile(lab.info.files.knownHosts, join(dir, 'known_hosts'));
    await writeFile(join(dir, 'inventory.yaml'), text.replaceAll('./id_ed25519', './id_missing'));
    const key = await nodeward(['plan', '-i', join(dir, 'inventory.yaml')]);
    expect(key.code).toBe(1);
    expect(count(key.stderr, /id_missing: no such file/)).toBe(1);
    expect(key.stderr).toMatch(new RegExp(`(bastion|defaults)\\.identityFile .*id_missing: no such file \\(the key of ${names.length + 1} hosts: the bastion, ${names[0]}`));
  });

  it('Ctrl-C during a plan says so once, not once per node', async () => {
    await labFault('latency', 'bastion', '300');
    const result = await nodeward(['plan', '-i', inventory, 'kernel'], {
      timeoutMs: 60_000,
      started: (child) => setTimeout(() => child.kill('SIGINT'), 1500),
    });
    expect(result.code).toBe(130);
    const all = result.stdout + result.stderr;
    expect(count(all, /SIGINT/)).toBeLessThanOrEqual(1);
    expect(count(all, /interrupted/)).toBeLessThanOrEqual(2);
    expect(result.stdout).toMatch(/\(interrupted\)/);
  });
});
