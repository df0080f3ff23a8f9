import { sh as shTag } from '../../../src/node/sh.ts';
import type { Script } from '../../../src/node/sh.ts';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockScript, parseLockOutput, splitLockOutput, unlockScript } from '../../../src/apply/scripts/lock.ts';
import { newBoundary } from '../../../src/facts/frame.ts';
import { inlineFacts } from '../../../src/facts/gather.ts';
import { parsePendingRuns, parseRollbackOutput, rollbackScript } from '../../../src/apply/scripts/rollback.ts';
import { parseWriteOutput, writeScript } from '../../../src/apply/scripts/write.ts';
import type { Operation } from '../../../src/plan/types.ts';
import { localTransport } from '../../fakes/local-transport.ts';

// The node-side scripts run here with /bin/sh on temp files: real file system effects, no SSH.
let dir: string;
let state: string;
const sh = localTransport();
const exec = async (script: Script) => (await sh.exec(script)).stdout;
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nw-apply-'));
  state = join(dir, 'state');
  await mkdir(join(dir, 'etc'));
  await writeFile(join(dir, 'etc', 'a.conf'), 'original a\n');
  await chmod(join(dir, 'etc', 'a.conf'), 0o644);
  await chown(join(dir, 'etc', 'a.conf'), 1000, 1000);
  await writeFile(join(dir, 'etc', 'b.key'), Buffer.from([1, 2, 3, 0, 255]));
  await chmod(join(dir, 'etc', 'b.key'), 0o640);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function ops(): Operation[] {
  return [
    { op: 'writeFile', path: join(dir, 'etc', 'a.conf'), content: b64('new a\n'), mode: '0600', owner: 'root', group: 'root' },
    { op: 'writeFile', path: join(dir, 'etc', 'new', 'c.conf'), content: b64('created\n'), mode: undefined, owner: undefined, group: undefined },
    { op: 'chmod', path: join(dir, 'etc', 'b.key'), mode: '0600' },
    { op: 'deleteFile', path: join(dir, 'etc', 'b.key') },
  ];
}

