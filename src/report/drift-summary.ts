import type { DriftNodeStatus, DriftReport } from '../drift/types.ts';

export interface DriftTotals {
  readonly nodes: number;
  readonly byStatus: Readonly<Record<DriftNodeStatus, number>>;
  readonly changes: { readonly found: number; readonly new: number; readonly persisting: number; readonly fixed: number; readonly resolved: number };
}

export function driftTotals(report: DriftReport): DriftTotals {
  const byStatus: Record<DriftNodeStatus, number> = { 'in-sync': 0, drift: 0, fixed: 0, 'fix-failed': 0, error: 0, unreachable: 0, locked: 0 };
  const changes = { found: 0, new: 0, persisting: 0, fixed: 0, resolved: 0 };
  for (const node of report.nodes) {
    byStatus[node.status]++;
    for (const key of Object.keys(changes) as (keyof typeof changes)[]) changes[key] += node.counts[key];
  }
  return { nodes: report.nodes.length, byStatus, changes };
}

export interface RuleDrift {
  readonly rule: string;
  readonly checks: readonly string[];
  /** Nodes where the rule drifted (fixed or not). */
  readonly nodes: readonly string[];
  readonly fixed: readonly string[];
}

/** Per playbook entry: the nodes it drifted on (with --since-last, only nodes with new drift for it). */
export function ruleSummary(report: DriftReport): RuleDrift[] {
  const rules = new Map<string, { checks: readonly string[]; nodes: string[]; fixed: string[] }>();
  for (const node of report.nodes) {
    const reported = new Set(node.items.flatMap((item) => item.rules));
    for (const rule of node.rules) {
      if (rule.state !== 'drift' && rule.state !== 'fixed') continue;
      if (report.sinceLast && !reported.has(rule.id)) continue;
      const slot = rules.get(rule.id) ?? { checks: rule.checks, nodes: [], fixed: [] };
      slot.nodes.push(node.name);
      if (rule.state === 'fixed') slot.fixed.push(node.name);
      rules.set(rule.id, slot);
    }
  }
  return [...rules].map(([rule, s]) => ({ rule, checks: s.checks, nodes: s.nodes, fixed: s.fixed })).sort((a, b) => b.nodes.length - a.nodes.length || (a.rule < b.rule ? -1 : 1));
}
