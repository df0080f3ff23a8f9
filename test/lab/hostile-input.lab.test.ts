import { createServer, type Server } from 'node:net';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execIn } from '../../lab/exec.ts';
import { labReset } from '../../lab/lab.ts';
import { testLab } from './helpers.ts';
import { nodeSnapshot, nodeward } from './nodeward.ts';

// A corpus of broken and hostile inventories and playbooks. Each must end in exit 1 with an
// error naming file, line and column, with no connection made to any host and nothing changed.
const corpus = join(import.meta.dirname, '../fixtures/hostile');
const PWNED = '/tmp/nw-pwned';

function expectedPosition(text: string): string {
  const match = /# expect: (\d+):(\d+)/.exec(text);
  if (!match) throw new Error('fixture without # expect: line:col');
  return `${match[1]}:${match[2]}`;
}

describe('hostile and broken input', () => {
  let server: Server;
  let port = 0;
  let connections = 0;
  let dir: string;

  beforeAll(async () => {
    // stands where the bastion would be: any connection to it means we contacted something
    server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
    dir = await mkdtemp(join(tmpdir(), 'nw-hostile-'));
    await writeFile(join(dir, 'known_hosts'), '');
    await writeFile(join(dir, 'id'), ''); // read only at connect, which these tests never reach
    await writeFile(join(dir, 'good.yaml'), `bastion: { host: 127.0.0.1, port: ${port}, user: ops }\nknownHosts: ./known_hosts\ndefaults: { user: ops, identityFile: ./id }\nnodes:\n  - { name: node-1, address: 198.19.0.11 }\n`);
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it.each(readdirSync(join(corpus, 'inventory')))('inventory %s: error at its line and column, nothing contacted', async (name) => {
    const text = (await readFile(join(corpus, 'inventory', name), 'utf8')).replaceAll('__BASTION_PORT__', String(port));
    const file = join(dir, name);
    await writeFile(file, text);
    const before = connections;
    const result = await nodeward(['plan', '-i', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:${expectedPosition(text)}: `);
    expect(result.stdout).toBe('');
    expect(connections).toBe(before);
    expect(existsSync(PWNED)).toBe(false);
  });

  it.each(readdirSync(join(corpus, 'playbook')))('playbook %s: error at its line and column, nothing contacted', async (name) => {
    const file = join(corpus, 'playbook', name);
    const before = connections;
    const result = await nodeward(['apply', '--yes', '-i', join(dir, 'good.yaml'), file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:${expectedPosition(await readFile(file, 'utf8'))}: `);
    expect(connections).toBe(before);
    expect(existsSync(PWNED)).toBe(false);
  });

  it('against the real lab: no node is touched and the bastion sees no connection', async () => {
    const lab = testLab();
    await labReset();
    const snapshots = await Promise.all(lab.info.nodes.map((n) => nodeSnapshot(n.name)));
    const established = async () => (await execIn(lab.info.bastion.pid, ['sh', '-c', 'ss -Htn state established "( sport = :22 )" | wc -l'])).stdout.trim();
    const idle = await established();
    for (const name of await readdir(join(corpus, 'playbook'))) {
      const result = await nodeward(['apply', '--yes', '-i', lab.info.files.inventory, join(corpus, 'playbook', name)]);
      expect(result.code).toBe(1);
    }
    expect(await established()).toBe(idle);
    expect(await Promise.all(lab.info.nodes.map((n) => nodeSnapshot(n.name)))).toEqual(snapshots);
  });
});
