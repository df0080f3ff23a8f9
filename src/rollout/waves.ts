import { UsageError } from '../util/errors.ts';

/** A wave's cumulative target: this many nodes, or this share of the rollout's nodes, done once it ends. */
export type WaveTarget = { readonly count: number } | { readonly percent: number };

/**
 * Parses `--waves 1,10%,50%,100%`. Unlike apply's `--batch` (the size of each batch, the last size
 * repeating), each entry is cumulative: "after this wave, this many (or this share of) the nodes
 * are patched", which is what "waves of 10%, 50%, 100%" means to an SRE. The first wave is the canary.
 */
export function parseWaveSpec(spec: string): WaveTarget[] {
  const parts = spec.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.some((part) => part === '')) throw new UsageError(`--waves ${JSON.stringify(spec)}: expected cumulative targets like 1,10%,50%,100%`);
  const targets = parts.map((part): WaveTarget => {
    const percent = /^(\d+(?:\.\d+)?)%$/.exec(part);
    if (percent) {
      const value = Number(percent[1]);
      if (value <= 0 || value > 100) throw new UsageError(`--waves: ${part} must be more than 0% and at most 100%`);
      return { percent: value };
    }
    if (!/^\d+$/.test(part) || Number(part) < 1) throw new UsageError(`--waves: ${JSON.stringify(part)} is not a positive number or a percentage`);
    return { count: Number(part) };
  });
  const counts = targets.flatMap((t) => ('count' in t ? [t.count] : []));
  const percents = targets.flatMap((t) => ('percent' in t ? [t.percent] : []));
  if ([counts, percents].some((list) => list.some((v, i) => i > 0 && v < (list[i - 1] ?? 0)))) {
    throw new UsageError(`--waves ${JSON.stringify(spec)}: targets are cumulative and must not go down (for example 1,10%,50%,100%)`);
  }
  return targets;
}

/** How many nodes of `total` a target means: a percentage rounds up, so 10% of 5 nodes is 1, never 0. */
export function cumulativeCount(target: WaveTarget, total: number): number {
  const n = 'count' in target ? target.count : Math.ceil((total * target.percent) / 100 - 1e-9);
  return Math.min(total, Math.max(1, n));
}

/**
 * Splits items into waves by cumulative targets, in order. A target not above the previous one adds
 * no wave (10% of 5 nodes after a canary of 1); the last wave always completes the list, as if the
 * spec ended in 100%.
 */
export function toWaves<T>(items: readonly T[], targets: readonly WaveTarget[]): T[][] {
  const waves: T[][] = [];
  let done = 0;
  for (const target of targets) {
    const want = cumulativeCount(target, items.length);
    if (want > done) {
      waves.push(items.slice(done, want));
      done = want;
    }
  }
  if (done < items.length) waves.push(items.slice(done));
  return waves;
}
