import { shardLabel } from '../drift/shard.ts';
import type { DriftNodeStatus, DriftReport } from '../drift/types.ts';
import { renderExposition, type MetricFamily } from './prometheus.ts';

export const NODE_STATUSES: readonly DriftNodeStatus[] = ['in-sync', 'drift', 'fixed', 'fix-failed', 'error', 'unreachable', 'locked'];

const epoch = (iso: string): number => Math.round(Date.parse(iso) / 1000);

/**
 * The node_exporter textfile-collector file. Node series are disjoint between shards and the run
 * series carry the shard, so several shards' files in one directory never collide.
 */
export function driftMetrics(report: DriftReport): MetricFamily[] {
  const shard = { shard: shardLabel(report.shard) };
  const perNode = (name: string, help: string, value: (n: DriftReport['nodes'][number]) => number | undefined): MetricFamily => ({
    name,
    help,
    type: 'gauge',
    samples: report.nodes.flatMap((node) => {
      const v = value(node);
      return v === undefined ? [] : [{ labels: { node: node.name }, value: v }];
    }),
  });
  const judged = (n: DriftReport['nodes'][number]): boolean => !['error', 'unreachable', 'locked'].includes(n.status);
  const families: MetricFamily[] = [
    perNode('nodeward_drift_node_changes', 'Changes the playbooks need on the node, found by the last drift run (before --fix).', (n) => (judged(n) ? n.counts.found : undefined)),
    perNode('nodeward_drift_node_new_changes', 'Of those, the ones the previous run did not find.', (n) => (judged(n) ? n.counts.new : undefined)),
    perNode('nodeward_drift_node_fixed_changes', 'Changes the last run fixed with --fix.', (n) => (judged(n) ? n.counts.fixed : undefined)),
    perNode('nodeward_drift_node_resolved_changes', "Changes the previous run found that are gone (fixed since, by anyone).", (n) => (judged(n) ? n.counts.resolved : undefined)),
    {
      name: 'nodeward_drift_node_status',
      help: 'The node after the last drift run: 1 for its status, 0 for the others.',
      type: 'gauge',
      samples: report.nodes.flatMap((node) => NODE_STATUSES.map((status) => ({ labels: { node: node.name, status }, value: node.status === status ? 1 : 0 }))),
    },
    {
      name: 'nodeward_drift_nodes',
      help: 'Nodes of this shard by status after the last drift run.',
      type: 'gauge',
      samples: NODE_STATUSES.map((status) => ({ labels: { ...shard, status }, value: report.nodes.filter((n) => n.status === status).length })),
    },
    { name: 'nodeward_drift_last_run_timestamp_seconds', help: 'When the last drift run finished (Unix time).', type: 'gauge', samples: [{ labels: shard, value: epoch(report.finishedAt) }] },
    {
      name: 'nodeward_drift_last_success_timestamp_seconds',
      help: 'When the newest drift run that read every node without error finished (Unix time); alert when it gets old.',
      type: 'gauge',
      samples: report.lastSuccessAt === undefined ? [] : [{ labels: shard, value: epoch(report.lastSuccessAt) }],
    },
    { name: 'nodeward_drift_duration_seconds', help: 'How long the last drift run took.', type: 'gauge', samples: [{ labels: shard, value: report.durationSeconds }] },
    { name: 'nodeward_drift_exit_code', help: 'Exit status of the last drift run (0 no drift, 2 drift, 5 unreachable nodes, 1 errors).', type: 'gauge', samples: [{ labels: shard, value: report.exitCode }] },
  ];
  return families.filter((family) => family.samples.length > 0);
}

export function renderDriftPrometheus(report: DriftReport): string {
  return renderExposition(driftMetrics(report));
}
