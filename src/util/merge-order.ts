/**
 * Merges several ordered lists of keys into one order that keeps each list's own order where the
 * lists agree: a key not placed yet goes right before the next key of its list that is placed
 * already (after everything else when none is). Used to show the changes, and the lines of a
 * change, of many nodes once, in the order apply makes them.
 */
export function mergeOrder(lists: readonly (readonly string[])[]): string[] {
  const merged: string[] = [];
  const placed = new Set<string>();
  for (const list of lists) {
    list.forEach((key, i) => {
      if (placed.has(key)) return;
      const next = list.slice(i + 1).find((k) => placed.has(k));
      const at = next === undefined ? merged.length : merged.indexOf(next);
      merged.splice(at, 0, key);
      placed.add(key);
    });
  }
  return merged;
}
