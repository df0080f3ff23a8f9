import type { CheckReport, CheckResult, CheckStatus } from '../check/types.ts';

/** A failure says more than an unreachable node, which the report lists on its own. */
export const STATUS_ORDER: readonly CheckStatus[] = ['fail', 'error', 'warn', 'pass', 'n/a'];

/** A check's status across nodes: the worst one. */
export function overallStatus(check: CheckResult): CheckStatus {
  return STATUS_ORDER.find((status) => check.nodes.some((n) => n.status === status)) ?? 'n/a';
}

export type StatusCounts = Record<CheckStatus, number>;

export function emptyCounts(): StatusCounts {
  return { pass: 0, fail: 0, warn: 0, 'n/a': 0, error: 0 };
}

export function countsByNode(report: CheckReport): Map<string, StatusCounts> {
  const counts = new Map(report.nodes.map((node) => [node.name, emptyCounts()]));
  for (const check of report.checks) {
    for (const result of check.nodes) {
      const c = counts.get(result.node);
      if (c) c[result.status]++;
    }
  }
  return counts;
}

export interface CheckTotals {
  readonly nodes: number;
  readonly nodeErrors: number;
  readonly checks: number;
  /** Automated checks failing on at least one node. */
  readonly automatedFailing: number;
  /** Manual checks failing (WARN) on at least one node. */
  readonly manualFailing: number;
  readonly undecided: number;
  readonly results: StatusCounts;
}

export function checkTotals(report: CheckReport): CheckTotals {
  const results = emptyCounts();
  for (const check of report.checks) for (const r of check.nodes) results[r.status]++;
  return {
    nodes: report.nodes.length,
    nodeErrors: report.nodes.filter((n) => n.status === 'error').length,
    checks: report.checks.length,
    automatedFailing: report.checks.filter((c) => c.nodes.some((n) => n.status === 'fail')).length,
    manualFailing: report.checks.filter((c) => c.nodes.some((n) => n.status === 'warn' && n.failed)).length,
    undecided: report.checks.filter((c) => c.nodes.some((n) => n.status === 'warn' && !n.failed)).length,
    results,
  };
}
