import { toBatches, type BatchSize } from './batches.ts';
import { UsageError } from '../util/errors.ts';

/**
 * Failure domains (`rollout --waves-by`, `apply --batch-by`): the nodes split by the value of one
 * label (a zone, a rack), one domain at a time, so that a bad change stays inside one domain
 * while it is caught. Domains go in the order of their values; nodes without the label last.
 */

export interface Domain<T> {
  /** The label's value; undefined for the nodes that lack the label. */
  readonly value: string | undefined;
  readonly items: readonly T[];
}

export function partitionBy<T>(items: readonly T[], valueOf: (item: T) => string | undefined): Domain<T>[] {
  const byValue = new Map<string | undefined, T[]>();
  for (const item of items) {
    const value = valueOf(item);
    byValue.set(value, [...(byValue.get(value) ?? []), item]);
  }
  return [...byValue.entries()]
    .sort(([a], [b]) => (a === undefined ? 1 : b === undefined ? -1 : a.localeCompare(b, 'en', { numeric: true })))
    .map(([value, group]) => ({ value, items: group }));
}

/** A group of nodes that runs together (a batch, a wave) and the domain it belongs to. */
export interface DomainGroup<T> {
  readonly domain: string | undefined;
  readonly items: T[];
}

/** Splits each domain in turn with `split` (cumulative waves, batch sizes); every group stays within one domain. */
export function groupsByDomain<T>(items: readonly T[], valueOf: (item: T) => string | undefined, split: (items: readonly T[]) => T[][]): DomainGroup<T>[] {
  return partitionBy(items, valueOf).flatMap((domain) => split(domain.items).map((group) => ({ domain: domain.value, items: group })));
}

/** apply's batches, within each domain when `by` names a label. */
export function domainBatches<T>(items: readonly T[], sizes: readonly BatchSize[], valueOf: ((item: T) => string | undefined) | undefined): T[][] {
  if (!valueOf) return toBatches(items, sizes);
  return groupsByDomain(items, valueOf, (group) => toBatches(group, sizes)).map((g) => g.items);
}

export type UnavailableBudget = { readonly count: number } | { readonly percent: number };

/** `--max-unavailable 2` or `--max-unavailable 10%`. */
export function parseMaxUnavailable(spec: string): UnavailableBudget {
  const text = spec.trim();
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (percent) {
    const value = Number(percent[1]);
    if (value <= 0 || value > 100) throw new UsageError(`--max-unavailable: ${spec} must be more than 0% and at most 100%`);
    return { percent: value };
  }
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`--max-unavailable ${JSON.stringify(spec)}: expected a number of nodes (1 or more) or a percentage of the fleet`);
  return { count: Number(text) };
}

/** How many of `fleet` nodes may be unavailable at once: a percentage rounds down (as Kubernetes' maxUnavailable) but is at least 1. */
export function unavailableLimit(budget: UnavailableBudget, fleet: number): number {
  if ('count' in budget) return budget.count;
  return Math.max(1, Math.floor((fleet * budget.percent) / 100 + 1e-9));
}
