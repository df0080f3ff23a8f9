import type { ResourceEntry } from '../config/playbook-types.ts';
import type { FactRequest, NodeFacts } from '../facts/types.ts';
import type { Change } from '../plan/types.ts';

/** One entry's spec of a given kind, with the entry it came from. */
export interface Desired<S> {
  readonly entry: ResourceEntry;
  readonly spec: S;
}

/** Most permissive mode and the owner/group a path must have (from `permissions` entries). */
export interface PermissionConstraint {
  readonly maxMode: number | undefined;
  readonly owner: string | undefined;
  readonly group: string | undefined;
  readonly entries: readonly ResourceEntry[];
}

export interface PlanInput {
  readonly host: string;
  readonly facts: NodeFacts;
  /** Constraints by path; writers apply them so a write and a permissions entry never fight. */
  readonly constraints: ReadonlyMap<string, PermissionConstraint>;
  /** Paths written by content changes already planned (permissions skips them). */
  readonly written: ReadonlySet<string>;
}

/**
 * A resource kind. Both functions are pure. `plan` receives every entry of its kind on a node at
 * once, so entries that touch the same target are merged into one change (or refused as a
 * conflict with a PlanError) instead of overwriting each other.
 */
export interface ResourceHandler<S> {
  requests(spec: S): FactRequest[];
  plan(desired: readonly Desired<S>[], input: PlanInput): Change[];
}
