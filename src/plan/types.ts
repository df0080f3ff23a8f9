import type { KubeNodeState } from '../config/types.ts';
import type { ServiceToRestart } from '../spec/schema-parts.ts';
import type { ResourceKindName } from '../spec/schemas.ts';

export type Action = 'create' | 'update' | 'delete';

/** What apply does for a change; plain data, executed node-side by the applier. Never serialized to plan files. */
export type Operation =
  | {
      readonly op: 'writeFile';
      readonly path: string;
      /** base64 of the new content */
      readonly content: string;
      /** undefined: keep the existing file's (0644 root:root for a new file) */
      readonly mode: string | undefined;
      readonly owner: string | undefined;
      readonly group: string | undefined;
      /** argv run on the new content before it replaces the file ('%s' is the temporary file); non-zero refuses it */
      readonly validate?: readonly string[] | undefined;
    }
  | { readonly op: 'deleteFile'; readonly path: string }
  | { readonly op: 'chmod'; readonly path: string; readonly mode: string }
  | { readonly op: 'chown'; readonly path: string; readonly owner: string | undefined; readonly group: string | undefined }
  | { readonly op: 'sysctl'; readonly key: string; readonly value: string }
  /** systemctl enable/disable/mask and start/stop of one unit; its previous state is backed up. */
  | { readonly op: 'unit'; readonly unit: string; readonly enablement: 'enable' | 'disable' | 'mask' | undefined; readonly activity: 'start' | 'stop' | undefined }
  /** `sshd -t`, reload the running sshd (unit undefined: none runs), then `sshd -T` must show every `expect` line. */
  | { readonly op: 'sshdReload'; readonly unit: string | undefined; readonly expect: readonly string[] }
  /** `augenrules --load`; then `auditctl -l` must show every `expect` line (as printed by auditctl). */
  | { readonly op: 'auditLoad'; readonly expect: readonly string[] }
  /** `nft -c -f`, then `nft -f` of a file that replaces one table atomically; the live table is backed up. */
  | { readonly op: 'nftLoad'; readonly family: string; readonly table: string; readonly path: string; readonly record: string }
  /** Install (or up/downgrade to) exactly this version; the previous version is backed up for the rollback. */
  | { readonly op: 'package'; readonly manager: 'apt' | 'dnf' | 'yum'; readonly name: string; readonly version: string; readonly refresh: boolean }
  /** After the writes, the node reverts the whole run by itself unless a new SSH connection confirms within this many seconds. */
  | { readonly op: 'confirm'; readonly seconds: number };

export interface Change {
  /** Unique within the node: `<kind>:<target>`. */
  readonly id: string;
  readonly kind: ResourceKindName | 'sysctlFile';
  /** A path or a sysctl key. */
  readonly target: string;
  readonly action: Action;
  /** Resource entries (`playbook/entry`) that asked for it. */
  readonly entries: readonly string[];
  /** Human lines, e.g. "readOnlyPort: 10255 → 0", "mode 0644 → 0600". */
  readonly summary: readonly string[];
  /**
   * Where a handler knows it: per summary line, the entries it is owed to (a setting's entry; all
   * of them for a line no entry owns). Reports charge a line to these, not to every entry of a
   * merged file.
   */
  readonly summaryEntries?: readonly (readonly string[])[] | undefined;
  /** Key-by-key edits (kubelet YAML, containerd TOML): which entry wants each key, for messages. */
  readonly keyEntries?: Readonly<Record<string, readonly string[]>> | undefined;
  readonly before: Readonly<Record<string, unknown>> | null;
  readonly after: Readonly<Record<string, unknown>> | null;
  /** Unified diff of the content, or undefined; hashes only when sensitive. */
  readonly diff: string | undefined;
  readonly sensitive: boolean;
  readonly restarts: readonly ServiceToRestart[];
  readonly checks: readonly string[];
  readonly notes: readonly string[];
  /** sha256 of the facts this change was computed from: a saved plan is stale when it differs. */
  readonly fingerprint: string;
  readonly operations: readonly Operation[];
}

export type NodeStatus = 'in-sync' | 'changes' | 'error';

/** A pre-flight guard's refusal: what would break (naming the entry and line that cause it) and what to do. */
export interface GuardFailure {
  readonly guard: string;
  readonly message: string;
  readonly fix: string;
}

/** A node with changes the guards refuse: apply would not touch it. */
export function wouldRefuse(node: NodePlan): boolean {
  return node.status === 'changes' && (node.refusal?.length ?? 0) > 0;
}

export interface NodeError {
  readonly code: string;
  readonly message: string;
  readonly hop: string | undefined;
}

export interface NodePlan {
  readonly name: string;
  readonly address: string;
  readonly status: NodeStatus;
  readonly error: NodeError | undefined;
  readonly changes: readonly Change[];
  /** Services to restart once everything is written, in restart order. */
  readonly restarts: readonly ServiceToRestart[];
  /** Entries not applied on this node, with the reason (a `when` that is false). */
  readonly skipped: readonly { readonly entry: string; readonly reason: string }[];
  /** Runs an earlier controller left unfinished here: apply finishes (owed restarts) or rolls them back first. */
  readonly pendingRuns?: readonly { readonly runId: string; readonly state: string; readonly owed: readonly string[] }[] | undefined;
  /** The lock of a run whose nodeward process (on this machine) is gone: apply takes it over. */
  readonly abandonedLock?: { readonly runId: string; readonly pid: string } | undefined;
  /** The pre-flight guards' verdict on these changes (guards/): apply would refuse the node, and why. */
  readonly refusal?: readonly GuardFailure[] | undefined;
  /** The node's Node as the API server reported it when the plan was made (with a kubeconfig); undefined: no Node of that name, or no API. */
  readonly kubernetes?: KubeNodeState | undefined;
  /** Another nodeward run holds this node's lock (unexpired): its changes are in flight. */
  readonly lockedBy?: { readonly runId: string; readonly owner: string; readonly pid: string; readonly command: string; readonly expires: number } | undefined;
}

export interface PlanSource {
  readonly file: string;
  readonly sha256: string;
}

export interface Plan {
  readonly version: 1;
  readonly createdAt: string;
  readonly inventory: PlanSource;
  readonly playbooks: readonly (PlanSource & { readonly name: string })[];
  readonly limit: readonly string[];
  readonly nodes: readonly NodePlan[];
}
