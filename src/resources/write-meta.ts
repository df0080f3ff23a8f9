import type { FileFact } from '../facts/types.ts';
import { modeString, parseMode } from './change-parts.ts';
import { restrictMode } from './permissions.ts';
import type { PermissionConstraint } from './types.ts';

export interface WriteMeta {
  readonly mode: string;
  readonly owner: string;
  readonly group: string;
}

/**
 * Mode and ownership a written file ends with: what the entry asks, else what the file has now
 * (else 0644 root:root for a new file), narrowed by any permissions constraint on the path.
 */
export function writeMeta(
  fact: FileFact | undefined,
  wanted: { mode?: string | undefined; owner?: string | undefined; group?: string | undefined },
  constraint: PermissionConstraint | undefined,
): WriteMeta {
  const present = fact?.exists ? fact : undefined;
  const base = parseMode(wanted.mode ?? present?.mode ?? '0644');
  return {
    mode: modeString(restrictMode(base, constraint?.maxMode)),
    owner: constraint?.owner ?? wanted.owner ?? present?.owner ?? 'root',
    group: constraint?.group ?? wanted.group ?? present?.group ?? 'root',
  };
}

/** Summary lines for metadata that a write or chmod/chown changes. */
export function metaSummary(fact: FileFact | undefined, meta: WriteMeta): string[] {
  if (!fact?.exists) return [`mode ${meta.mode}, owner ${meta.owner}:${meta.group}`];
  const lines: string[] = [];
  if (fact.mode !== meta.mode) lines.push(`mode ${fact.mode} → ${meta.mode}`);
  if (fact.owner !== meta.owner && String(fact.uid) !== meta.owner) lines.push(`owner ${fact.owner} → ${meta.owner}`);
  if (fact.group !== meta.group && String(fact.gid) !== meta.group) lines.push(`group ${fact.group} → ${meta.group}`);
  return lines;
}

export function fileFingerprintInput(fact: FileFact | undefined): Record<string, unknown> {
  if (!fact?.exists) return { exists: false };
  return { exists: true, type: fact.type, mode: fact.mode, uid: fact.uid, gid: fact.gid, sha256: fact.sha256 ?? null };
}
