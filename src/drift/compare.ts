import type { HistoryItem } from './history.ts';

export type ItemState = 'new' | 'persisting';

/** A drift item as found this run: the history item without its first-seen time. */
export type Found = Omit<HistoryItem, 'firstSeen'>;

export interface Compared<T extends Found> {
  readonly current: readonly (T & { readonly state: ItemState; readonly firstSeen: string })[];
  /** In the previous run's drift, gone now: fixed since (by this run's --fix, or by anyone). */
  readonly resolved: readonly HistoryItem[];
}

/**
 * Drift now against the previous run's. An item persists when the same change is wanted with
 * the same summary; a different summary (the value moved again) is new drift. Pure.
 */
export function compareDrift<T extends Found>(previous: readonly HistoryItem[] | undefined, current: readonly T[], now: string): Compared<T> {
  const before = new Map((previous ?? []).map((item) => [item.id, item]));
  const seen = new Set(current.map((item) => item.id));
  return {
    current: current.map((item) => {
      const old = before.get(item.id);
      const same = old !== undefined && sameLines(old.summary, item.summary);
      return { ...item, state: same ? 'persisting' : 'new', firstSeen: same ? old.firstSeen : now };
    }),
    resolved: (previous ?? []).filter((item) => !seen.has(item.id)),
  };
}

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((line, i) => line === b[i]);
}
