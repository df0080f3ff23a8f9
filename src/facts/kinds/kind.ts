import type { Script } from '../../node/sh.ts';
import type { FactsError } from '../../util/errors.ts';
import type { AuditFact, FactRequest, FileFact, KubeletFact, KubeletVersionFact, LockFact, LoginFact, NftTableFact, OsFact, PackageFact, PendingRunFact, SshdFact, SysctlFile, UnitFact } from '../types.ts';

export type Fail = (message: string) => never;
export type { FactsError };

export type Kind = FactRequest['kind'];
export type RequestOf<K extends Kind> = Extract<FactRequest, { kind: K }>;

/** A request and the id of its sections in the facts output (`f3`: the file request at index 3). */
export interface Item<K extends Kind> {
  readonly request: RequestOf<K>;
  readonly id: string;
}

/** The facts output's sections by id; `one` fails unless the section came exactly once. */
export interface Sections {
  one(id: string): Buffer;
  all(id: string): readonly Buffer[];
  has(id: string): boolean;
}

/** What the kinds' parsers fill in: NodeFacts under construction. */
export interface FactsBuilder {
  readonly files: Map<string, FileFact>;
  readonly globs: Map<string, string[]>;
  readonly sysctls: Map<string, string | null>;
  readonly units: Map<string, UnitFact>;
  readonly nftTables: Map<string, NftTableFact>;
  readonly packages: Map<string, PackageFact>;
  sysctlFiles: SysctlFile[] | undefined;
  kubelet: KubeletFact | undefined;
  os: OsFact | undefined;
  lock: LockFact | undefined;
  pendingRuns: PendingRunFact[] | undefined;
  sshd: SshdFact | undefined;
  login: LoginFact | undefined;
  audit: AuditFact | undefined;
  kubeletVersion: KubeletVersionFact | undefined;
  /** The same path may be read for several reasons (kubelet config, permissions): keeps the richest answer. */
  putFile(fact: FileFact): void;
}

/**
 * One kind of fact: the node-side sh that asks (its functions and its lines) and the parser of
 * the answer, side by side in one file under facts/kinds/. The facts script sends, in this order:
 * the framing functions (kinds/shared.ts), each kind's `functions` (registry order, only kinds
 * asked for), every kind's `before`, each request's `each` (request order), every kind's `after`.
 */
export interface FactKind<K extends Kind> {
  readonly kind: K;
  /** The letter its section ids start with, then the request's index: unique among the kinds (kinds/index.ts checks). */
  readonly section: string;
  /** Shell functions its lines call, sent once when the script asks for this kind. */
  readonly functions?: Script;
  /** Lines sent before any request's own (the file kind's batched stats). */
  readonly before?: (items: readonly Item<K>[]) => Script;
  /** One request's lines. */
  readonly each?: (request: RequestOf<K>, id: string) => Script;
  /** Lines sent after every request's own: kinds answered for all their requests in one process. */
  readonly after?: (items: readonly Item<K>[]) => Script;
  /** Reads the request's sections (ids starting with `id`) into the facts; anything malformed calls `fail`. */
  parse(request: RequestOf<K>, id: string, sections: Sections, facts: FactsBuilder, fail: Fail): void;
}
