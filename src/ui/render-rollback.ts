import type { Palette } from '../text/colors.ts';

/** One node in the rollback preview: what would be restored, or why nothing will be done there. */
export interface PreviewLine {
  readonly name: string;
  readonly kind: 'restore' | 'nothing' | 'done' | 'refused' | 'unreachable';
  readonly text: string;
  /** `restore`: the items a rollback would put back ("file /etc/x", "sysctl net… (0, was 1)"). */
  readonly would?: readonly string[] | undefined;
  readonly restarts?: readonly string[] | undefined;
  /** The run's state on the node. */
  readonly state?: string | undefined;
}

/** Items grouped by kind, each kind on a line: files, modes, sysctls, units, packages, tables. */
function grouped(items: readonly string[]): string[] {
  const byKind = new Map<string, string[]>();
  for (const item of items) {
    const [kind = 'item', ...rest] = item.split(' ');
    const list = byKind.get(kind) ?? [];
    list.push(rest.join(' '));
    byKind.set(kind, list);
  }
  const names: Record<string, string> = { file: 'restore', remove: 'remove (the run created them)', mode: 'mode/owner of', sysctl: 'sysctls', unit: 'units', package: 'packages', nftables: 'nftables' };
  return [...byKind].map(([kind, list]) => `${names[kind] ?? kind}: ${list.join(', ')}`);
}

/** What `nodeward rollback RUN` would do, per node, before it asks. Pure. */
export function renderRollbackPreview(runId: string, lines: readonly PreviewLine[], p: Palette): string {
  const out: string[] = [p.bold(`Rollback of run ${runId}:`)];
  for (const line of lines) {
    if (line.kind !== 'restore') {
      const paint = line.kind === 'refused' || line.kind === 'unreachable' ? p.red : p.dim;
      out.push(`  ${p.bold(line.name)}  ${paint(line.text)}`);
      continue;
    }
    const would = line.would ?? [];
    const restarts = line.restarts && line.restarts.length > 0 ? `; restarts ${line.restarts.join(', ')}` : '';
    const state = line.state && line.state !== 'done' ? ` (run ${line.state} there)` : '';
    out.push(`  ${p.bold(line.name)}  ${would.length} item(s) to put back${restarts}${state}`);
    for (const group of grouped(would)) out.push(`      ${group}`);
  }
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line.kind, (counts.get(line.kind) ?? 0) + 1);
  const words: Record<PreviewLine['kind'], string> = { restore: 'to roll back', nothing: 'with nothing of the run', done: 'already rolled back', refused: 'refused', unreachable: 'unreachable' };
  out.push(`${lines.length} node(s): ${[...counts].map(([kind, n]) => `${n} ${words[kind as PreviewLine['kind']]}`).join(', ')}`);
  return out.join('\n') + '\n';
}
