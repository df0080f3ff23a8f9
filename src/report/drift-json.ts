import { shardLabel } from '../drift/shard.ts';
import type { DriftReport } from '../drift/types.ts';
import { driftTotals, ruleSummary } from './drift-summary.ts';

/** `--format json`: the whole report; catalogue ids on every item and rule. */
export function driftToJson(report: DriftReport): unknown {
  return {
    version: report.version,
    kind: 'nodeward-drift',
    runId: report.runId,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    durationSeconds: report.durationSeconds,
    inventory: report.inventory,
    playbooks: report.playbooks,
    shard: report.shard ? shardLabel(report.shard) : null,
    fix: report.fix,
    sinceLast: report.sinceLast,
    previousRunAt: report.previousRunAt ?? null,
    lastSuccessAt: report.lastSuccessAt ?? null,
    exitCode: report.exitCode,
    notes: report.notes,
    summary: driftTotals(report),
    rules: ruleSummary(report),
    nodes: report.nodes.map((node) => ({
      name: node.name,
      address: node.address,
      status: node.status,
      reason: node.reason ?? null,
      counts: node.counts,
      fix: node.fix ? { status: node.fix.status, reason: node.fix.reason ?? null, restarted: node.fix.restarted } : null,
      items: node.items,
      resolved: node.resolved,
      rules: node.rules.map((r) => ({ ...r, reason: r.reason ?? null })),
      refusal: node.refusal ?? null,
    })),
  };
}
