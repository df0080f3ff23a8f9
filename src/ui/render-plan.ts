import { isHalfWritten } from '../node/run-state.ts';
import { wouldRefuse, type Change, type NodePlan, type Plan } from '../plan/types.ts';
import type { Palette } from './colors.ts';
import { renderTable } from './table.ts';

export interface RenderPlanOptions {
  readonly palette: Palette;
  readonly diffs: boolean;
}

const SYMBOL: Record<Change['action'], string> = { create: '+', update: '~', delete: '-' };

/** The human plan: per node its changes with diffs, then a summary table. Pure. */
export function renderPlan(plan: Plan, options: RenderPlanOptions): string {
  const parts = plan.nodes.filter((node) => node.status !== 'in-sync' || node.lockedBy).map((node) => renderNode(node, options));
  parts.push(renderSummary(plan.nodes, options.palette));
  return parts.join('\n');
}

function renderNode(node: NodePlan, { palette: p, diffs }: RenderPlanOptions): string {
  const lines: string[] = [];
  if (node.status === 'error') {
    lines.push(`${p.bold(node.name)} ${p.dim(`(${node.address})`)}  ${p.red('error')}`);
    lines.push(`  ${p.red(node.error?.message ?? 'unknown error')}`);
    return lines.join('\n') + '\n';
  }
  const restarts = node.restarts.length > 0 ? `, restarts ${node.restarts.join(' then ')}` : '';
  lines.push(`${p.bold(node.name)} ${p.dim(`(${node.address})`)}  ${node.changes.length} to change${restarts}${wouldRefuse(node) ? `  ${p.red('apply would refuse it')}` : ''}`);
  for (const refusal of node.refusal ?? []) {
    lines.push(`  ${p.red(`✗ ${refusal.guard}: ${refusal.message}`)}`);
    lines.push(`    ${p.yellow(`to apply it: ${refusal.fix}`)}`);
  }
  for (const run of node.pendingRuns ?? []) {
    const owed = run.owed.length > 0 ? `, restarts owed: ${run.owed.join(', ')}` : '';
    // a half-written run is rolled back first: the changes below, read mid-write, are then re-planned
    const then = isHalfWritten(run.state) ? 'apply rolls it back first and re-plans this node' : run.state === 'restored' ? 'apply finishes its rollback first' : 'apply finishes it first';
    lines.push(`  ${p.yellow(`! run ${run.runId} was interrupted (${run.state}${owed}): ${then}`)}`);
  }
  if (node.lockedBy) lines.push(`  ${p.yellow(`${describeLock(node.lockedBy)}: its changes are in flight`)}`);
  if (node.abandonedLock) lines.push(`  ${p.yellow(`! the lock of run ${node.abandonedLock.runId} was left by nodeward (pid ${node.abandonedLock.pid} on this machine), which is gone: apply takes it over`)}`);
  for (const change of node.changes) {
    const symbol = change.action === 'create' ? p.green('+') : change.action === 'delete' ? p.red('-') : p.yellow(SYMBOL[change.action]);
    const checks = change.checks.length > 0 ? p.dim(`  [${change.checks.join(' ')}]`) : '';
    lines.push(`  ${symbol} ${change.kind} ${p.bold(change.target)}${checks}`);
    for (const line of change.summary) lines.push(`      ${line}`);
    for (const note of change.notes) lines.push(`      ${p.yellow(`note: ${note}`)}`);
    if (change.restarts.length > 0) lines.push(`      ${p.dim(`restarts ${change.restarts.join(', ')}`)}`);
    if (diffs && change.diff) lines.push(indent(colorDiff(change.diff, p), '      '));
  }
  for (const skip of node.skipped) lines.push(`  ${p.dim(`skipped ${skip.entry}: ${skip.reason}`)}`);
  return lines.join('\n') + '\n';
}

function colorDiff(diff: string, p: Palette): string {
  return diff
    .trimEnd()
    .split('\n')
    .map((line) => {
      if (line.startsWith('+++') || line.startsWith('---')) return p.bold(line);
      if (line.startsWith('+')) return p.green(line);
      if (line.startsWith('-')) return p.red(line);
      if (line.startsWith('@@')) return p.cyan(line);
      return line;
    })
    .join('\n');
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}

export function renderSummary(nodes: readonly NodePlan[], p: Palette): string {
  const rows = nodes.map((node) => [
    node.name,
    node.status === 'error' ? p.red('error') : wouldRefuse(node) ? p.red('refused') : node.status === 'changes' ? p.yellow('changes') : p.green('in-sync'),
    node.status === 'error' ? '-' : String(node.changes.length),
    node.restarts.length > 0 ? node.restarts.join(',') : '-',
    node.status === 'error' ? firstLine(node.error?.message ?? '') : wouldRefuse(node) ? `apply would refuse: ${(node.refusal ?? []).map((r) => r.guard).join(', ')}` : node.lockedBy ? `locked by run ${node.lockedBy.runId}` : '',
  ]);
  const counts = countStatuses(nodes);
  const total = `${nodes.length} nodes: ${counts['in-sync']} in sync, ${counts.changes} with changes, ${counts.refused} refused by the guards, ${counts.error} with errors\n`;
  return renderTable(['NODE', 'STATUS', 'CHANGES', 'RESTARTS', 'ERROR'], rows, p.bold) + total;
}

export function countStatuses(nodes: readonly NodePlan[]): Record<NodePlan['status'] | 'refused', number> {
  const counts = { 'in-sync': 0, changes: 0, refused: 0, error: 0 };
  for (const node of nodes) counts[wouldRefuse(node) ? 'refused' : node.status]++;
  return counts;
}

export function describeLock(lock: NonNullable<NodePlan['lockedBy']>): string {
  return `locked by run ${lock.runId} (${lock.owner}, pid ${lock.pid}: ${lock.command}) until ${new Date(lock.expires * 1000).toISOString()}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}
