import { isHalfWritten } from '../node/run-state.ts';
import { errorGist, groupByTarget, groupIdenticalPlans, groupSkips, type TargetGroup } from '../plan/group.ts';
import { DISPOSITIONS, planDisposition, planTotals, type PlanDisposition } from '../plan/summary.ts';
import { describeKubeState } from '../plan/kubernetes.ts';
import type { Change, NodePlan, Plan } from '../plan/types.ts';
import { mergeOrder } from '../util/merge-order.ts';
import type { Palette } from '../text/colors.ts';
import { nodesLabel, whereTag } from '../text/node-names.ts';

/** How diffs show: whole unified diffs, only the lines that change, or none. */
export const DIFF_MODES = ['full', 'changed', 'none'] as const;
export type DiffMode = (typeof DIFF_MODES)[number];

export interface RenderPlanOptions {
  readonly palette: Palette;
  readonly diff: DiffMode;
  /** false: only the per-group headlines and the footer (apply and rollout, before they ask). */
  readonly details: boolean;
}

const SYMBOL: Record<Change['action'], string> = { create: '+', update: '~', delete: '-' };

/** How each disposition reads and where its groups come in the list: problems first. */
const SHOWN: Record<PlanDisposition, { readonly rank: number; readonly counted: string; readonly paint: (p: Palette) => (s: string) => string }> = {
  error: { rank: 0, counted: 'errors', paint: (p) => p.red },
  refused: { rank: 1, counted: 'refused', paint: (p) => p.red },
  locked: { rank: 2, counted: 'locked', paint: (p) => p.yellow },
  changes: { rank: 3, counted: 'with changes', paint: (p) => p.yellow },
  'in-sync': { rank: 4, counted: 'in sync', paint: (p) => p.green },
};

/**
 * The human plan, summary first: nodes with identical plans once per group, then (with details)
 * every change once per target with what differs between nodes marked where it differs, then a
 * footer that counts. Pure.
 */
export function renderPlan(plan: Plan, options: RenderPlanOptions): string {
  const p = options.palette;
  const out: string[] = [...renderGroups(plan.nodes, p), ''];
  if (options.details) {
    const changed = plan.nodes.filter((n) => n.changes.length > 0);
    const targets = groupByTarget(changed);
    if (targets.length > 0) {
      out.push(p.bold(`Changes (each shown once; "on …" marks what only some of the ${changed.length} node(s) get):`));
      for (const target of targets) out.push(...renderTarget(target, changed.map((n) => n.name), options));
      out.push('');
    }
    const planned = plan.nodes.filter((n) => n.status !== 'error').map((n) => n.name);
    const skips = groupSkips(plan.nodes);
    for (const skip of skips) out.push(`  ${p.dim(`skipped ${skip.entry}: ${skip.reason}${paren(whereTag(skip.nodes, planned))}`)}`);
    if (skips.length > 0) out.push('');
  }
  out.push(renderFooter(plan.nodes, p));
  return out.join('\n') + '\n';
}

/** One headline per group of nodes with identical plans, problems first, with their notices. */
function renderGroups(nodes: readonly NodePlan[], p: Palette): string[] {
  const groups = groupIdenticalPlans(nodes).sort((a, b) => rank(a.nodes[0]) - rank(b.nodes[0]));
  return groups.flatMap((group) => {
    const first = group.nodes[0];
    if (!first) return [];
    const disposition = planDisposition(first);
    const [headline = '', ...more] = describe(first).split('\n');
    const lines = [`${p.bold(nodesLabel(group.nodes.map((n) => n.name)))}: ${SHOWN[disposition].paint(p)(headline)}`];
    for (const line of more) lines.push(`    ${line}`);
    const kube = kubeLine(group.nodes);
    if (kube) lines.push(`  ${p.dim(kube)}`);
    for (const refusal of first.refusal ?? []) lines.push(`  ${p.red(`✗ ${refusal.guard}: ${refusal.message}`)}`, `    ${p.yellow(`to apply it: ${refusal.fix}`)}`);
    for (const notice of notices(first)) lines.push(`  ${p.yellow(`! ${notice}`)}`);
    return lines;
  });
}

