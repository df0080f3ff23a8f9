import { shardLabel } from '../drift/shard.ts';
import type { DriftItem, DriftNode, DriftReport } from '../drift/types.ts';

/** Words shared by the table and Markdown reports. */

export function headline(report: DriftReport): string {
  // items are already only the new ones with --since-last
  const drifted = report.nodes.filter((n) => n.items.length > 0).length;
  const shard = report.shard ? ` (shard ${shardLabel(report.shard)})` : '';
  const what = report.sinceLast ? 'new drift since the last run' : 'drift';
  return `${drifted} of ${report.nodes.length} node(s)${shard} with ${what}`;
}

export function countsText(node: DriftNode): string {
  if (node.status === 'error' || node.status === 'unreachable' || node.status === 'locked') return node.reason ?? '';
  const c = node.counts;
  const parts = [`${c.found} change(s)`];
  if (c.found > 0) parts.push(`${c.new} new, ${c.persisting} persisting`);
  if (c.fixed > 0) parts.push(`${c.fixed} fixed`);
  if (c.resolved > 0) parts.push(`${c.resolved} gone since the last run`);
  return parts.join(', ') + (node.reason ? ` — ${node.reason}` : '');
}

export function itemTag(item: DriftItem): string {
  return item.state === 'new' ? 'new' : `since ${item.firstSeen}`;
}

export function itemWhere(item: DriftItem): string {
  const checks = item.checks.length > 0 ? ` [${item.checks.join(' ')}]` : '';
  return `${item.kind} ${item.target}${checks}`;
}

export function exitMeaning(code: number): string {
  switch (code) {
    case 0:
      return 'no drift';
    case 2:
      return 'drift found';
    case 3:
      return 'a --fix was rolled back';
    case 4:
      return 'a --fix rollback failed: a node needs attention';
    case 5:
      return 'some nodes unreachable';
    case 6:
      return 'drift found, and some nodes unreachable';
    case 130:
      return 'interrupted';
    default:
      return 'errors';
  }
}
