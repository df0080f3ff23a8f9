import type { DriftNodeStatus, DriftReport } from '../drift/types.ts';
import type { Palette } from '../text/colors.ts';
import { footnoted } from '../text/footnotes.ts';
import { renderTable } from '../text/table.ts';
import { ruleSummary } from './drift-summary.ts';
import { countsText, exitMeaning, headline, itemTag, itemWhere } from './drift-text.ts';

function paint(status: DriftNodeStatus, p: Palette): (s: string) => string {
  switch (status) {
    case 'in-sync':
    case 'fixed':
      return p.green;
    case 'drift':
    case 'locked':
      return p.yellow;
    case 'fix-failed':
    case 'error':
    case 'unreachable':
      return p.red;
  }
}

function colored(diff: string, p: Palette): string[] {
  return diff
    .trimEnd()
    .split('\n')
    .map((line) => (line.startsWith('+++') || line.startsWith('---') ? p.bold(line) : line.startsWith('+') ? p.green(line) : line.startsWith('-') ? p.red(line) : line.startsWith('@@') ? p.cyan(line) : line));
}

/** The human drift report: per node what drifted (new or since when), per rule where, then a summary. Pure. */
export function renderDriftTable(report: DriftReport, p: Palette): string {
  const lines: string[] = [p.bold(`nodeward drift: ${headline(report)}`), p.dim(`run ${report.runId}, ${report.durationSeconds.toFixed(1)}s${report.previousRunAt ? `; previous run ${report.previousRunAt}` : '; no previous run recorded'}`), ''];
  for (const node of report.nodes) {
    if (node.items.length === 0 && node.resolved.length === 0 && node.status === 'in-sync') continue;
    lines.push(`${p.bold(node.name)} ${p.dim(`(${node.address})`)}  ${paint(node.status, p)(node.status)}  ${countsText(node)}`);
    for (const item of node.items) {
      const tag = item.state === 'new' ? p.yellow('new') : p.dim(itemTag(item));
      const fixed = item.fixed ? ` ${p.green('fixed')}` : '';
      lines.push(`  ${tag}${fixed}  ${itemWhere(item)}  ${p.dim(item.rules.join(', '))}`);
      for (const line of item.summary) lines.push(`      ${line}`);
      // the diff plan would show for the same change
      if (item.diff) lines.push(...colored(item.diff, p).map((line) => `      ${line}`));
    }
    for (const gone of node.resolved) lines.push(`  ${p.green('gone')}  ${gone.kind} ${gone.target} ${p.dim(`(found ${gone.firstSeen})`)}`);
  }
  const rules = ruleSummary(report);
  if (rules.length > 0) {
    lines.push('');
    lines.push(renderTable(['RULE', 'CHECKS', 'NODES', 'WHERE'], rules.map((r) => [r.rule, r.checks.join(' ') || '-', String(r.nodes.length), r.nodes.join(' ')]), p.bold).trimEnd());
  }
  lines.push('');
  // a note many nodes share (a bastion that refuses: every node unreachable) is printed once under the table
  const notes = footnoted(report.nodes.map((n) => n.reason));
  const rows = report.nodes.map((n, i) => [n.name, paint(n.status, p)(n.status), String(n.counts.found), String(n.counts.new), String(n.counts.fixed), String(n.counts.resolved), notes.cells[i] ?? '']);
  lines.push(renderTable(['NODE', 'STATUS', 'DRIFT', 'NEW', 'FIXED', 'GONE', 'NOTE'], rows, p.bold).trimEnd());
  if (notes.notes) lines.push(notes.notes.trimEnd());
  for (const note of report.notes) lines.push(p.yellow(note));
  lines.push(`exit ${report.exitCode}: ${exitMeaning(report.exitCode)}`);
  return lines.join('\n') + '\n';
}