/** The group's Kubernetes state: "Kubernetes: Ready, kubelet v1.31.4", or per state with the nodes in it. */
function kubeLine(nodes: readonly NodePlan[]): string | undefined {
  const byState = new Map<string, string[]>();
  for (const node of nodes) {
    const text = node.kubernetes ? describeKubeState(node.kubernetes) : 'no Node';
    byState.set(text, [...(byState.get(text) ?? []), node.name]);
  }
  if (nodes.every((n) => !n.kubernetes)) return undefined;
  const all = nodes.map((n) => n.name);
  return `Kubernetes: ${[...byState].map(([text, on]) => `${text}${paren(whereTag(on, all))}`.replace('  (', ' (')).join('; ')}`;
}

function rank(node: NodePlan | undefined): number {
  return node ? SHOWN[planDisposition(node)].rank : 0;
}

/** The headline of a node's plan (the same for every node of its group). */
function describe(node: NodePlan): string {
  switch (planDisposition(node)) {
    case 'error':
      if (node.error?.code === 'cancelled') return 'not planned (interrupted)';
      return `${node.error?.hop === 'bastion' ? 'not reached through the bastion' : 'error'}: ${errorGist(node)}`;
    case 'locked':
      return `${node.lockedBy ? describeLock(node.lockedBy) : 'locked'}: its changes are in flight`;
    case 'refused':
      return `${node.changes.length} change${node.changes.length === 1 ? '' : 's'}, apply would refuse it (${(node.refusal ?? []).map((r) => r.guard).join(', ')})`;
    case 'in-sync':
      return 'in sync';
    case 'changes': {
      const restarts = node.restarts.length > 0 ? `, restarts ${node.restarts.join(', ')}` : '';
      return node.changes.length > 0 ? `${node.changes.length} change${node.changes.length === 1 ? '' : 's'}${restarts}` : 'an interrupted run to finish';
    }
  }
}

function notices(node: NodePlan): string[] {
  const lines: string[] = [];
  for (const run of node.pendingRuns ?? []) {
    const owed = run.owed.length > 0 ? `, restarts owed: ${run.owed.join(', ')}` : '';
    // a half-written run is rolled back first: the changes, read mid-write, are then re-planned
    const then = isHalfWritten(run.state) ? 'apply rolls it back first and re-plans this node' : run.state === 'restored' ? 'apply finishes its rollback first' : 'apply finishes it first';
    lines.push(`run ${run.runId} was interrupted (${run.state}${owed}): ${then}`);
  }
  if (node.abandonedLock) lines.push(`the lock of run ${node.abandonedLock.runId} was left by nodeward (pid ${node.abandonedLock.pid} on this machine), which is gone: apply takes it over`);
  return lines;
}

interface Line {
  readonly text: string;
  readonly style: 'plain' | 'note' | 'restarts';
}

/** Lines of several versions merged in order; each with the nodes whose version has it. */
function mergeLines(versions: readonly { readonly lines: readonly Line[]; readonly nodes: readonly string[] }[]): { line: Line; nodes: string[] }[] {
  const keyed = versions.map((version) => {
    const seen = new Map<string, number>();
    return version.lines.map((line) => {
      const id = `${line.style}\0${line.text}`;
      const n = seen.get(id) ?? 0;
      seen.set(id, n + 1);
      return { key: `${n}\0${id}`, line };
    });
  });
  const found = new Map<string, { line: Line; nodes: string[] }>();
  keyed.forEach((lines, i) => {
    for (const { key, line } of lines) {
      const slot = found.get(key) ?? { line, nodes: [] };
      found.set(key, slot);
      slot.nodes.push(...(versions[i]?.nodes ?? []));
    }
  });
  return mergeOrder(keyed.map((lines) => lines.map((l) => l.key))).flatMap((key) => found.get(key) ?? []);
}

