import { shardLabel } from '../drift/shard.ts';
import type { DriftReport } from '../drift/types.ts';
import { ruleSummary } from './drift-summary.ts';
import { countsText, exitMeaning, headline, itemTag } from './drift-text.ts';
import { mdCell, mdCode, mdTable } from './markdown.ts';

/** For a ticket, a PR comment or a wiki page. Pure. */
export function renderDriftMarkdown(report: DriftReport): string {
  const parts: string[] = [`# nodeward drift: ${headline(report)}`, ''];
  parts.push(
    `Run ${mdCode(report.runId)} finished ${report.finishedAt} in ${report.durationSeconds.toFixed(1)} s` +
      `${report.shard ? `, shard ${shardLabel(report.shard)}` : ''}${report.fix ? ', with `--fix`' : ''}. ` +
      `Exit ${report.exitCode} (${exitMeaning(report.exitCode)}).${report.previousRunAt ? ` Compared with the run of ${report.previousRunAt}.` : ' No previous run recorded.'}`,
    '',
  );
  parts.push(mdTable(['Node', 'Status', 'Drift', 'New', 'Fixed', 'Gone', 'Note'], report.nodes.map((n) => [n.name, n.status, String(n.counts.found), String(n.counts.new), String(n.counts.fixed), String(n.counts.resolved), n.reason ?? ''])));
  const rules = ruleSummary(report);
  if (rules.length > 0) {
    parts.push('## Rules', '', mdTable(['Rule', 'Checks', 'Nodes'], rules.map((r) => [r.rule, r.checks.join(', ') || '-', r.nodes.join(', ')])));
  }
  const detailed = report.nodes.filter((n) => n.items.length > 0 || n.resolved.length > 0);
  if (detailed.length > 0) parts.push('## Details', '');
  for (const node of detailed) {
    parts.push(`### ${mdCell(node.name)} (${node.status})`, '', mdCell(countsText(node)), '');
    for (const item of node.items) {
      const checks = item.checks.length > 0 ? ` (${item.checks.join(', ')})` : '';
      parts.push(`- **${itemTag(item)}**${item.fixed ? ' **fixed**' : ''} ${mdCode(item.kind)} ${mdCode(item.target)}${checks}, ${item.rules.map(mdCode).join(', ')}`);
      for (const line of item.summary) parts.push(`  - ${mdCode(line)}`);
      if (item.diff) parts.push('', '  ```diff', ...item.diff.trimEnd().split('\n').map((line) => `  ${line.replaceAll('```', "'''")}`), '  ```', '');
    }
    for (const gone of node.resolved) parts.push(`- **gone** ${mdCode(gone.kind)} ${mdCode(gone.target)} (found ${gone.firstSeen})`);
    parts.push('');
  }
  for (const note of report.notes) parts.push(`> ${mdCell(note)}`, '');
  return parts.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}
