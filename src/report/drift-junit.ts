import type { DriftNode, DriftReport } from '../drift/types.ts';
import { renderJUnit, type JUnitCase } from './junit.ts';

function cases(node: DriftNode): JUnitCase[] {
  if (node.status === 'error' || node.status === 'unreachable') {
    return [{ name: 'read the node', classname: 'nodeward.drift', outcome: { kind: 'error', message: `${node.status}: ${node.reason ?? ''}`, text: node.reason ?? '' } }];
  }
  if (node.status === 'locked') return [{ name: 'read the node', classname: 'nodeward.drift', outcome: { kind: 'skipped', message: node.reason ?? 'locked by another run' } }];
  return node.rules.map((rule): JUnitCase => {
    const name = `${rule.id}${rule.checks.length > 0 ? ` [${rule.checks.join(' ')}]` : ''}`;
    const items = node.items.filter((item) => item.rules.includes(rule.id));
    const text = items.flatMap((item) => [`${item.state} ${item.kind} ${item.target}`, ...item.summary.map((l) => `  ${l}`)]).join('\n');
    switch (rule.state) {
      case 'in-sync':
        return { name, classname: 'nodeward.drift', outcome: { kind: 'passed' } };
      case 'not-applicable':
        return { name, classname: 'nodeward.drift', outcome: { kind: 'skipped', message: rule.reason ?? 'not applicable' } };
      case 'fixed':
        return { name, classname: 'nodeward.drift', outcome: { kind: 'passed' }, output: `drift found and fixed by this run\n${text}` };
      case 'drift':
        // with --since-last only new drift fails a case
        if (items.length === 0) return { name, classname: 'nodeward.drift', outcome: { kind: 'passed' }, output: 'drift persisting from an earlier run' };
        return { name, classname: 'nodeward.drift', outcome: { kind: 'failure', message: `drift: ${items.map((i) => `${i.kind} ${i.target}`).join(', ')}`, text } };
    }
  });
}

/** One testsuite per node, one testcase per playbook entry: drift fails it, fixed drift passes with a note. */
export function renderDriftJUnit(report: DriftReport): string {
  return renderJUnit(
    'nodeward drift',
    report.nodes.map((node) => ({ name: node.name, timestamp: report.finishedAt, properties: { address: node.address, status: node.status, runId: report.runId }, cases: cases(node) })),
  );
}
