import { createHash } from 'node:crypto';
import { UsageError } from '../util/errors.ts';

/** Shard `index` of `count` (0-based, as Kubernetes' JOB_COMPLETION_INDEX). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * `I/N`, or `auto/N` taking I from $JOB_COMPLETION_INDEX (an Indexed Job's pod). Shards are
 * 0-based: `0/4` … `3/4`.
 */
export function parseShard(spec: string, env: NodeJS.ProcessEnv = process.env): Shard {
  const match = /^(auto|\d+)\/(\d+)$/.exec(spec.trim());
  if (!match) throw new UsageError(`--shard ${JSON.stringify(spec)}: must be I/N (0-based, e.g. 0/4) or auto/N (I from $JOB_COMPLETION_INDEX)`);
  const count = Number(match[2]);
  let indexText = match[1] ?? '';
  if (indexText === 'auto') {
    indexText = env['JOB_COMPLETION_INDEX'] ?? '';
    if (!/^\d+$/.test(indexText)) throw new UsageError(`--shard auto/${count}: $JOB_COMPLETION_INDEX is ${indexText === '' ? 'not set' : JSON.stringify(indexText)}; run it as a Kubernetes Indexed Job or give I/N`);
  }
  const index = Number(indexText);
  if (!Number.isSafeInteger(count) || count < 1) throw new UsageError(`--shard ${spec}: N must be at least 1`);
  if (index >= count) throw new UsageError(`--shard ${spec}: I must be below N (shards are 0-based: 0/${count} … ${count - 1}/${count})`);
  return { index, count };
}

/**
 * The shard a node belongs to: a stable hash of its name, never its position, so adding,
 * removing or reordering other nodes does not move it, and every run on every machine agrees.
 */
export function shardOf(name: string, count: number): number {
  const digest = createHash('sha256').update(name, 'utf8').digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(count));
}

export function inShard<T extends { readonly name: string }>(items: readonly T[], shard: Shard | undefined): T[] {
  return shard ? items.filter((item) => shardOf(item.name, shard.count) === shard.index) : [...items];
}

export function shardLabel(shard: Shard | undefined): string {
  return shard ? `${shard.index}/${shard.count}` : '0/1';
}
