import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.ts';
import { localStateDir } from '../journal/state-dir.ts';

/** What one run found on a node, kept to tell the next run what is new, fixed or persisting. */
export interface HistoryItem {
  /** The change id (`kind:target`). */
  readonly id: string;
  readonly kind: string;
  readonly target: string;
  readonly summary: readonly string[];
  readonly rules: readonly string[];
  readonly checks: readonly string[];
  /** When a run first found it (carried over while it persists). */
  readonly firstSeen: string;
}

export interface NodeHistory {
  readonly version: 1;
  readonly node: string;
  readonly runId: string;
  readonly at: string;
  /** Drift left on the node after that run (none when --fix converged it). */
  readonly items: readonly HistoryItem[];
}

/** The last run of one shard: for "last success" metrics. */
export interface RunState {
  readonly version: 1;
  readonly runId: string;
  readonly at: string;
  readonly exitCode: number;
  /** The newest run that read every node it covered without error. */
  readonly lastSuccessAt: string | undefined;
}

export function defaultDriftStateDir(): string {
  return join(localStateDir(), 'drift');
}

/**
 * One history per inventory and playbook set: `drift kubelet` must not call everything `files`
 * found "fixed". Nodes have a file each, so shards and --limit runs share it safely.
 */
export function historyDir(stateDir: string, inventoryFile: string, playbookFiles: readonly string[]): string {
  const key = createHash('sha256')
    .update(JSON.stringify([resolve(inventoryFile), [...playbookFiles].map((f) => resolve(f)).sort()]))
    .digest('hex')
    .slice(0, 16);
  return join(stateDir, key);
}

function nodeFile(dir: string, node: string): string {
  // node names are validated DNS-style labels, safe as file names
  return join(dir, 'nodes', `${node}.json`);
}

async function readJson<T>(path: string, valid: (value: unknown) => value is T): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    return valid(value) ? value : undefined;
  } catch {
    // a corrupt record only costs the comparison: this run starts afresh
    return undefined;
  }
}

const isNodeHistory = (value: unknown): value is NodeHistory =>
  typeof value === 'object' && value !== null && (value as NodeHistory).version === 1 && Array.isArray((value as NodeHistory).items);

const isRunState = (value: unknown): value is RunState => typeof value === 'object' && value !== null && (value as RunState).version === 1;

export function readNodeHistory(dir: string, node: string): Promise<NodeHistory | undefined> {
  return readJson(nodeFile(dir, node), isNodeHistory);
}

export async function writeNodeHistory(dir: string, history: NodeHistory): Promise<void> {
  await mkdir(join(dir, 'nodes'), { recursive: true, mode: 0o700 });
  await writeFileAtomic(nodeFile(dir, history.node), JSON.stringify(history, null, 2) + '\n', 0o600);
}

function runFile(dir: string, shard: string): string {
  return join(dir, `run-${shard.replace('/', '-of-')}.json`);
}

export function readRunState(dir: string, shard: string): Promise<RunState | undefined> {
  return readJson(runFile(dir, shard), isRunState);
}

export async function writeRunState(dir: string, shard: string, state: RunState): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(runFile(dir, shard), JSON.stringify(state, null, 2) + '\n', 0o600);
}
