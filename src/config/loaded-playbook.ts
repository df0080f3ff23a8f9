import type { z } from 'zod';
import type { SourcePosition } from '../util/errors.ts';
import type { TreeNode } from './source-tree.ts';

/**
 * A playbook as loaded: structure checked, `source:` files read, but `{{ }}` not yet
 * substituted. `instantiatePlaybook` turns it into a Playbook for one host.
 */

/** Resource kind name → schema of its body. The loader knows kinds only through this. */
export type ResourceSchemaRegistry = Readonly<Record<string, z.ZodType>>;

export interface LoadedEntry {
  /** Position in the playbook's `resources:` list. */
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly checks: readonly string[];
  readonly kind: string;
  /** The kind's mapping as written (with `source:` files attached as `content`). */
  readonly body: TreeNode;
  readonly note: TreeNode | undefined;
  readonly when: TreeNode | undefined;
  readonly source: SourcePosition;
}

export interface LoadedPlaybook {
  readonly name: string;
  readonly description: string | undefined;
  readonly file: string;
  /** Where the name is written (the file's start when it comes from the file name). */
  readonly namePos: SourcePosition;
  /** Defaults; the inventory's variables override them per host. */
  readonly vars: Readonly<Record<string, unknown>>;
  readonly entries: readonly LoadedEntry[];
  readonly schemas: ResourceSchemaRegistry;
  /** Absolute paths of the `source:` files read with it (their content is part of the playbook). */
  readonly sourceFiles: readonly string[];
}
