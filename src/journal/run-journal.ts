import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.ts';
import type { CordonRecord, NodeOutcomeStatus } from './records.ts';
import { RUN_ID_PATTERN } from '../node/run-state.ts';
import { NodewardError, UsageError } from '../util/errors.ts';
import { localStateDir } from './state-dir.ts';

export interface JournalNode {
  readonly name: string;
  readonly address: string;
  readonly status: NodeOutcomeStatus | 'pending';
  readonly reason: string | undefined;
  /** Change ids made on the node (targets, never contents). */
  readonly changes: readonly string[];
  readonly restarted: readonly string[];
  /** Where this run's backups and manifest are on the node. */
  readonly nodeBackupDir: string;
  readonly updatedAt: string;
  /** The run id used on the node (a resumed rollout's later attempts use their own); absent: the record's runId. */
  readonly runId?: string | undefined;
  /** Set when the run cordoned the node (`--drain`): its prior schedulability, restored afterwards. */
  readonly cordon?: CordonRecord | undefined;
}

/** One invocation working on a run: the first, then each `rollout --resume`. */
export interface RunAttempt {
  /** The run id this attempt uses on the nodes (the first attempt's is the record's runId). */
  readonly runId: string;
  readonly startedAt: string;
  readonly operator: string;
  readonly pid: number;
  readonly hostname: string;
  readonly reason: string | undefined;
}

export interface RunRecord {
  readonly version: 1;
  readonly runId: string;
  readonly command: string;
  readonly operator: string;
  readonly reason: string | undefined;
  readonly startedAt: string;
  readonly finishedAt: string | undefined;
  readonly inventory: string;
  readonly playbooks: readonly string[];
  readonly options: Readonly<Record<string, unknown>>;
  readonly nodes: Readonly<Record<string, JournalNode>>;
  /** Rollouts: every attempt, oldest first. */
  readonly attempts?: readonly RunAttempt[] | undefined;
}

/** The local record of a run (what changed where), kept under the XDG state dir, 0600. */
export interface RunJournal {
  readonly path: string;
  readonly record: () => RunRecord;
  updateNode(node: JournalNode): Promise<void>;
  finish(): Promise<void>;
}

export function journalDir(): string {
  return join(localStateDir(), 'runs');
}

export async function createRunJournal(initial: Omit<RunRecord, 'version' | 'finishedAt' | 'nodes'>, dir = journalDir()): Promise<RunJournal> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return journalAt(join(dir, `${initial.runId}.json`), { version: 1, ...initial, finishedAt: undefined, nodes: {} });
}

/** Continues an earlier run's record (`rollout --resume`): adds the attempt, keeps every node entry. */
export async function reopenRunJournal(runId: string, attempt: RunAttempt, dir = journalDir()): Promise<RunJournal> {
  const previous = await readRunJournal(runId, dir);
  return journalAt(join(dir, `${runId}.json`), { ...previous, finishedAt: undefined, attempts: [...(previous.attempts ?? []), attempt] });
}

async function journalAt(path: string, initial: RunRecord): Promise<RunJournal> {
  let current = initial;
  // Nodes finish concurrently: updates made while a write is under way are written together by
  // the next one (each fsync'd write costs milliseconds; one per update made 100 nodes queue up
  // for seconds before their first change). A caller resumes as soon as a write that holds its
  // update is on disk, not when the queue drains.
  let requested = 0;
  const waiters: { generation: number; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let draining = false;
  const settle = (upTo: number, error?: unknown): void => {
    for (let index = waiters.length - 1; index >= 0; index -= 1) {
      const waiter = waiters[index]!;
      if (waiter.generation > upTo) continue;
      waiters.splice(index, 1);
      if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    }
  };
  const drain = async (): Promise<void> => {
    draining = true;
    try {
      while (waiters.length > 0) {
        const generation = requested;
        try {
          await writeFileAtomic(path, JSON.stringify(current, null, 2) + '\n', 0o600);
          settle(generation);
        } catch (error) {
          settle(generation, error);
        }
      }
    } finally {
      draining = false;
    }
  };
  const save = (): Promise<void> => {
    requested += 1;
    const generation = requested;
    const written = new Promise<void>((resolve, reject) => waiters.push({ generation, resolve, reject }));
    if (!draining) void drain();
    return written;
  };
  await save();
  return {
    path,
    record: () => current,
    async updateNode(node) {
      current = { ...current, nodes: { ...current.nodes, [node.name]: node } };
      await save();
    },
    async finish() {
      current = { ...current, finishedAt: new Date().toISOString() };
      await save();
    },
  };
}

export async function readRunJournal(runId: string, dir = journalDir()): Promise<RunRecord> {
  if (!RUN_ID_PATTERN.test(runId)) throw new UsageError(`${JSON.stringify(runId)} is not a run id (like 20261126T183500Z-a1b2c3); see \`nodeward runs\``);
  try {
    return JSON.parse(await readFile(join(dir, `${runId}.json`), 'utf8')) as RunRecord;
  } catch (error) {
    throw new NodewardError('journal', `no journal for run ${runId} in ${dir}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export async function listRuns(dir = journalDir()): Promise<RunRecord[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const runs = await Promise.all(
    names.filter((name) => name.endsWith('.json')).map(async (name) => {
      try {
        return JSON.parse(await readFile(join(dir, name), 'utf8')) as RunRecord;
      } catch {
        return undefined;
      }
    }),
  );
  return runs.filter((run): run is RunRecord => run !== undefined).sort((a, b) => (a.runId < b.runId ? -1 : 1));
}
