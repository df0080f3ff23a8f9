import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/config/load-inventory.ts';
import { testLab } from './helpers.ts';
import { nodeward } from './nodeward.ts';

describe('nodeward init (lab)', () => {
  const lab = testLab();

  it('writes a commented inventory from the cluster\'s Nodes that plans the lab, with the known_hosts commands', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nw-init-'));
    const file = join(dir, 'inventory.yaml');
    const result = await nodeward(['init', '--bastion', `ops@${lab.info.bastion.address}`, '--kubeconfig', lab.info.files.kubeconfig, '--identity-file', lab.info.files.identityFile, '--out', file]);
    expect(result.code, result.stderr).toBe(0);
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/^# yaml-language-server: \$schema=.*schema\/inventory\.schema\.json$/m);
    expect(text).toMatch(/^# kubeconfig|^kubeconfig: /m);
    const inventory = parseInventory(text, file, { home: '/root' });
    expect(inventory.nodes.map((n) => [n.name, n.address])).toEqual(lab.info.nodes.map((n) => [n.name, n.address]));
    expect(inventory.bastion).toMatchObject({ host: lab.info.bastion.address, port: 22, user: 'ops' });
    // the guidance: the bastion's key from here, the nodes' scanned on the bastion, or --accept-new
    expect(result.stdout).toContain(`ssh-keyscan -p 22 -t ed25519,ecdsa ${lab.info.bastion.address} >> ./known_hosts`);
    expect(result.stdout).toContain(`ssh -p 22 ops@${lab.info.bastion.address} ssh-keyscan -t ed25519,ecdsa ${lab.info.nodes.map((n) => n.address).join(' ')} >> ./known_hosts`);
    expect(result.stdout).toContain(`nodeward plan -i ${file} --accept-new`);

    // as the guidance says: the first run records the keys, the next one checks them
    const first = await nodeward(['plan', '-i', file, 'kernel', '--accept-new', '-q']);
    expect(first.code, first.stderr).toBe(2);
    expect((await readFile(join(dir, 'known_hosts'), 'utf8')).split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(lab.info.nodes.length + 1);
    expect((await nodeward(['plan', '-i', file, 'kernel', '-q'])).code).toBe(2);

    const again = await nodeward(['init', '--nodes', 'a=10.0.0.1', '--out', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists: pass --force/);
  });

  it('takes a list: NAME=ADDRESS, bare addresses and host names; refuses bad ones; - writes to stdout', async () => {
    const listed = await nodeward(['init', '--bastion', 'jump.example.net:2222', '--user', 'admin', '--nodes', 'db-1=10.0.0.5,10.0.0.6', '--nodes', 'web-a.example.net', '--out', '-']);
    expect(listed.code, listed.stderr).toBe(0);
    const inventory = parseInventory(listed.stdout, '/x/inventory.yaml', { home: '/root' });
    expect(inventory.nodes.map((n) => [n.name, n.address, n.user])).toEqual([
      ['db-1', '10.0.0.5', 'admin'],
      ['node-2', '10.0.0.6', 'admin'],
      ['web-a', 'web-a.example.net', 'admin'],
    ]);
    expect(inventory.bastion).toMatchObject({ host: 'jump.example.net', port: 2222, user: 'admin' });
    expect(listed.stderr).toContain('ssh -p 2222 admin@jump.example.net ssh-keyscan');
    const bad = await nodeward(['init', '--nodes', 'x=10.0.0.1;rm', '--out', '-']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/the address must not contain shell metacharacters/);
    const none = await nodeward(['init', '--out', '-']);
    expect(none.stderr).toMatch(/say which nodes: --nodes/);
  });
});
