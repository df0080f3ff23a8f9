import type { FileFact } from '../facts/types.ts';
import { PlanError } from '../plan/errors.ts';
import { canonicalJson } from '../plan/fingerprint.ts';
import type { Change } from '../plan/types.ts';
import { entryNotes, unique } from './change-parts.ts';
import { keyEditChange } from './key-edit-change.ts';
import type { TomlConfigSpec } from '../spec/schemas.ts';
import { editToml, type TomlEdit } from './toml-edit.ts';
import { dottedKeyText, parseDottedKey } from '../spec/toml-keys.ts';
import type { Desired, PlanInput, ResourceHandler } from './types.ts';
import { metaSummary, writeMeta } from './write-meta.ts';

/** Programs that can check a candidate file before it replaces the real one ('%s': the candidate). */
const VALIDATORS: Readonly<Record<NonNullable<TomlConfigSpec['validate']>, readonly string[]>> = {
  containerd: ['containerd', '--config', '%s', 'config', 'dump'],
};

export const tomlConfigHandler: ResourceHandler<TomlConfigSpec> = {
  requests(spec) {
    return [{ kind: 'file', path: spec.path, content: true, follow: false, sensitive: false }];
  },

  plan(desired, input) {
    const byPath = new Map<string, Desired<TomlConfigSpec>[]>();
    for (const item of desired) byPath.set(item.spec.path, [...(byPath.get(item.spec.path) ?? []), item]);
    return [...byPath].flatMap(([path, group]) => planToml(path, group, input));
  },
};

function keyOf(text: string): string[] {
  return parseDottedKey(text) ?? [text];
}

function readable(fact: FileFact | undefined, path: string, host: string): string {
  if (!fact?.exists) throw new PlanError(`${path} does not exist (add when: { fileExists: ${path} })`, host);
  if (fact.type !== 'file') throw new PlanError(`${path} is a ${fact.type}, not a regular file`, host);
  if (fact.contentState === 'sensitive') throw new PlanError(`${path} holds credentials (e.g. registry auth), so its content is never read: edit it by other means`, host);
  if (fact.contentState !== 'content' || !fact.content) throw new PlanError(`${path} could not be read (${fact.contentState})`, host);
  return fact.content.toString('utf8');
}

/** Entries whose `match` holds for the file as it is; each key once, refusing conflicting values. */
function mergedEdits(group: readonly Desired<TomlConfigSpec>[], current: Record<string, unknown>, host: string): { edits: TomlEdit[]; applied: Desired<TomlConfigSpec>[]; ignored: string[] } {
  const wanted = new Map<string, { edit: TomlEdit; entry: string }>();
  const applied: Desired<TomlConfigSpec>[] = [];
  const ignored: string[] = [];
  for (const item of group) {
    const mismatch = Object.entries(item.spec.match).find(([key, value]) => canonicalJson(valueAt(current, keyOf(key))) !== canonicalJson(value));
    if (mismatch) {
      ignored.push(`${item.entry.id} does not apply: ${mismatch[0]} is ${JSON.stringify(valueAt(current, keyOf(mismatch[0]))) ?? 'unset'}, not ${JSON.stringify(mismatch[1])}`);
      continue;
    }
    applied.push(item);
    const put = (keyText: string, value: unknown): void => {
      const key = keyOf(keyText);
      const id = dottedKeyText(key);
      const previous = wanted.get(id);
      if (previous && canonicalJson(previous.edit.value) !== canonicalJson(value)) {
        throw new PlanError(`${id} is set differently by ${previous.entry} and ${item.entry.id}`, host);
      }
      wanted.set(id, { edit: { key, value }, entry: item.entry.id });
    };
    for (const [key, value] of Object.entries(item.spec.set)) put(key, value);
    for (const key of item.spec.remove) put(key, undefined);
  }
  return { edits: [...wanted.values()].map((w) => w.edit), applied, ignored };
}

function valueAt(doc: unknown, path: readonly string[]): unknown {
  let at = doc;
  for (const part of path) at = at && typeof at === 'object' && !Array.isArray(at) ? (at as Record<string, unknown>)[part] : undefined;
  return at;
}

function planToml(path: string, group: readonly Desired<TomlConfigSpec>[], input: PlanInput): Change[] {
  const fact = input.facts.files.get(path);
  const text = readable(fact, path, input.host);
  const first = editToml(text, []);
  if (!first.ok) throw new PlanError(`${path} is ${first.error}`, input.host);
  const { edits, applied, ignored } = mergedEdits(group, first.document, input.host);
  if (applied.length === 0) {
    throw new PlanError(`no entry for ${path} applies to this file: ${ignored.join('; ')}`, input.host);
  }
  const result = editToml(text, edits);
  if (!result.ok) throw new PlanError(`${path}: ${result.error}`, input.host);
  if (!fact?.exists || !fact.content) return [];

  const meta = writeMeta(fact, {}, input.constraints.get(path));
  const metaLines = metaSummary(fact, meta);
  const rewrite = result.changes.length > 0;
  if (!rewrite && metaLines.length === 0) return [];
  const entries = applied.map((item) => item.entry);
  const validators = unique(applied.flatMap((item) => (item.spec.validate ? [item.spec.validate] : [])));
  const validate = validators[0] === undefined ? undefined : VALIDATORS[validators[0]];
  const notes = [...entryNotes(entries), ...(rewrite && !result.preserved ? [`${path} could not be edited in place: it is written out anew and its comments and layout are lost`] : [])];
  return [
    keyEditChange({
      kind: 'tomlConfig',
      path,
      fact: { ...fact, content: fact.content },
      changes: result.changes,
      text: result.text,
      meta,
      metaLines,
      entries,
      restarts: unique(applied.flatMap((item) => item.spec.restarts)),
      notes,
      show,
      ...(validate ? { validate } : {}),
    }),
  ];
}

/** Values as TOML would spell them (strings quoted). */
function show(value: unknown): string {
  return value === undefined ? '(unset)' : JSON.stringify(value);
}
