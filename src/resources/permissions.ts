import type { ResourceEntry } from '../config/playbook-types.ts';
import type { FactRequest, FileFact, NodeFacts } from '../facts/types.ts';
import { PlanError } from '../plan/errors.ts';
import { fingerprint } from '../plan/fingerprint.ts';
import type { Change, Operation } from '../plan/types.ts';
import { entryChecks, entryIds, entryNotes, modeString, parseMode } from './change-parts.ts';
import { isKubeletConfigToken, resolvePath } from './kubelet-paths.ts';
import type { PermissionsSpec } from '../spec/schemas.ts';
import type { Desired, PermissionConstraint, ResourceHandler } from './types.ts';

const GLOB_CHARS = /[*?[]/;

export const permissionsHandler: ResourceHandler<PermissionsSpec> = {
  requests(spec) {
    return spec.paths.map((path): FactRequest => {
      if (isKubeletConfigToken(path)) return { kind: 'kubelet' };
      return GLOB_CHARS.test(path) ? { kind: 'glob', pattern: path } : { kind: 'file', path, content: false, follow: true, sensitive: false };
    });
  },

  plan(desired, input) {
    const changes: Change[] = [];
    for (const [path, constraint] of input.constraints) {
      if (input.written.has(path)) continue;
      const fact = input.facts.files.get(path);
      if (!fact?.exists) continue;
      const change = permissionChange(path, fact, constraint);
      if (change) changes.push(change);
    }
    for (const { entry, spec } of desired) {
      if (spec.missing !== 'fail') continue;
      for (const pattern of spec.paths) {
        if (matchedPaths(pattern, input.facts).length === 0) {
          throw new PlanError(`${entry.id}: ${pattern} does not exist (missing: fail)`, input.host);
        }
      }
    }
    return changes;
  },
};

/** Every path a permissions entry covers on this node, with the combined (strictest) constraint. */
export function permissionConstraints(
  desired: readonly Desired<PermissionsSpec>[],
  facts: NodeFacts,
  host: string,
): Map<string, PermissionConstraint> {
  const constraints = new Map<string, PermissionConstraint>();
  for (const { entry, spec } of desired) {
    for (const pattern of spec.paths) {
      for (const path of matchedPaths(pattern, facts)) {
        constraints.set(path, combine(constraints.get(path), entry, spec, path, host));
      }
    }
  }
  return constraints;
}

function matchedPaths(pattern: string, facts: NodeFacts): readonly string[] {
  const path = resolvePath(pattern, facts);
  if (path === undefined) return [];
  if (GLOB_CHARS.test(path) && !isKubeletConfigToken(pattern)) return facts.globs.get(path) ?? [];
  return facts.files.get(path)?.exists ? [path] : [];
}

function combine(
  previous: PermissionConstraint | undefined,
  entry: ResourceEntry,
  spec: PermissionsSpec,
  path: string,
  host: string,
): PermissionConstraint {
  const mode = spec.mode === undefined ? undefined : parseMode(spec.mode);
  const agree = (a: string | undefined, b: string | undefined, what: string): string | undefined => {
    if (a !== undefined && b !== undefined && a !== b) {
      throw new PlanError(`${path}: ${what} is ${a} in one entry and ${b} in ${entry.id}`, host);
    }
    return a ?? b;
  };
  return {
    maxMode: previous?.maxMode === undefined ? mode : mode === undefined ? previous.maxMode : previous.maxMode & mode,
    owner: agree(previous?.owner, spec.owner, 'owner'),
    group: agree(previous?.group, spec.group, 'group'),
    entries: [...(previous?.entries ?? []), entry],
  };
}

/** The mode a file gets under a "this mode or more restrictive" constraint: its own bits, minus any not allowed. */
export function restrictMode(current: number, maxMode: number | undefined): number {
  return maxMode === undefined ? current : current & maxMode;
}

function permissionChange(path: string, fact: FileFact & { exists: true }, constraint: PermissionConstraint): Change | undefined {
  const current = parseMode(fact.mode);
  const mode = restrictMode(current, constraint.maxMode);
  const ownerWrong = constraint.owner !== undefined && constraint.owner !== fact.owner && constraint.owner !== String(fact.uid);
  const groupWrong = constraint.group !== undefined && constraint.group !== fact.group && constraint.group !== String(fact.gid);
  const summary: string[] = [];
  const operations: Operation[] = [];
  if (ownerWrong || groupWrong) {
    operations.push({ op: 'chown', path, owner: ownerWrong ? constraint.owner : undefined, group: groupWrong ? constraint.group : undefined });
    if (ownerWrong) summary.push(`owner ${fact.owner} → ${constraint.owner ?? ''}`);
    if (groupWrong) summary.push(`group ${fact.group} → ${constraint.group ?? ''}`);
  }
  // chown clears setuid/setgid bits, so chmod goes last.
  if (mode !== current) {
    operations.push({ op: 'chmod', path, mode: modeString(mode) });
    summary.unshift(`mode ${fact.mode} → ${modeString(mode)}`);
  }
  if (operations.length === 0) return undefined;
  return {
    id: `permissions:${path}`,
    kind: 'permissions',
    target: path,
    action: 'update',
    entries: entryIds(constraint.entries),
    summary,
    before: { mode: fact.mode, owner: fact.owner, group: fact.group },
    after: { mode: modeString(mode), owner: constraint.owner ?? fact.owner, group: constraint.group ?? fact.group },
    diff: undefined,
    sensitive: false,
    restarts: [],
    checks: entryChecks(constraint.entries),
    notes: entryNotes(constraint.entries),
    fingerprint: fingerprint({ mode: fact.mode, uid: fact.uid, gid: fact.gid, type: fact.type }),
    operations,
  };
}
