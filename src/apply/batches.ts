import { UsageError } from '../util/errors.ts';

export type BatchSize = { readonly count: number } | { readonly percent: number };

/** Parses Ansible-`serial`-style batch sizes: "1,5,25%"; the last size repeats until every node is in a batch. */
export function parseBatchSpec(spec: string): BatchSize[] {
  const parts = spec.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.some((part) => part === '')) throw new UsageError(`--batch ${JSON.stringify(spec)}: expected sizes like 1,5,25%`);
  return parts.map((part) => {
    const percent = /^(\d+(?:\.\d+)?)%$/.exec(part);
    if (percent) {
      const value = Number(percent[1]);
      if (value <= 0 || value > 100) throw new UsageError(`--batch: ${part} must be between 0% and 100%`);
      return { percent: value };
    }
    if (!/^\d+$/.test(part) || Number(part) < 1) throw new UsageError(`--batch: ${JSON.stringify(part)} is not a positive number or a percentage`);
    return { count: Number(part) };
  });
}

/** Splits items into batches; a percentage is of the total, rounded down but at least 1. */
export function toBatches<T>(items: readonly T[], sizes: readonly BatchSize[]): T[][] {
  const batches: T[][] = [];
  let at = 0;
  let index = 0;
  while (at < items.length) {
    const size = sizes[Math.min(index, sizes.length - 1)] ?? { count: items.length };
    const n = 'count' in size ? size.count : Math.max(1, Math.floor((items.length * size.percent) / 100));
    batches.push(items.slice(at, at + n));
    at += n;
    index++;
  }
  return batches;
}

export type FailureBudget = { readonly count: number } | { readonly percent: number };

export function parseFailureBudget(spec: string): FailureBudget {
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(spec.trim());
  if (percent) {
    const value = Number(percent[1]);
    if (value < 0 || value > 100) throw new UsageError(`--max-failures: ${spec} must be between 0% and 100%`);
    return { percent: value };
  }
  if (!/^\d+$/.test(spec.trim())) throw new UsageError(`--max-failures ${JSON.stringify(spec)}: expected a number (0 stops at the first failure) or a percentage`);
  return { count: Number(spec.trim()) };
}

/** True when `failures` out of `total` nodes exceeds the budget (a budget of 0 is exceeded by the first failure). */
export function budgetExceeded(budget: FailureBudget, failures: number, total: number): boolean {
  if ('count' in budget) return failures > budget.count;
  return total > 0 && (failures * 100) / total > budget.percent;
}
