import { refusalReason } from '../plan/refusal.ts';
import type { ResourceEntry } from '../config/playbook-types.ts';
import type { HostSpec } from '../config/types.ts';
import type { NodeFacts } from '../facts/types.ts';
import type { Change, NodePlan } from '../plan/types.ts';
import { attribute, type Attribution } from './attribution.ts';
import { benchmarkOrder, chooseBenchmark, NEWEST, type BenchmarkChoice, type BenchmarkSetting } from './benchmarks.ts';
import { BENCHMARK, catalogue, checkDef, compareIds, isCisId } from './catalogue.ts';
import type { CheckDef, CheckedNode, CheckNodeResult, CheckReport, CheckResult, PendingFix } from './types.ts';

export interface NodeInput {
  readonly host: HostSpec;
  readonly entries: readonly ResourceEntry[];
  readonly plan: NodePlan;
  /** undefined when the node could not be read. */
  readonly facts: NodeFacts | undefined;
}

export interface CheckOptions {
  readonly createdAt: string;
  readonly playbooks: readonly string[];
  /** `--benchmark` or the inventory's `benchmark:`; without it each node gets kube-bench's pick for its kubelet. */
  readonly benchmark?: BenchmarkSetting | undefined;
}

interface Prepared extends NodeInput {
  readonly attribution: Attribution | undefined;
  /** undefined when the node was not read. */
  readonly choice: BenchmarkChoice | undefined;
}

/**
 * The report: every CIS check of the benchmarks in use, and every other catalogue id a playbook
 * entry carries, judged on every node. A CIS check's verdict is its audit's, by the node's
 * benchmark (what that check audits, whatever else the entries carrying it change); the
 * entries supply the fix. A guide item is also failed by any pending change of its entries:
 * the playbook is its definition.
 */
export function evaluateChecks(nodes: readonly NodeInput[], options: CheckOptions): CheckReport {
  const prepared: Prepared[] = nodes.map((node) => ({
    ...node,
    attribution: node.facts && node.plan.status !== 'error' ? attribute(node.host, node.entries, node.facts, node.plan) : undefined,
    choice: node.facts ? chooseBenchmark(options.benchmark, node.facts.kubeletVersion) : undefined,
  }));
  const chosen = prepared.flatMap((node) => (node.choice ? [node.choice.id] : []));
  const inUse = [...new Set(chosen.length > 0 ? chosen : [options.benchmark?.id ?? NEWEST])].sort(benchmarkOrder);
  const cisIds = inUse.flatMap((b) => catalogue(b).filter((def) => def.source === 'cis').map((def) => def.id));
  // a CIS id of another version (4.2.14 carried by the kubelet playbook, judged by cis-1.10) is not listed
  const carried = nodes.flatMap((node) => node.entries.flatMap((entry) => entry.checks)).filter((id) => !isCisId(id) || cisIds.includes(id));
  const ids = [...new Set([...cisIds, ...carried])].sort(compareIds);
  return {
    version: 1,
    createdAt: options.createdAt,
    benchmark: BENCHMARK,
    benchmarks: inUse,
    playbooks: options.playbooks,
    nodes: prepared.map(checkedNode),
    checks: ids.map((id): CheckResult => {
      const inBenchmarks = inUse.filter((b) => checkDef(id, b) !== undefined);
      // the newest wording in use (4.1.7 asks for 600 in cis-1.10 and 644 in cis-1.12)
      const def = checkDef(id, inBenchmarks.at(-1) ?? NEWEST) ?? unlisted(id);
      return {
        id,
        title: def.title,
        source: def.source,
        assessment: def.assessment,
        remediation: def.remediation,
        benchmarks: def.source === 'cis' ? inBenchmarks : [],
        kubeBench: def.kubeBench,
        nodes: prepared.map((node) => judge(id, def, node)),
      };
    }),
  };
}

function unlisted(id: string): CheckDef {
  return { id, title: '(not in the catalogue: decided by the playbook entries that carry it)', source: 'guide', assessment: 'automated', requests: [], audit: undefined, remediation: 'apply the playbook entries that carry this id' };
}

function checkedNode(node: Prepared): CheckedNode {
  const lock = node.plan.lockedBy;
  return {
    name: node.host.name,
    address: node.host.address,
    status: node.plan.status === 'error' || !node.facts ? 'error' : 'checked',
    error: node.plan.error?.message ?? (node.facts ? undefined : 'the node was not read'),
    lockedBy: lock ? `run ${lock.runId} (${lock.owner}: ${lock.command})` : undefined,
    ...(refusalReason(node.plan) ? { refusal: refusalReason(node.plan) } : {}),
    benchmark: node.choice?.id,
    benchmarkReason: node.choice?.reason ?? 'the node was not read',
  };
}

function fixOf(change: Change, summary: readonly string[]): PendingFix {
  return { change: change.id, kind: change.kind, target: change.target, action: change.action, summary, restarts: change.restarts, notes: change.notes };
}

