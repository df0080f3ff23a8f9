import type { CheckNodeResult, CheckReport, CheckResult } from '../check/types.ts';
import { describeFix } from './check-table.ts';
import { renderJUnit, type JUnitOutcome } from './junit.ts';

function outcome(check: CheckResult, r: CheckNodeResult): JUnitOutcome {
  const kubeBench = check.kubeBench ? [`kube-bench: ${check.kubeBench}`] : [];
  const text = [
    ...r.reasons,
    ...r.fixes.map((f) => `apply would: ${describeFix(f)}`),
    ...(r.failed && r.fixes.length === 0 ? [`by hand: ${r.remediation ?? check.remediation}`] : []),
    ...kubeBench,
  ].join('\n');
  switch (r.status) {
    case 'pass':
      return { kind: 'passed' };
    case 'fail':
      return { kind: 'failure', message: `FAIL ${check.id}: ${r.reasons[0] ?? 'out of sync'}`, text };
    case 'error':
      return { kind: 'error', message: r.reasons[0] ?? 'the node could not be checked', text };
    case 'warn':
      return { kind: 'skipped', message: `WARN${r.failed ? ' (manual, failing)' : ''}: ${text.split('\n').join('; ')}` };
    case 'n/a':
      return { kind: 'skipped', message: `N/A: ${[...r.reasons, ...kubeBench].join('; ')}` };
  }
}

/** One testsuite per node, one testcase per check: automated failures fail, manual ones are skipped with WARN. */
export function renderCheckJUnit(report: CheckReport): string {
  return renderJUnit(
    'nodeward check',
    report.nodes.map((node) => ({
      name: node.name,
      timestamp: report.createdAt,
      properties: { address: node.address, benchmark: node.benchmark === undefined ? report.benchmark : `${node.benchmark} (${node.benchmarkReason})` },
      cases: report.checks.flatMap((check) => {
        const r = check.nodes.find((n) => n.node === node.name);
        return r ? [{ name: `${check.id} ${check.title}`, classname: `nodeward.check.${check.source}`, outcome: outcome(check, r), output: r.status === 'pass' ? r.reasons.join('\n') : undefined }] : [];
      }),
    })),
  );
}
