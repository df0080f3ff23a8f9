import type { NodeOutcome, NodeOutcomeStatus } from '../apply/types.ts';
import type { Palette } from '../text/colors.ts';
import { footnoted } from '../text/footnotes.ts';
import { renderTable } from '../text/table.ts';

function colorFor(status: NodeOutcomeStatus, p: Palette): (s: string) => string {
  switch (status) {
    case 'applied':
    case 'in-sync':
      return p.green;
    case 'rolled-back':
    case 'refused':
    case 'skipped':
      return p.yellow;
    case 'failed':
    case 'unreachable':
      return p.red;
  }
}

/** Changes in effect; what was changed and undone; `?` where a node was left part-way. */
function changesCell(o: NodeOutcome): string {
  if (o.status === 'failed' && o.left) return o.changes > 0 ? `${o.changes}?` : '?';
  if (o.undone && o.undone.length > 0) return `${o.changes} (${o.undone.length} undone)`;
  return String(o.changes);
}

/** The final per-node table of an apply or rollback run; a reason many nodes share is said once. Pure. */
export function renderOutcomes(outcomes: readonly NodeOutcome[], p: Palette): string {
  const reasons = footnoted(outcomes.map((o) => o.reason));
  const rows = outcomes.map((o, i) => [
    o.name,
    colorFor(o.status, p)(o.status),
    changesCell(o),
    o.restarted.length > 0 ? o.restarted.join(',') : '-',
    `${(o.durationMs / 1000).toFixed(1)}s`,
    reasons.cells[i] ?? '',
  ]);
  const counts = new Map<NodeOutcomeStatus, number>();
  for (const o of outcomes) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
  const total = [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
  return renderTable(['NODE', 'STATUS', 'CHANGES', 'RESTARTED', 'TIME', 'REASON'], rows, p.bold) + reasons.notes + `${outcomes.length} nodes: ${total}\n`;
}