/** A summary line is about a concern when it names it, or a key below it: `mode 0644 → 0600`, `readOnlyPort: 10255 → 0`, `authentication.webhook.cacheTTL: …`. */
const about = (line: string, concern: string): boolean => line === concern || [':', ' ', '.'].some((sep) => line.startsWith(`${concern}${sep}`));

/**
 * What apply would change for this check: the pending changes of the entries carrying it (each
 * entry's part; entries sharing a target share one change), cut to the check's concerns.
 */
function fixesFor(def: CheckDef, node: Prepared, active: readonly string[]): PendingFix[] {
  const byChange = new Map<string, { change: Change; lines: Set<string> }>();
  for (const change of active.flatMap((id) => node.attribution?.byEntry.get(id) ?? [])) {
    const slot = byChange.get(change.id) ?? { change, lines: new Set<string>() };
    for (const line of change.summary) slot.lines.add(line);
    byChange.set(change.id, slot);
  }
  return [...byChange.values()].flatMap(({ change, lines }) => {
    const concerns = def.concerns;
    const all = [...lines];
    const mine = concerns ? all.filter((line) => concerns.some((c) => about(line, c))) : all;
    return mine.length > 0 ? [fixOf(change, mine)] : [];
  });
}

function judge(id: string, shown: CheckDef, node: Prepared): CheckNodeResult {
  const carrying = node.entries.filter((entry) => entry.checks.includes(id)).map((entry) => entry.id);
  const base = { node: node.host.name, entries: carrying };
  if (!node.facts || !node.attribution || !node.choice) {
    return { ...base, status: 'error', failed: false, reasons: [node.plan.error?.message ?? 'the node was not read'], fixes: [] };
  }
  const skipped = node.plan.skipped.filter((skip) => carrying.includes(skip.entry));
  const active = carrying.filter((entry) => !skipped.some((skip) => skip.entry === entry));
  if (shown.source === 'cis') {
    const def = checkDef(id, node.choice.id);
    if (!def) return { ...base, status: 'n/a', failed: false, reasons: [`not a check of ${node.choice.id}`], fixes: [] };
    return { ...base, ...judgeCis(def, node.facts, fixesFor(def, node, active)), ...(def.remediation === shown.remediation ? {} : { remediation: def.remediation }) };
  }
  return { ...base, ...judgeGuide(shown, node, node.facts, active, skipped) };
}

type Verdict = Pick<CheckNodeResult, 'status' | 'failed' | 'reasons' | 'fixes'>;

/** CIS: the audit decides; a pending entry that does not touch what it audits is not its finding. */
function judgeCis(def: CheckDef, facts: NodeFacts, fixes: PendingFix[]): Verdict {
  const audit = def.audit?.(facts);
  if (!audit) return { status: 'warn', failed: false, reasons: ['cannot decide: the check has no audit'], fixes: [] };
  switch (audit.verdict) {
    case 'fail':
      return { status: def.assessment === 'automated' ? 'fail' : 'warn', failed: true, reasons: audit.details, fixes };
    case 'unknown':
      return { status: 'warn', failed: false, reasons: audit.details.map((d) => `cannot decide: ${d}`), fixes: [] };
    case 'n/a':
      return { status: 'n/a', failed: false, reasons: audit.details, fixes: [] };
    case 'pass':
      return { status: 'pass', failed: false, reasons: audit.details, fixes: [] };
  }
}

/** Guide items: the entries carrying the id are the definition, the audit (where there is one) a second opinion. */
function judgeGuide(def: CheckDef, node: Prepared, facts: NodeFacts, active: readonly string[], skipped: NodePlan['skipped']): Verdict {
  const skipReasons = skipped.map((skip) => `${skip.entry} does not apply: ${skip.reason}`);
  if (skipped.length > 0 && active.length === 0) return { status: 'n/a', failed: false, reasons: skipReasons, fixes: [] };
  const fixes = fixesFor(def, node, active);
  const audit = def.audit?.(facts);
  if (fixes.length > 0 || audit?.verdict === 'fail') {
    const reasons = audit?.verdict === 'fail' ? audit.details : [`${fixes.length === 1 ? 'a change' : 'changes'} the playbook makes for it ${fixes.length === 1 ? 'is' : 'are'} pending`];
    return { status: 'fail', failed: true, reasons, fixes };
  }
  if (audit?.verdict === 'unknown') return { status: 'warn', failed: false, reasons: audit.details.map((d) => `cannot decide: ${d}`), fixes: [] };
  if (!audit && active.length === 0) return { status: 'warn', failed: false, reasons: ['cannot decide: no selected playbook entry and no audit covers it'], fixes: [] };
  if (audit?.verdict === 'n/a' && active.length === 0) return { status: 'n/a', failed: false, reasons: audit.details, fixes: [] };
  const inSync = active.length > 0 ? [`in sync: ${active.join(', ')}`] : [];
  return { status: 'pass', failed: false, reasons: [...(audit?.details ?? []), ...inSync], fixes: [] };
}
