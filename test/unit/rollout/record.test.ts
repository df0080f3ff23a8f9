import { describe, expect, it } from 'vitest';
import type { JournalNode, RunAttempt, RunRecord } from '../../../src/journal/run-journal.ts';
import { adoptFinished } from '../../../src/rollout/adopt.ts';
import { checkAttempts, remainingWork, rolloutSettings } from '../../../src/rollout/record.ts';

const settings = {
  waves: '1,50%,100%',
  plan: [['n1'], ['n2', 'n3'], ['n4', 'n5']],
  soakSeconds: 0,
  drain: false,
  drainTimeoutSeconds: 300,
  maxFailures: '0',
  healthTimeout: '120',
  lockTtl: '900',
  limit: [],
  playbookDigests: { '/p.yaml': 'abc' },
};

function node(name: string, status: JournalNode['status']): JournalNode {
  return { name, address: '10.0.0.1', status, reason: undefined, changes: [], restarted: [], nodeBackupDir: '/x', updatedAt: '' };
}

function attempt(runId: string, pid: number, hostname = 'ctl'): RunAttempt {
  return { runId, startedAt: '', operator: 'op@ctl', pid, hostname, reason: 'r' };
}

function record(nodes: JournalNode[], extra: Partial<RunRecord> = {}): RunRecord {
  return {
    version: 1,
    runId: 'R1',
    command: 'rollout',
    operator: 'op@ctl',
    reason: 'CVE',
    startedAt: '',
    finishedAt: undefined,
    inventory: '/inv.yaml',
    playbooks: ['/p.yaml'],
    options: settings,
    nodes: Object.fromEntries(nodes.map((n) => [n.name, n])),
    attempts: [attempt('R1', 100)],
    ...extra,
  };
}

describe('resume: what is left of a rollout', () => {
  it('skips nodes applied or in sync and keeps the waves of the rest', () => {
    const r = record([node('n1', 'applied'), node('n2', 'in-sync'), node('n3', 'rolled-back'), node('n4', 'skipped')]);
    expect(remainingWork(rolloutSettings(r), r)).toEqual({ waves: [['n3'], ['n4', 'n5']], canaryFirst: false, done: ['n1', 'n2'] });
  });
  it('keeps the canary first when it did not finish', () => {
    const r = record([node('n1', 'pending')]);
    expect(remainingWork(rolloutSettings(r), r)).toMatchObject({ waves: settings.plan, canaryFirst: true, done: [] });
  });
  it('refuses to resume what is not a rollout', () => {
    expect(() => rolloutSettings(record([], { command: 'apply' }))).toThrow(/not a rollout/);
    expect(() => rolloutSettings(record([], { options: { batch: '1' } }))).toThrow(/cannot resume|does not describe/);
  });
});

describe('resume: earlier attempts', () => {
  const here = (alive: boolean) => ({ hostname: 'ctl', alive: () => alive });
  it('refuses while the earlier attempt still runs on this machine', () => {
    expect(checkAttempts(record([]), here(true)).live?.pid).toBe(100);
  });
  it('takes over the locks of a dead or finished attempt', () => {
    expect(checkAttempts(record([]), here(false))).toEqual({ live: undefined, takeOverFrom: ['R1'] });
    expect(checkAttempts(record([], { finishedAt: 'x' }), here(true))).toEqual({ live: undefined, takeOverFrom: ['R1'] });
  });
  it('leaves the locks of an unfinished attempt on another machine to expire', () => {
    const r = record([], { attempts: [attempt('R1', 100), attempt('R2', 200, 'other')] });
    expect(checkAttempts(r, here(false))).toEqual({ live: undefined, takeOverFrom: ['R1'] });
  });
});

describe('resume: a node the interrupted attempt had changed', () => {
  const previous = record([{ ...node('n1', 'pending'), runId: 'R1', changes: ['kubeletConfig:/c'], restarted: ['kubelet'] }, node('n2', 'applied')]);
  const out = (name: string, status: 'in-sync' | 'applied', changes = 0) => ({ name, status, reason: undefined, changes, restarted: [], durationMs: 1 });
  it('is journaled under that attempt, so rollback restores it from its backups', () => {
    const [adopted] = adoptFinished([out('n1', 'in-sync')], previous, 'R2', new Date(0));
    expect(adopted?.outcome).toMatchObject({ name: 'n1', status: 'applied', changes: 1, restarted: ['kubelet'], reason: 'finished by R2: the change of interrupted attempt R1' });
    expect(adopted?.journal).toMatchObject({ status: 'applied', runId: 'R1', changes: ['kubeletConfig:/c'], restarted: ['kubelet'] });
  });
  it('unless this attempt wrote the change itself, or the node was not pending', () => {
    expect(adoptFinished([out('n1', 'applied', 1), out('n2', 'in-sync')], previous, 'R2')).toEqual([]);
  });
});
