import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRunJournal, readRunJournal } from '../../../src/journal/run-journal.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nw-journal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('run journal', () => {
  it('keeps every concurrent node update, each on disk when its caller resumes', async () => {
    const runId = '20261126T000000Z-abcdef';
    const journal = await createRunJournal({ runId, command: 'apply', operator: 'ops@ctl', reason: undefined, startedAt: new Date().toISOString(), inventory: '/i.yaml', playbooks: [], options: {} }, dir);
    const names = Array.from({ length: 100 }, (_, i) => `node-${i + 1}`);
    await Promise.all(
      names.map(async (name) => {
        await journal.updateNode({ name, address: '198.19.0.1', status: 'pending', reason: undefined, changes: [], restarted: [], nodeBackupDir: '/var/lib/nodeward/runs/x', updatedAt: new Date().toISOString() });
        // resolved only once a write that holds this node's update is on disk
        const onDisk = JSON.parse(await readFile(journal.path, 'utf8')) as { nodes: Record<string, unknown> };
        expect(onDisk.nodes[name]).toBeDefined();
      }),
    );
    await journal.finish();
    const record = await readRunJournal(runId, dir);
    expect(Object.keys(record.nodes).sort()).toEqual([...names].sort());
    expect(record.finishedAt).toBeDefined();
  });

  it('lets an early caller resume while later updates keep arriving', async () => {
    const journal = await createRunJournal({ runId: '20261126T000000Z-abcdee', command: 'apply', operator: 'ops@ctl', reason: undefined, startedAt: new Date().toISOString(), inventory: '/i.yaml', playbooks: [], options: {} }, dir);
    const update = (name: string) => journal.updateNode({ name, address: '198.19.0.1', status: 'pending', reason: undefined, changes: [], restarted: [], nodeBackupDir: '/x', updatedAt: new Date().toISOString() });
    let firstOnDisk = false;
    const first = update('first').then(() => {
      firstOnDisk = true;
    });
    const later: Promise<void>[] = [];
    // a steady stream of updates (one per event-loop turn) must not hold the first caller back
    for (let turn = 0; turn < 5000 && !firstOnDisk; turn += 1) {
      later.push(update(`later-${turn}`));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(firstOnDisk).toBe(true);
    await Promise.all([first, ...later]);
    expect(Object.keys((await readRunJournal('20261126T000000Z-abcdee', dir)).nodes)).toHaveLength(later.length + 1);
  });

  it('rejects the callers whose update a failed write held', async () => {
    const journal = await createRunJournal({ runId: '20261126T000000Z-abcded', command: 'apply', operator: 'ops@ctl', reason: undefined, startedAt: new Date().toISOString(), inventory: '/i.yaml', playbooks: [], options: {} }, dir);
    // the journal's directory replaced by a file: no write can succeed
    await rm(dir, { recursive: true, force: true });
    await writeFile(dir, 'not a directory');
    await expect(journal.updateNode({ name: 'n', address: '198.19.0.1', status: 'pending', reason: undefined, changes: [], restarted: [], nodeBackupDir: '/x', updatedAt: new Date().toISOString() })).rejects.toThrow();
  });
});
