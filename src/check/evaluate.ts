import type { ResourceEntry } from '../config/playbook-types.ts';
import type { HostSpec } from '../config/types.ts';
import type { NodeFacts } from '../facts/types.ts';
import type { Change, NodePlan } from '../plan/types.ts';
import { attribute, type Attribution } from './attribution.ts';
import { BENCHMARK, CATALOGUE, checkDef, compareIds } from './catalogue.ts';
import type { CheckDef, CheckedNode, CheckNodeResult, CheckReport, CheckResult, PendingFix } from './types.ts';

export interface NodeInput {
  readonly host: HostSpec;
  readonly entries: readonly ResourceEntry[];
  readonly plan: NodePlan;
  /** undefined when the node could not be read. */
  readonly facts: NodeFacts | undefined;
}

interface Prepared extends NodeInput {
  readonly attribution: Attribution | undefined;
}

/**
 * The report: every CIS check, and every other catalogue id a playbook entry carries, judged on
 * every node from the entries that carry it (anything pending fails it) and its audit.
 */
export function evaluateChecks(nodes: readonly NodeInput[], options: { readonly createdAt: string; readonly playbooks: readonly string[] }): CheckReport {
  const prepared: Prepared[] = nodes.map((node) => ({
    ...node,
    attribution: node.facts && node.plan.status !== 'error' ? attribute(node.host, node.entries, node.facts, node.plan) : undefined,
  }));
  const carried = new Set(nodes.flatMap((node) => node.entries.flatMap((entry) => entry.checks)));
  const ids = [...new Set([...CATALOGUE.filter((def) => def.source === 'cis').map((def) => def.id), ...carried])].sort(compareIds);
  return {
    version: 1,
    createdAt: options.createdAt,
    benchmark: BENCHMARK,
    playbooks: options.playbooks,
    nodes: nodes.map(checkedNode),
    checks: ids.map((id): CheckResult => {
      const def = checkDef(id) ?? unlisted(id);
      return { id, title: def.title, source: def.source, assessment: def.assessment, remediation: def.remediation, nodes: prepared.map((node) => judge(def, node)) };
    }),
  };
}

function unlisted(id: string): CheckDef {
  return { id, title: '(not in the catalogue: decided by the playbook entries that carry it)', source: 'guide', assessment: 'automated', requests: [], audit: undefined, remediation: 'apply the playbook entries that carry this id' };
}

function checkedNode(node: NodeInput): CheckedNode {
  const lock = node.plan.lockedBy;
  return {
    name: node.host.name,
    address: node.host.address,
    status: node.plan.status === 'error' || !node.facts ? 'error' : 'checked',
    error: node.plan.error?.message ?? (node.facts ? undefined : 'the node was not read'),
    lockedBy: lock ? `run ${lock.runId} (${lock.owner}: ${lock.command})` : undefined,
  };
}

function fixOf(change: Change): PendingFix {
  return { change: change.id, kind: change.kind, target: change.target, action: change.action, summary: change.summary, restarts: change.restarts, notes: change.notes };
}

function judge(def: CheckDef, node: Prepared): CheckNodeResult {
  const carrying = node.entries.filter((entry) => entry.checks.includes(def.id)).map((entry) => entry.id);
  const base = { node: node.host.name, entries: carrying };
  if (!node.facts || !node.attribution) {
    return { ...base, status: 'error', failed: false, reasons: [node.plan.error?.message ?? 'the node was not read'], fixes: [] };
  }
  const skipped = node.plan.skipped.filter((skip) => carrying.includes(skip.entry));
  const active = carrying.filter((id) => !skipped.some((skip) => skip.entry === id));
  if (def.source === 'guide' && carrying.length > 0 && active.length === 0) {
    return { ...base, status: 'n/a', failed: false, reasons: skipped.map((skip) => `${skip.entry} does not apply: ${skip.reason}`), fixes: [] };
  }
  const pending = [...new Map(active.flatMap((id) => node.attribution?.byEntry.get(id) ?? []).map((change) => [change.id, change])).values()];
  const audit = def.audit?.(node.facts);
  if (pending.length > 0 || audit?.verdict === 'fail') {
    const reasons = audit?.verdict === 'fail' ? audit.details : audit ? [`its audit passes (${audit.details.join('; ')}), yet an entry carrying it is out of sync`] : [];
    return { ...base, status: def.assessment === 'automated' ? 'fail' : 'warn', failed: true, reasons, fixes: pending.map(fixOf) };
  }
  const skipReasons = skipped.map((skip) => `${skip.entry} does not apply: ${skip.reason}`);
  if (audit?.verdict === 'unknown') return { ...base, status: 'warn', failed: false, reasons: audit.details.map((d) => `cannot decide: ${d}`), fixes: [] };
  if (!audit && active.length === 0) {
    return skipped.length > 0
      ? { ...base, status: 'n/a', failed: false, reasons: skipReasons, fixes: [] }
      : { ...base, status: 'warn', failed: false, reasons: ['cannot decide: no selected playbook entry and no audit covers it'], fixes: [] };
  }
  if (audit?.verdict === 'n/a' && active.length === 0) return { ...base, status: 'n/a', failed: false, reasons: audit.details, fixes: [] };
  const inSync = active.length > 0 ? [`in sync: ${active.join(', ')}`] : [];
  return { ...base, status: 'pass', failed: false, reasons: [...(audit?.details ?? []), ...inSync], fixes: [] };
}
