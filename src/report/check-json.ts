import type { CheckReport } from '../check/types.ts';
import { checkTotals, overallStatus } from './check-summary.ts';

/** The check report as JSON (`--format json`): stable field names, ids as in the catalogue. */
export function checkToJson(report: CheckReport): unknown {
  return {
    version: report.version,
    kind: 'nodeward-check',
    createdAt: report.createdAt,
    benchmark: report.benchmark,
    benchmarks: report.benchmarks,
    playbooks: report.playbooks,
    summary: checkTotals(report),
    nodes: report.nodes.map((n) => ({ name: n.name, address: n.address, status: n.status, error: n.error ?? null, lockedBy: n.lockedBy ?? null, refusal: n.refusal ?? null, benchmark: n.benchmark ?? null, benchmarkReason: n.benchmarkReason })),
    checks: report.checks.map((check) => ({
      id: check.id,
      title: check.title,
      source: check.source,
      assessment: check.assessment,
      status: overallStatus(check),
      remediation: check.remediation,
      benchmarks: check.benchmarks,
      kubeBench: check.kubeBench ?? null,
      results: check.nodes.map((r) => ({ node: r.node, status: r.status, failed: r.failed, reasons: r.reasons, entries: r.entries, fixes: r.fixes, ...(r.remediation ? { remediation: r.remediation } : {}) })),
    })),
  };
}
