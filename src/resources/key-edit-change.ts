import type { ResourceEntry } from '../config/playbook-types.ts';
import type { FileFact } from '../facts/types.ts';
import { fingerprint, sha256 } from '../plan/fingerprint.ts';
import { contentDiff, viewOf } from '../plan/text-diff.ts';
import type { Change, Operation } from '../plan/types.ts';
import { entryChecks, entryIds } from './change-parts.ts';
import { metaOperations } from './file.ts';
import type { ServiceToRestart } from '../spec/schema-parts.ts';
import { fileFingerprintInput, type WriteMeta } from './write-meta.ts';

export interface KeyChange {
  readonly key: string;
  readonly before: unknown;
  readonly after: unknown;
}

/**
 * The Change for a structured config file edited key by key (kubelet YAML, containerd TOML):
 * one summary line per key, the text diff, a rewrite only when a key changed (else at most
 * chmod/chown), restarts only with a rewrite.
 */
export function keyEditChange(options: {
  readonly kind: 'kubeletConfig' | 'tomlConfig';
  readonly path: string;
  readonly fact: FileFact & { exists: true; content: Buffer };
  readonly changes: readonly KeyChange[];
  readonly text: string;
  readonly meta: WriteMeta;
  readonly metaLines: readonly string[];
  readonly entries: readonly ResourceEntry[];
  readonly restarts: readonly ServiceToRestart[];
  readonly notes: readonly string[];
  readonly show: (value: unknown) => string;
  readonly validate?: Extract<Operation, { op: 'writeFile' }>['validate'];
  /** Which entry wants each key (dotted path). */
  readonly keyOwners?: ReadonlyMap<string, string> | undefined;
}): Change {
  const { path, fact, meta } = options;
  const rewrite = options.changes.length > 0;
  const content = Buffer.from(options.text, 'utf8');
  const contentSha = sha256(content);
  const write: Operation = { op: 'writeFile', path, content: content.toString('base64'), ...meta, ...(options.validate ? { validate: options.validate } : {}) };
  return {
    id: `${options.kind}:${path}`,
    kind: options.kind,
    target: path,
    action: 'update',
    entries: entryIds(options.entries),
    summary: [...options.changes.map((c) => `${c.key}: ${options.show(c.before)} → ${options.show(c.after)}`), ...options.metaLines],
    before: { sha256: fact.sha256, mode: fact.mode, owner: fact.owner, group: fact.group, keys: Object.fromEntries(options.changes.map((c) => [c.key, c.before ?? null])) },
    after: { sha256: rewrite ? contentSha : fact.sha256, ...meta, keys: Object.fromEntries(options.changes.map((c) => [c.key, c.after ?? null])) },
    diff: rewrite ? contentDiff(path, viewOf(fact.content, fact.sha256 ?? '', false), viewOf(content, contentSha, false)) : undefined,
    sensitive: false,
    restarts: rewrite ? options.restarts : [],
    checks: entryChecks(options.entries),
    notes: options.notes,
    fingerprint: fingerprint(fileFingerprintInput(fact)),
    operations: rewrite ? [write] : metaOperations(path, fact, meta),
    ...(options.keyOwners ? { keyEntries: Object.fromEntries([...options.keyOwners].map(([key, entry]) => [key, [entry]])) } : {}),
  };
}
