import type { CheckNodeResult, CheckReport, CheckStatus, PendingFix } from '../check/types.ts';
import type { Palette } from '../text/colors.ts';
import { nodesLabel } from '../text/node-names.ts';
import { renderTable } from '../text/table.ts';
import { checkTotals, countsByNode, overallStatus } from './check-summary.ts';

/** Beyond this many pending changes per check, the table points at `nodeward plan`. */
const FIXES_SHOWN = 5;

function label(status: CheckStatus, p: Palette): string {
  const text = status.toUpperCase();
  switch (status) {
    case 'pass':
      return p.green(text);
    case 'fail':
    case 'error':
      return p.red(text);
    case 'warn':
      return p.yellow(text);
    case 'n/a':
      return p.dim(text);
  }
}

export function describeFix(fix: PendingFix): string {
  const restarts = fix.restarts.length > 0 ? ` (restarts ${fix.restarts.join(', ')})` : '';
  return `${fix.kind} ${fix.target}: ${fix.summary.join('; ')}${restarts}`;
}

/** Which benchmark each node was judged by, and why: nodes with the same choice on one line. */
function benchmarkLines(report: CheckReport): string[] {
  const byChoice = new Map<string, string[]>();
  for (const node of report.nodes) {
    if (node.benchmark === undefined) continue;
    const key = `${node.benchmark}: ${node.benchmarkReason}`;
    byChoice.set(key, [...(byChoice.get(key) ?? []), node.name]);
  }
  return [...byChoice].map(([choice, nodes]) => `benchmark ${choice} (${nodes.join(' ')})`);
}

/** Nodes whose result reads the same are shown once. */
export function groups(results: readonly CheckNodeResult[]): { nodes: string[]; result: CheckNodeResult }[] {
  const byKey = new Map<string, { nodes: string[]; result: CheckNodeResult }>();
  for (const result of results) {
    const key = JSON.stringify([result.status, result.reasons, result.fixes.map(describeFix)]);
    const group = byKey.get(key) ?? { nodes: [], result };
    group.nodes.push(result.node);
    byKey.set(key, group);
  }
  return [...byKey.values()];
}

/** The human report: per check its verdict, per group of nodes why, and the fix apply would make. Pure. */
export function renderCheckTable(report: CheckReport, p: Palette, remediation: string): string {
  const lines: string[] = [p.bold(report.benchmark), `${report.nodes.length} node(s); playbooks: ${report.playbooks.join(', ') || '(none)'}`, ...benchmarkLines(report), ''];
  // nodes that could not be read for the same reason (a bastion that refuses) are one line
  const unread = new Map<string, string[]>();
  for (const node of report.nodes.filter((n) => n.status === 'error')) unread.set(node.error ?? 'error', [...(unread.get(node.error ?? 'error') ?? []), node.name]);
  for (const [error, names] of unread) lines.push(p.red(`${nodesLabel(names)}: not checked: ${error}`));
  for (const node of report.nodes.filter((n) => n.lockedBy)) lines.push(p.yellow(`${node.name}: locked by ${node.lockedBy ?? ''} while read: results may be mid-change`));
  // the fixes shown would not be applied as they are: say so where the operator reads them
  for (const node of report.nodes.filter((n) => n.refusal)) lines.push(p.red(`${node.name}: apply would refuse these fixes: ${(node.refusal ?? '').replace(/^refused by the guards before any change: /, '')}`));
  for (const check of report.checks) {
    const level = check.source === 'cis' ? check.assessment : 'guide';
    lines.push(`[${label(overallStatus(check), p)}] ${p.bold(check.id.padEnd(7))} ${check.title} ${p.dim(`(${level})`)}`);
    if (check.kubeBench) lines.push(`    ${p.dim(`kube-bench: ${check.kubeBench}`)}`);
    for (const group of groups(check.nodes)) {
      const { result } = group;
      if (result.status === 'pass' || (result.status === 'n/a' && group.nodes.length === check.nodes.length)) {
        if (group.nodes.length !== check.nodes.length) lines.push(`    ${label(result.status, p)} ${group.nodes.join(' ')}`);
        continue;
      }
      lines.push(`    ${label(result.status, p)} ${group.nodes.join(' ')}`);
      for (const reason of result.reasons) lines.push(`      ${reason}`);
      for (const fix of result.fixes.slice(0, FIXES_SHOWN)) lines.push(`      ${p.cyan('apply would:')} ${describeFix(fix)}`);
      if (result.fixes.length > FIXES_SHOWN) lines.push(`      ${p.dim(`… and ${result.fixes.length - FIXES_SHOWN} more changes (nodeward plan shows them all)`)}`);
      if (result.failed && result.fixes.length === 0) lines.push(`      ${p.cyan('by hand:')} ${result.remediation ?? check.remediation}`);
    }
  }
  lines.push('');
  const counts = countsByNode(report);
  const rows = report.nodes.map((node) => {
    const c = counts.get(node.name);
    return node.status === 'error' ? [node.name, '-', '-', '-', '-', p.red('error')] : [node.name, String(c?.pass ?? 0), String(c?.fail ?? 0), String(c?.warn ?? 0), String(c?.['n/a'] ?? 0), ''];
  });
  lines.push(renderTable(['NODE', 'PASS', 'FAIL', 'WARN', 'N/A', 'ERROR'], rows, p.bold).trimEnd());
  const t = checkTotals(report);
  lines.push(`${t.checks} checks on ${t.nodes} node(s): ${t.automatedFailing} automated failing, ${t.manualFailing} manual failing (WARN), ${t.undecided} undecided, ${t.nodeErrors} node error(s)`);
  if (t.automatedFailing + t.manualFailing > 0 && remediation) lines.push(remediation);
  return lines.join('\n') + '\n';
}
