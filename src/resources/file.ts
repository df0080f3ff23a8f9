import type { FileFact } from '../facts/types.ts';
import { PlanError } from '../plan/errors.ts';
import { fingerprint, sha256 } from '../plan/fingerprint.ts';
import { contentDiff, viewOf, type ContentView } from '../plan/text-diff.ts';
import type { Change, Operation } from '../plan/types.ts';
import { entryChecks, entryIds, entryNotes, unique } from './change-parts.ts';
import type { FileSpec } from '../spec/schemas.ts';
import type { Desired, PlanInput, ResourceHandler } from './types.ts';
import { fileFingerprintInput, metaSummary, writeMeta } from './write-meta.ts';

export const fileHandler: ResourceHandler<FileSpec> = {
  requests(spec) {
    return [{ kind: 'file', path: spec.path, content: !spec.sensitive, follow: false, sensitive: spec.sensitive }];
  },

  plan(desired, input) {
    const changes: Change[] = [];
    for (const [path, group] of groupByPath(desired)) {
      const change = planFile(path, group, input);
      if (change) changes.push(change);
    }
    return changes;
  },
};

function groupByPath(desired: readonly Desired<FileSpec>[]): Map<string, Desired<FileSpec>[]> {
  const groups = new Map<string, Desired<FileSpec>[]>();
  for (const item of desired) groups.set(item.spec.path, [...(groups.get(item.spec.path) ?? []), item]);
  return groups;
}

function planFile(path: string, group: readonly Desired<FileSpec>[], input: PlanInput): Change | undefined {
  const first = group[0];
  if (!first) return undefined;
  const spec = first.spec;
  for (const other of group.slice(1)) {
    if (JSON.stringify(other.spec) !== JSON.stringify(spec)) {
      throw new PlanError(`${path} is managed by ${first.entry.id} and ${other.entry.id} with different settings`, input.host);
    }
  }
  const entries = group.map((item) => item.entry);
  const fact = input.facts.files.get(path);
  if (fact?.exists && fact.type !== 'file') {
    throw new PlanError(`${path} is a ${fact.type}, not a regular file; nodeward will not replace it`, input.host);
  }
  const sensitive = spec.sensitive || (fact?.exists === true && fact.contentState === 'sensitive');
  const base = {
    id: `file:${path}`,
    kind: 'file' as const,
    target: path,
    entries: entryIds(entries),
    sensitive,
    checks: entryChecks(entries),
    notes: entryNotes(entries),
    fingerprint: fingerprint(fileFingerprintInput(fact)),
  };

  if (spec.state === 'absent') {
    if (!fact?.exists) return undefined;
    return {
      ...base,
      action: 'delete',
      summary: ['delete'],
      before: describeFile(fact),
      after: null,
      diff: contentDiff(path, currentView(fact, sensitive), { kind: 'none' }),
      restarts: unique(spec.restarts),
      operations: [{ op: 'deleteFile', path }],
    };
  }

  const content = Buffer.from(spec.content ?? '', 'utf8');
  const contentSha = sha256(content);
  const meta = writeMeta(fact, spec, input.constraints.get(path));
  const contentChanges = !fact?.exists || fact.sha256 !== contentSha;
  const metaLines = metaSummary(fact, meta);
  if (!contentChanges && metaLines.length === 0) return undefined;

  const operations: Operation[] = contentChanges
    ? [{ op: 'writeFile', path, content: content.toString('base64'), ...meta }]
    : metaOperations(path, fact, meta);
  return {
    ...base,
    action: fact?.exists ? 'update' : 'create',
    summary: [...(contentChanges ? [fact?.exists ? 'content changes' : 'create'] : []), ...metaLines],
    before: fact?.exists ? describeFile(fact) : null,
    after: { sha256: contentSha, size: content.length, ...meta },
    diff: contentChanges ? contentDiff(path, fact?.exists ? currentView(fact, sensitive) : { kind: 'none' }, viewOf(content, contentSha, sensitive)) : undefined,
    restarts: contentChanges ? unique(spec.restarts) : [],
    operations,
  };
}

export function metaOperations(path: string, fact: FileFact | undefined, meta: { mode: string; owner: string; group: string }): Operation[] {
  if (!fact?.exists) return [];
  const operations: Operation[] = [];
  const ownerWrong = fact.owner !== meta.owner && String(fact.uid) !== meta.owner;
  const groupWrong = fact.group !== meta.group && String(fact.gid) !== meta.group;
  if (ownerWrong || groupWrong) {
    operations.push({ op: 'chown', path, owner: ownerWrong ? meta.owner : undefined, group: groupWrong ? meta.group : undefined });
  }
  if (fact.mode !== meta.mode || ownerWrong || groupWrong) operations.push({ op: 'chmod', path, mode: meta.mode });
  return operations;
}

export function describeFile(fact: FileFact & { exists: true }): Record<string, unknown> {
  return { sha256: fact.sha256, size: fact.size, mode: fact.mode, owner: fact.owner, group: fact.group };
}

export function currentView(fact: FileFact & { exists: true }, sensitive: boolean): ContentView {
  if (fact.contentState === 'content' && fact.content && !sensitive) return viewOf(fact.content, fact.sha256 ?? '', false);
  const why = fact.contentState === 'large' ? 'large' : 'sensitive';
  return { kind: 'hidden', sha256: fact.sha256, why };
}