describe('write and rollback scripts (local sh)', () => {
  it('backs up, writes atomically with mode and owner, records owed restarts, then rolls back byte for byte', async () => {
    const out = parseWriteOutput(await exec(writeScript({ stateDir: state, runId: '20261126T000000Z-aaaaaa', operations: ops(), owedRestarts: ['kubelet'] })));
    expect(out.failure).toBeUndefined();
    expect(out.done).toBe(true);
    const a = join(dir, 'etc', 'a.conf');
    expect(await readFile(a, 'utf8')).toBe('new a\n');
    expect(((await stat(a)).mode & 0o7777).toString(8)).toBe('600');
    expect((await stat(a)).uid).toBe(0);
    expect(await readFile(join(dir, 'etc', 'new', 'c.conf'), 'utf8')).toBe('created\n');
    expect(((await stat(join(dir, 'etc', 'new', 'c.conf'))).mode & 0o777).toString(8)).toBe('644');
    await expect(stat(join(dir, 'etc', 'b.key'))).rejects.toThrow();
    const run = join(state, 'runs', '20261126T000000Z-aaaaaa');
    expect(await readFile(join(run, 'owed'), 'utf8')).toBe('kubelet\n');
    expect(await readFile(join(run, 'state'), 'utf8')).toBe('written\n');
    expect(((await stat(state)).mode & 0o777).toString(8)).toBe('700');
    // backups of world-readable files are root-only too; the manifest keeps their real modes
    for (const f of await readdir(join(run, 'backup'))) expect(((await stat(join(run, 'backup', f))).mode & 0o777).toString(8)).toBe('600');
    expect(((await stat(join(run, 'manifest'))).mode & 0o777).toString(8)).toBe('600');
    expect(((await stat(run)).mode & 0o777).toString(8)).toBe('700');
    expect((await readdir(join(dir, 'etc'))).filter((f) => f.includes('.tmp'))).toEqual([]);

    const back = parseRollbackOutput(await exec(rollbackScript({ stateDir: state, runId: '20261126T000000Z-aaaaaa', verifyUnchanged: false })));
    expect(back.failure).toBeUndefined();
    expect(await readFile(a, 'utf8')).toBe('original a\n');
    expect(((await stat(a)).mode & 0o7777).toString(8)).toBe('644');
    expect((await stat(a)).uid).toBe(1000);
    expect(await readFile(join(dir, 'etc', 'b.key'))).toEqual(Buffer.from([1, 2, 3, 0, 255]));
    expect(((await stat(join(dir, 'etc', 'b.key'))).mode & 0o777).toString(8)).toBe('640');
    await expect(stat(join(dir, 'etc', 'new', 'c.conf'))).rejects.toThrow();
    await expect(stat(join(dir, 'etc', 'new'))).rejects.toThrow();
    // it says what the run had changed; nothing was restarted yet, so nothing is owed
    expect(back.undone).toEqual([`file ${join(dir, 'etc', 'b.key')}`, `created ${join(dir, 'etc', 'new', 'c.conf')}`, `file ${a}`, `dir ${join(dir, 'etc', 'new')}`]);
    expect(back.owed).toEqual([]);
    expect(await readFile(join(run, 'state'), 'utf8')).toBe('rolled-back\n');
  });

  it('a rollback after the run restarted a service owes that restart again, and a second one finds nothing to undo', async () => {
    const runId = '20261126T000000Z-a1a1a1';
    const a = join(dir, 'etc', 'a.conf');
    await exec(writeScript({ stateDir: state, runId, operations: [ops()[0] as Operation], owedRestarts: ['containerd', 'kubelet'] }));
    // as the restart script records it before restarting containerd
    await exec(shTag`printf 'restarting\\n' > ${join(state, 'runs', runId, 'state')}; printf 'containerd\\n' >> ${join(state, 'runs', runId, 'restarted')}`);
    const back = parseRollbackOutput(await exec(rollbackScript({ stateDir: state, runId, verifyUnchanged: false })));
    expect(back).toMatchObject({ done: true, undone: [`file ${a}`], owed: ['containerd'] });
    expect(await readFile(join(state, 'runs', runId, 'state'), 'utf8')).toBe('restored\n');
    expect(await readFile(join(state, 'runs', runId, 'owed'), 'utf8')).toBe('containerd\n');
    const again = parseRollbackOutput(await exec(rollbackScript({ stateDir: state, runId, verifyUnchanged: false })));
    expect(again).toMatchObject({ done: true, undone: [], owed: ['containerd'] });
  });

  it('a rollback of a run that never finished writing owes no restart, and says what it undid', async () => {
    const out = parseWriteOutput(await exec(writeScript({ stateDir: state, runId: '20261126T000000Z-a0a0a0', operations: [ops()[0] as Operation, { op: 'chmod', path: join(dir, 'etc', 'missing'), mode: '0600' }], owedRestarts: ['kubelet'] })));
    expect(out.failure?.step).toBe('op-1');
    const back = parseRollbackOutput(await exec(rollbackScript({ stateDir: state, runId: '20261126T000000Z-a0a0a0', verifyUnchanged: false })));
    expect(back).toMatchObject({ done: true, undone: [`file ${join(dir, 'etc', 'a.conf')}`], owed: [] });
    expect(await readFile(join(state, 'runs', '20261126T000000Z-a0a0a0', 'state'), 'utf8')).toBe('rolled-back\n');
    const again = parseRollbackOutput(await exec(rollbackScript({ stateDir: state, runId: '20261126T000000Z-a0a0a0', verifyUnchanged: true })));
    expect(again.alreadyAt).toBeGreaterThan(0);
  });

  it('stops at the first failure, leaves no temp file, and the rollback restores what was done', async () => {
    const bad: Operation[] = [
      ops()[0] as Operation,
      { op: 'chmod', path: join(dir, 'etc', 'missing'), mode: '0600' },
    ];
    const out = parseWriteOutput(await exec(writeScript({ stateDir: state, runId: '20261126T000000Z-bbbbbb', operations: bad, owedRestarts: [] })));
    expect(out.done).toBe(false);
    expect(out.failure?.step).toBe('op-1');
    expect(await readFile(join(dir, 'etc', 'a.conf'), 'utf8')).toBe('new a\n');
    parseRollbackOutput(await exec(rollbackScript({ stateDir: state, runId: '20261126T000000Z-bbbbbb', verifyUnchanged: false })));
    expect(await readFile(join(dir, 'etc', 'a.conf'), 'utf8')).toBe('original a\n');
  });

  it('refuses to write through a symlink, before touching anything', async () => {
    const { symlink } = await import('node:fs/promises');
    await symlink(join(dir, 'etc', 'a.conf'), join(dir, 'etc', 'link'));
    const out = parseWriteOutput(
      await exec(writeScript({ stateDir: state, runId: '20261126T000000Z-cccccc', operations: [{ op: 'writeFile', path: join(dir, 'etc', 'link'), content: b64('x'), mode: '0600', owner: 'root', group: 'root' }], owedRestarts: [] })),
    );
    expect(out.failure?.step).toBe('backup-0');
    expect(await readFile(join(dir, 'etc', 'a.conf'), 'utf8')).toBe('original a\n');
  });

  it('a later rollback refuses files edited since the run', async () => {
    await exec(writeScript({ stateDir: state, runId: '20261126T000000Z-dddddd', operations: [ops()[0] as Operation], owedRestarts: [] }));
    await writeFile(join(dir, 'etc', 'a.conf'), 'hand edit\n');
    const back = parseRollbackOutput(await exec(rollbackScript({ stateDir: state, runId: '20261126T000000Z-dddddd', verifyUnchanged: true })));
    expect(back.failure?.step).toBe('verify');
    expect(await readFile(join(dir, 'etc', 'a.conf'), 'utf8')).toBe('hand edit\n');
  });

  it('lists runs left unfinished once the lock is taken', async () => {
    await exec(writeScript({ stateDir: state, runId: '20261126T000000Z-eeeeee', operations: [ops()[0] as Operation], owedRestarts: ['containerd', 'kubelet'] }));
    const lock = await exec(lockScript({ stateDir: state, runId: '20261126T000000Z-ffffff', owner: 'ops@ctl', pid: 1, command: 'nodeward apply', ttlSeconds: 60 }));
    expect(parseLockOutput(lock)).toEqual({ status: 'acquired' });
    expect(parsePendingRuns(lock)).toEqual([{ runId: '20261126T000000Z-eeeeee', state: 'written', owed: ['containerd', 'kubelet'] }]);
  });

  it('takes only run ids nodeward names from the list, never another directory name as a path', () => {
    const answer = Buffer.from('NW_LOCK acquired\nNW_PENDING ../../etc written kubelet\nNW_PENDING 20261126T000000Z-eeeeee written kubelet\n');
    expect(parsePendingRuns(answer)).toEqual([{ runId: '20261126T000000Z-eeeeee', state: 'written', owed: ['kubelet'] }]);
  });
});

