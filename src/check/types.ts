import type { BenchmarkId } from '../config/benchmark-ids.ts';
import type { FactRequest, NodeFacts } from '../facts/types.ts';

/** CIS "Automated" checks are scored: a failure fails the run. "Manual" ones only warn. */
export type Assessment = 'automated' | 'manual';

/** `cis`: CIS Kubernetes Benchmark worker node; `guide`: the node-hardening guide and dev-sec. */
export type CheckSource = 'cis' | 'guide';

/** `unknown`: the facts cannot decide it (say why); `n/a`: what it audits is not on this node. */
export type AuditVerdict = 'pass' | 'fail' | 'n/a' | 'unknown';

export interface AuditResult {
  readonly verdict: AuditVerdict;
  readonly details: readonly string[];
}

/** A pure audit of one node's facts. */
export type Audit = (facts: NodeFacts) => AuditResult;

export interface CheckDef {
  readonly id: string;
  readonly title: string;
  readonly source: CheckSource;
  readonly assessment: Assessment;
  /** Facts the audit reads, answered in the same exec as the plan's. */
  readonly requests: readonly FactRequest[];
  readonly audit: Audit | undefined;
  /** What to do by hand when no playbook entry remediates it (or the audit fails anyway). */
  readonly remediation: string;
  /**
   * What of a carrying entry's change this check is about: summary lines starting with one of
   * these (`mode`, `owner`, `readOnlyPort`, …). The fix shown for the check is that part only;
   * undefined: the whole change.
   */
  readonly concerns?: readonly string[] | undefined;
  /** Where kube-bench reports this check differently from nodeward, and why (shown in the report). */
  readonly kubeBench?: string | undefined;
}

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'n/a' | 'error';

/** A pending change that `apply` would make for a check: its remediation. */
export interface PendingFix {
  readonly change: string;
  readonly kind: string;
  readonly target: string;
  readonly action: string;
  readonly summary: readonly string[];
  readonly restarts: readonly string[];
  readonly notes: readonly string[];
}

export interface CheckNodeResult {
  readonly node: string;
  readonly status: CheckStatus;
  /** A manual check that fails is reported WARN; this says it did fail. */
  readonly failed: boolean;
  readonly reasons: readonly string[];
  readonly fixes: readonly PendingFix[];
  /** Playbook entries (`playbook/entry`) that carry this check on the node. */
  readonly entries: readonly string[];
  /** The manual fix as the node's benchmark words it, where it differs from the check's (4.1.7's mode). */
  readonly remediation?: string | undefined;
}

export interface CheckResult {
  readonly id: string;
  /** As the newest benchmark in use words it (4.1.7's mode differs between versions). */
  readonly title: string;
  readonly source: CheckSource;
  readonly assessment: Assessment;
  readonly remediation: string;
  /** CIS checks: the benchmarks in use that define it; guide items: none. */
  readonly benchmarks: readonly BenchmarkId[];
  readonly kubeBench: string | undefined;
  readonly nodes: readonly CheckNodeResult[];
}

export interface CheckedNode {
  readonly name: string;
  readonly address: string;
  /** `error`: the node could not be read or planned; every check on it is an error. */
  readonly status: 'checked' | 'error';
  readonly error: string | undefined;
  /** Another nodeward run held the node's lock while it was read: results may be mid-change. */
  readonly lockedBy: string | undefined;
  /** Apply's guards would refuse the fixes the report shows for this node, and why. */
  readonly refusal?: string | undefined;
  /** The CIS benchmark the node was judged by, and why that one (undefined when it was not read). */
  readonly benchmark: BenchmarkId | undefined;
  readonly benchmarkReason: string;
}

export interface CheckReport {
  readonly version: 1;
  readonly createdAt: string;
  /** What the report judges by, in words. */
  readonly benchmark: string;
  /** The CIS benchmark versions in use, oldest first. */
  readonly benchmarks: readonly BenchmarkId[];
  readonly playbooks: readonly string[];
  readonly nodes: readonly CheckedNode[];
  readonly checks: readonly CheckResult[];
}
