import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HostSpec } from '../../../src/config/types.ts';
import { createRunJournal } from '../../../src/journal/run-journal.ts';
import type { NodePlan, Plan } from '../../../src/plan/types.ts';
import type { PlanOverrides, RolloutInputs } from '../../../src/rollout/prepared.ts';
import { resumeRollout } from '../../../src/rollout/resume.ts';
import { fixturePath } from '../config/fixtures.ts';

let dir: string;
let inventory: string;
const saved = process.env['XDG_STATE_HOME'];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nw-resume-'));
  process.env['XDG_STATE_HOME'] = dir;
  inventory = join(dir, 'inventory.yaml');
  await writeFile(inventory, await readFile(fixturePath('inventory', 'valid', 'lab-style.yaml')));
  for (const name of ['known_hosts', 'kubeconfig', 'id_ed25519']) await writeFile(join(dir, name), 'x\n');
});
afterEach(async () => {
  if (saved === undefined) delete process.env['XDG_STATE_HOME'];
  else process.env['XDG_STATE_HOME'] = saved;
  await rm(dir, { recursive: true, force: true });
});

const RUN = '20261203T100000Z-abc123';
const DEAD_PID = 4_194_303; // above the default pid_max: no process has it

async function interruptedRollout(): Promise<void> {
  const journal = await createRunJournal({
    runId: RUN,
    command: 'rollout',
    operator: 'ops@ctl',
    reason: 'CVE-1',
    startedAt: '2026-12-03T10:00:00Z',
    inventory,
    playbooks: ['/p/fix.yaml'],
    options: { waves: '1,100%', plan: [['node-1'], ['node-2']], soakSeconds: 0, drain: false, drainTimeoutSeconds: 300, maxFailures: '0', healthTimeout: '77', lockTtl: '900', limit: [], playbookDigests: { '/p/fix.yaml': 'sha-1' } },
    attempts: [{ runId: RUN, startedAt: '2026-12-03T10:00:00Z', operator: 'ops@ctl', pid: DEAD_PID, hostname: hostname(), reason: 'CVE-1' }],
  });
  await journal.updateNode({ name: 'node-1', address: '198.19.0.11', status: 'applied', reason: undefined, changes: ['c1'], restarted: [], nodeBackupDir: '/var/lib/nodeward/runs/x', updatedAt: '2026-12-03T10:01:00Z' });
}

function fakePlanner(digest: string) {
  const host = (name: string): HostSpec => ({ name, address: '198.19.0.12' }) as unknown as HostSpec;
  const node: NodePlan = { name: 'node-2', address: '198.19.0.12', status: 'changes', error: undefined, changes: [{ id: 'c' } as NodePlan['changes'][number]], restarts: [], skipped: [] };
  return vi.fn(async (_playbooks: readonly string[], _overrides: PlanOverrides): Promise<{ inputs: RolloutInputs; plan: Plan }> => ({
    inputs: { inventory: { file: inventory }, hosts: [host('node-2')], playbooks: [{ file: '/p/fix.yaml' }], entriesByHost: new Map([['node-2', []]]), sources: { playbooks: [{ file: '/p/fix.yaml', sha256: digest }] } },
    plan: { version: 1, createdAt: '', inventory: { file: inventory, sha256: '' }, playbooks: [], limit: [], nodes: [node] },
  }));
}

describe('rollout --resume', () => {
  it('continues with the nodes not done, its recorded playbooks and its own gate tunings', async () => {
    await interruptedRollout();
    const planner = fakePlanner('sha-1');
    const prepared = await resumeRollout({ runId: RUN, inventoryFor: (recorded) => recorded, tuning: {}, lockWait: false }, planner);
    expect(planner).toHaveBeenCalledWith(['/p/fix.yaml'], { inventory, limit: ['node-2'] });
    expect(prepared.work.waves.map((w) => w.map((i) => i.host.name))).toEqual([['node-2']]);
    expect({ fleet: prepared.fleet, doneBefore: prepared.doneBefore, canaryFirst: prepared.canaryFirst, reason: prepared.reason }).toEqual({ fleet: 2, doneBefore: 1, canaryFirst: false, reason: 'CVE-1' });
    expect(prepared.gate).toEqual({ healthTimeout: '77', lockTtl: '900' });
    expect(prepared.attemptId).not.toBe(RUN);
    expect(prepared.takeOverFrom).toEqual([RUN]);
  });

  it('a gate tuning given anew wins over the recorded one', async () => {
    await interruptedRollout();
    const prepared = await resumeRollout({ runId: RUN, inventoryFor: (recorded) => recorded, tuning: { healthTimeout: '30' }, lockWait: false }, fakePlanner('sha-1'));
    expect(prepared.gate).toEqual({ healthTimeout: '30', lockTtl: '900' });
  });

  it('refuses a playbook edited since the run started: that is another patch', async () => {
    await interruptedRollout();
    await expect(resumeRollout({ runId: RUN, inventoryFor: (recorded) => recorded, tuning: {}, lockWait: false }, fakePlanner('sha-2'))).rejects.toThrow('/p/fix.yaml changed since run 20261203T100000Z-abc123 started: that is another patch, so start a new rollout');
  });

  it('refuses to race an attempt still running on this machine', async () => {
    await interruptedRollout();
    const journalFile = join(dir, 'nodeward', 'runs', `${RUN}.json`);
    const record = JSON.parse(await readFile(journalFile, 'utf8')) as { attempts: { pid: number }[] };
    // a process whose command line says rollout, as a live attempt's does
    const attempt = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', 'rollout'], { stdio: 'ignore' });
    try {
      record.attempts[0]!.pid = attempt.pid ?? 0;
      await writeFile(journalFile, JSON.stringify(record));
      await new Promise((r) => setTimeout(r, 200));
      await expect(resumeRollout({ runId: RUN, inventoryFor: (recorded) => recorded, tuning: {}, lockWait: false }, fakePlanner('sha-1'))).rejects.toThrow(new RegExp(`run ${RUN} is still running \\(pid ${attempt.pid}`));
    } finally {
      attempt.kill();
    }
  });
});
