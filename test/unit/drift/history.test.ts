import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyDir, readNodeHistory, readRunState, writeNodeHistory, writeRunState } from '../../../src/drift/history.ts';

describe('drift history on disk', () => {
  it('round-trips a node record (0600) and a run record per shard', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'nw-hist-')), 'h');
    await writeNodeHistory(dir, { version: 1, node: 'node-1', runId: 'r', at: 'now', items: [{ id: 'a:b', kind: 'a', target: 'b', summary: ['x'], rules: ['p/r'], checks: ['4.2.4'], firstSeen: 'then' }] });
    expect((await readNodeHistory(dir, 'node-1'))?.items[0]?.firstSeen).toBe('then');
    expect(((await stat(join(dir, 'nodes', 'node-1.json'))).mode & 0o777).toString(8)).toBe('600');
    expect(await readNodeHistory(dir, 'node-2')).toBeUndefined();
    await writeRunState(dir, '1/4', { version: 1, runId: 'r', at: 'now', exitCode: 2, lastSuccessAt: 'now' });
    expect(await readRunState(dir, '1/4')).toMatchObject({ exitCode: 2 });
    expect(await readRunState(dir, '0/4')).toBeUndefined();
    expect(await readFile(join(dir, 'run-1-of-4.json'), 'utf8')).toContain('"lastSuccessAt": "now"');
  });

  it('a corrupt record is ignored (the run starts afresh), never fatal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nw-hist-'));
    await writeNodeHistory(dir, { version: 1, node: 'node-1', runId: 'r', at: 'now', items: [] });
    await writeFile(join(dir, 'nodes', 'node-1.json'), '{ half');
    expect(await readNodeHistory(dir, 'node-1')).toBeUndefined();
  });

  it('keeps one history per inventory and playbook set', () => {
    const a = historyDir('/s', '/i/inventory.yaml', ['/p/b.yaml', '/p/a.yaml']);
    expect(historyDir('/s', '/i/inventory.yaml', ['/p/a.yaml', '/p/b.yaml'])).toBe(a);
    expect(historyDir('/s', '/i/inventory.yaml', ['/p/a.yaml'])).not.toBe(a);
    expect(historyDir('/s', '/j/inventory.yaml', ['/p/a.yaml', '/p/b.yaml'])).not.toBe(a);
  });
});