describe('lock script (local sh)', () => {
  const request = (runId: string, ttlSeconds = 60) => ({ stateDir: state, runId, owner: 'ops@ctl', pid: 42, command: 'nodeward apply', ttlSeconds });

  it('acquires, refuses a second run, refreshes its own, releases', async () => {
    expect(parseLockOutput(await exec(lockScript(request('20261126T000000Z-111111'))))).toEqual({ status: 'acquired' });
    const held = parseLockOutput(await exec(lockScript(request('20261126T000000Z-222222'))));
    expect(held).toMatchObject({ status: 'held', holder: { runId: '20261126T000000Z-111111', owner: 'ops@ctl', pid: '42' } });
    expect(parseLockOutput(await exec(lockScript(request('20261126T000000Z-111111'))))).toEqual({ status: 'refreshed' });
    await exec(unlockScript(state, '20261126T000000Z-222222'));
    expect(parseLockOutput(await exec(lockScript(request('20261126T000000Z-222222'))))?.status).toBe('held');
    await exec(unlockScript(state, '20261126T000000Z-111111'));
    expect(parseLockOutput(await exec(lockScript(request('20261126T000000Z-222222'))))).toEqual({ status: 'acquired' });
  });

  it('takes over an expired lock and says whose it was', async () => {
    await exec(lockScript(request('20261126T000000Z-333333', 1)));
    await new Promise((r) => setTimeout(r, 2100));
    expect(parseLockOutput(await exec(lockScript(request('20261126T000000Z-444444'))))).toMatchObject({ status: 'taken-over', previous: { runId: '20261126T000000Z-333333' } });
  });

  describe('with the facts in the same exec', () => {
    // a file whose content says what the lock part says: it must reach the facts, never the lock's parsers
    const hostile = 'NW_LOCK held\nNW_PENDING 20261126T000000Z-999999 started\nNW_FACTS NWB00\n\u0000\xff end';
    const asked = () => {
      const facts = inlineFacts([{ kind: 'file', path: join(dir, 'etc', 'hostile'), content: true, follow: false, sensitive: false }]);
      return { facts, token: newBoundary() };
    };
    const lockWith = async (runId: string, a: ReturnType<typeof asked>) => splitLockOutput(await exec(lockScript({ ...request(runId), facts: { script: a.facts.script, token: a.token } })), a.token);

    it('answers them once the lock is ours, byte for byte, and the lock part is read from the lock lines alone', async () => {
      await writeFile(join(dir, 'etc', 'hostile'), hostile, 'latin1');
      const a = asked();
      const out = await lockWith('20261126T000000Z-111111', a);
      expect(parseLockOutput(out.lock)).toEqual({ status: 'acquired' });
      expect(parsePendingRuns(out.lock)).toEqual([]);
      expect(out.facts).toBeDefined();
      const file = a.facts.read('local', out.facts ?? Buffer.alloc(0)).files.get(join(dir, 'etc', 'hostile'));
      expect(file?.exists).toBe(true);
      expect(file?.exists === true && file.content?.toString('latin1')).toBe(hostile);
      // refreshed (the same run again) answers them too
      const again = await lockWith('20261126T000000Z-111111', asked());
      expect(parseLockOutput(again.lock)).toEqual({ status: 'refreshed' });
      expect(again.facts).toBeDefined();
    });

    it('leaves them out where the lock is another run\'s, taken over, or an earlier run is to be recovered first', async () => {
      await writeFile(join(dir, 'etc', 'hostile'), hostile, 'latin1');
      await exec(lockScript(request('20261126T000000Z-111111')));
      const held = await lockWith('20261126T000000Z-222222', asked());
      expect(parseLockOutput(held.lock)?.status).toBe('held');
      expect(held.facts).toBeUndefined();
      expect(held.lock.toString()).not.toContain('nw_sec');

      await exec(lockScript(request('20261126T000000Z-333333', 1)));
      await exec(unlockScript(state, '20261126T000000Z-111111'));
      await exec(lockScript(request('20261126T000000Z-333333', 1)));
      await new Promise((r) => setTimeout(r, 2100));
      const taken = await lockWith('20261126T000000Z-444444', asked());
      expect(parseLockOutput(taken.lock)?.status).toBe('taken-over');
      expect(taken.facts).toBeUndefined();

      await exec(unlockScript(state, '20261126T000000Z-444444'));
      await exec(writeScript({ stateDir: state, runId: '20261126T000000Z-eeeeee', operations: [ops()[0] as Operation], owedRestarts: ['kubelet'] }));
      const pending = await lockWith('20261126T000000Z-555555', asked());
      expect(parseLockOutput(pending.lock)).toEqual({ status: 'acquired' });
      expect(parsePendingRuns(pending.lock)).toEqual([{ runId: '20261126T000000Z-eeeeee', state: 'written', owed: ['kubelet'] }]);
      expect(pending.facts).toBeUndefined();
    });
  });
});