function renderTarget(target: TargetGroup, changed: readonly string[], { palette: p, diff }: RenderPlanOptions): string[] {
  const symbol = target.action === 'create' ? p.green('+') : target.action === 'delete' ? p.red('-') : p.yellow(SYMBOL[target.action]);
  const checks = mergeOrder(target.variants.map((v) => v.change.checks));
  const out = [`  ${symbol} ${target.kind} ${p.bold(target.target)}${checks.length > 0 ? p.dim(`  [${checks.join(' ')}]`) : ''}${paren(whereTag(target.nodes, changed), p)}`];
  const body = mergeLines(
    target.variants.map((v) => ({
      nodes: v.nodes,
      lines: [
        ...v.change.summary.map((text): Line => ({ text, style: 'plain' })),
        ...v.change.notes.map((text): Line => ({ text: `note: ${text}`, style: 'note' })),
        ...(v.change.restarts.length > 0 ? [{ text: `restarts ${v.change.restarts.join(', ')}`, style: 'restarts' } as const] : []),
      ],
    })),
  );
  for (const { line, nodes } of body) {
    const text = line.style === 'note' ? p.yellow(line.text) : line.style === 'restarts' ? p.dim(line.text) : line.text;
    out.push(`      ${text}${paren(whereTag(nodes, target.nodes), p)}`);
  }
  if (diff === 'changed') out.push(...changedLines(target, p));
  if (diff === 'full') out.push(...fullDiffs(target, p));
  return out;
}

/** Only the lines a diff removes and adds, merged across the nodes' versions. */
function changedLines(target: TargetGroup, p: Palette): string[] {
  const withDiff = target.variants.filter((v) => v.change.diff !== undefined);
  const nodes = withDiff.flatMap((v) => v.nodes);
  const merged = mergeLines(
    withDiff.map((v) => ({
      nodes: v.nodes,
      lines: (v.change.diff ?? '')
        .split('\n')
        .filter((line) => (line.startsWith('+') || line.startsWith('-')) && !line.startsWith('+++') && !line.startsWith('---'))
        .map((text): Line => ({ text, style: 'plain' })),
    })),
  );
  return merged.map(({ line, nodes: on }) => `      ${colorDiffLine(line.text, p)}${paren(whereTag(on, nodes), p)}`);
}

/** Whole unified diffs, each distinct one once with the nodes it is for. */
function fullDiffs(target: TargetGroup, p: Palette): string[] {
  const byText = new Map<string, string[]>();
  for (const v of target.variants) {
    if (v.change.diff === undefined) continue;
    byText.set(v.change.diff, [...(byText.get(v.change.diff) ?? []), ...v.nodes]);
  }
  const out: string[] = [];
  for (const [text, nodes] of byText) {
    if (byText.size > 1 || nodes.length < target.nodes.length) out.push(`      ${p.dim(`diff ${whereTag(nodes, target.nodes) || 'on every node'}:`)}`);
    for (const line of text.trimEnd().split('\n')) out.push(`      ${colorDiffLine(line, p)}`);
  }
  return out;
}

function colorDiffLine(line: string, p: Palette): string {
  if (line.startsWith('+++') || line.startsWith('---')) return p.bold(line);
  if (line.startsWith('+')) return p.green(line);
  if (line.startsWith('-')) return p.red(line);
  if (line.startsWith('@@')) return p.cyan(line);
  return line;
}

/** "  (on node-3)", dimmed; nothing when the line is on every node. */
function paren(tag: string, p?: Palette): string {
  if (tag === '') return '';
  return p ? p.dim(`  (${tag})`) : `  (${tag})`;
}

/** "Plan: 5 nodes, 201 changes, 10 restarts; 5 with changes, 0 in sync, 0 refused, 0 locked, 0 errors". */
export function renderFooter(nodes: readonly NodePlan[], p: Palette): string {
  const t = planTotals(nodes);
  const counts = DISPOSITIONS.map((d) => `${t.byDisposition[d]} ${SHOWN[d].counted}`).join(', ');
  return p.bold(`Plan: ${t.nodes} node${t.nodes === 1 ? '' : 's'}, ${t.changes} change${t.changes === 1 ? '' : 's'}, ${t.restarts} restart${t.restarts === 1 ? '' : 's'}; ${counts}`);
}

export function describeLock(lock: NonNullable<NodePlan['lockedBy']>): string {
  return `locked by run ${lock.runId} (${lock.owner}, pid ${lock.pid}: ${lock.command}) until ${new Date(lock.expires * 1000).toISOString()}`;
}
