/** Node lists as an SRE reads them: "node-2…node-5, node-9", cut short past a handful. Pure. */

const NUMBERED = /^(.*?)(\d+)$/;

/** Runs of three or more consecutively numbered names (same prefix) become "first…last". */
function ranges(names: readonly string[]): string[] {
  const out: string[] = [];
  let run: { prefix: string; width: number; from: number; to: number; names: string[] } | undefined;
  const flush = (): void => {
    if (!run) return;
    out.push(...(run.names.length >= 3 ? [`${run.names[0]}…${run.names.at(-1)}`] : run.names));
    run = undefined;
  };
  for (const name of names) {
    const m = NUMBERED.exec(name);
    const prefix = m?.[1];
    const digits = m?.[2];
    if (prefix === undefined || digits === undefined) {
      flush();
      out.push(name);
      continue;
    }
    const n = Number(digits);
    // zero-padded numbers (node-09, node-10) keep their width; plain ones may grow (node-9, node-10)
    const padded = digits.length > 1 && digits.startsWith('0');
    if (run && run.prefix === prefix && (!padded || run.width === digits.length) && n === run.to + 1) {
      run.to = n;
      run.names.push(name);
      continue;
    }
    flush();
    run = { prefix, width: digits.length, from: n, to: n, names: [name] };
  }
  flush();
  return out;
}

/** Natural order: node-2 before node-10. */
export function sortNames(names: readonly string[]): string[] {
  return [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** "node-1, node-3…node-7 and 12 more"; `max` parts at most. */
export function describeNames(names: readonly string[], max = 6): string {
  const parts = ranges(sortNames(names));
  if (parts.length <= max) return parts.join(', ');
  const shown = parts.slice(0, max);
  const counted = shown.reduce((sum, part) => sum + countOf(part), 0);
  return `${shown.join(', ')} and ${names.length - counted} more`;
}

function countOf(part: string): number {
  const [from, to] = part.split('…');
  if (to === undefined || from === undefined) return 1;
  return Number(NUMBERED.exec(to)?.[2]) - Number(NUMBERED.exec(from)?.[2]) + 1;
}

/** "node-2…node-5 (4 nodes)", or the one name. */
export function nodesLabel(names: readonly string[], max = 6): string {
  return names.length === 1 ? (names[0] ?? '') : `${describeNames(names, max)} (${names.length} nodes)`;
}

/**
 * Which of `all` a line applies to, the shorter way round: "" when all, "on node-3", or
 * "not on node-3" when that is shorter to read.
 */
export function whereTag(on: readonly string[], all: readonly string[]): string {
  if (on.length >= all.length) return '';
  const set = new Set(on);
  const off = all.filter((name) => !set.has(name));
  return off.length < on.length ? `not on ${describeNames(off, 4)}` : `on ${describeNames(on, 4)}`;
}
