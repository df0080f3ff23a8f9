import type { ResourceSpec } from '../spec/schemas.ts';
import type { SourcePosition } from '../util/errors.ts';

/** A condition evaluated on the node's facts (gathered in the same single round trip). */
export type Condition =
  | { readonly fileExists: string }
  | { readonly unitExists: string }
  | { readonly osFamily: 'debian' | 'rhel' }
  | { readonly var: string }
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] }
  | { readonly not: Condition };

/** One entry of a playbook's `resources:` list, instantiated for one host. */
export interface ResourceEntry {
  /** Stable id: `<playbook name>/<entry name>`. */
  readonly id: string;
  readonly name: string;
  /** Catalogue ids (CIS or guide) this entry remediates, e.g. ["4.2.1"]. */
  readonly checks: readonly string[];
  /** Shown with every change of this entry in the plan (e.g. what the setting can break). */
  readonly note: string | undefined;
  readonly when: Condition | undefined;
  readonly resource: ResourceSpec;
  /** Where the entry is written, for error messages. */
  readonly source: SourcePosition;
  /** Variables `{ var }` conditions read (its playbook's, for its host); the host's vars when absent. */
  readonly vars?: Readonly<Record<string, unknown>> | undefined;
}

export interface Playbook {
  readonly name: string;
  readonly description: string | undefined;
  readonly file: string;
  readonly entries: readonly ResourceEntry[];
  /**
   * Variables in effect for the host this playbook was instantiated for: playbook defaults <
   * inventory vars < group vars < node vars (no builtins). `{ var }` conditions should read
   * these: host.vars alone lacks the playbook's defaults.
   */
  readonly vars?: Readonly<Record<string, unknown>>;
}
