import { bootAssignments, normalizeValue, parseSysctlFile, type SysctlAssignment } from '../facts/sysctl-boot.ts';
import type { SysctlFile } from '../facts/types.ts';
import { PlanError } from '../plan/errors.ts';
import { fingerprint, sha256 } from '../plan/fingerprint.ts';
import { contentDiff } from '../plan/text-diff.ts';
import type { Change } from '../plan/types.ts';
import type { ResourceEntry } from '../config/playbook-types.ts';
import { entryChecks, entryIds, entryNotes } from './change-parts.ts';
import type { SysctlSpec } from '../spec/schemas.ts';
import type { Desired, PlanInput, ResourceHandler } from './types.ts';
import { fileFingerprintInput, writeMeta } from './write-meta.ts';

export const SYSCTL_FILE_HEADER = '# Managed by nodeward: edits here are reverted on the next apply.\n';

interface WantedKey {
  readonly key: string;
  readonly value: string;
  readonly file: string;
  readonly entries: ResourceEntry[];
}

/** A key an entry takes out of its file (`absent`). */
interface AbsentKey {
  readonly key: string;
  readonly file: string;
  readonly entries: ResourceEntry[];
}

/** What the entries want of one file: keys set, keys taken out; every other line is kept. */
interface FileWanted {
  readonly set: WantedKey[];
  readonly absent: AbsentKey[];
}

export const sysctlHandler: ResourceHandler<SysctlSpec> = {
  requests(spec) {
    return [
      { kind: 'sysctlFiles' },
      { kind: 'file', path: spec.file, content: true, follow: false, sensitive: false },
      ...Object.keys(spec.values).map((key) => ({ kind: 'sysctl' as const, key })),
    ];
  },

  plan(desired, input) {
    const wanted = mergeWanted(desired, input.host);
    const absent = mergeAbsent(desired, wanted, input.host);
    if (wanted.size === 0 && absent.size === 0) return [];
    const current = input.facts.sysctlFiles ?? [];
    const managed = managedFiles(wanted, absent);
    const edits = new Map([...managed].map(([path, keys]) => [path, editSysctlFile(currentText(path, input), keys)]));
    const after = filesAfter(current, edits);
    return [
      ...[...wanted.values()].flatMap((want) => keyChange(want, current, after, input)),
      ...[...edits].flatMap(([path, edit]) => managedFileChange(path, edit, managed.get(path) ?? { set: [], absent: [] }, input)),
      ...shadowFixes(wanted, after),
    ];
  },
};

/** The file's text now (undefined when absent); content nodeward could not read refuses the plan. */
function currentText(path: string, input: PlanInput): string | undefined {
  const fact = input.facts.files.get(path);
  if (!fact?.exists) return undefined;
  if (fact.type !== 'file') throw new PlanError(`${path} is a ${fact.type}, not a regular file`, input.host);
  if (!fact.content) throw new PlanError(`${path} could not be read (withheld as sensitive, or too large): its other lines cannot be kept`, input.host);
  return fact.content.toString('utf8');
}

function mergeWanted(desired: readonly Desired<SysctlSpec>[], host: string): Map<string, WantedKey> {
  const wanted = new Map<string, WantedKey>();
  for (const { entry, spec } of desired) {
    for (const [key, value] of Object.entries(spec.values)) {
      const previous = wanted.get(key);
      if (previous && (previous.value !== value || previous.file !== spec.file)) {
        const where = previous.file !== spec.file ? `persisted in ${previous.file} and ${spec.file}` : `${previous.value} and ${value}`;
        throw new PlanError(`sysctl ${key} is wanted as ${where} (${previous.entries.map((e) => e.id).join(', ')} vs ${entry.id})`, host);
      }
      wanted.set(key, { key, value: normalizeValue(value), file: spec.file, entries: [...(previous?.entries ?? []), entry] });
    }
  }
  return wanted;
}

function mergeAbsent(desired: readonly Desired<SysctlSpec>[], wanted: ReadonlyMap<string, WantedKey>, host: string): Map<string, AbsentKey> {
  const absent = new Map<string, AbsentKey>();
  for (const { entry, spec } of desired) {
    for (const key of spec.absent) {
      const set = wanted.get(key);
      // an entry that sets a key and another that removes it cannot both have their way
      if (set && set.file === spec.file) throw new PlanError(`sysctl ${key} is set by ${set.entries.map((e) => e.id).join(', ')} and taken out of ${spec.file} by ${entry.id}`, host);
      const previous = absent.get(`${spec.file}\0${key}`);
      absent.set(`${spec.file}\0${key}`, { key, file: spec.file, entries: [...(previous?.entries ?? []), entry] });
    }
  }
  return absent;
}

function managedFiles(wanted: ReadonlyMap<string, WantedKey>, absent: ReadonlyMap<string, AbsentKey>): Map<string, FileWanted> {
  const files = new Map<string, FileWanted>();
  const slot = (file: string): FileWanted => {
    const existing = files.get(file);
    if (existing) return existing;
    const made: FileWanted = { set: [], absent: [] };
    files.set(file, made);
    return made;
  };
  for (const want of wanted.values()) slot(want.file).set.push(want);
  for (const gone of absent.values()) slot(gone.file).absent.push(gone);
  return files;
}

/** A whole file of nodeward's: the header and the keys (also what an edit of an absent file makes). */
export function renderSysctlFile(keys: readonly { key: string; value: string }[]): string {
  return SYSCTL_FILE_HEADER + keys.map(({ key, value }) => `${key} = ${value}\n`).join('');
}

export interface SysctlFileEdit {
  readonly text: string;
  readonly added: readonly { key: string; value: string }[];
  readonly changed: readonly { key: string; from: string; to: string }[];
  readonly removed: readonly { key: string; value: string }[];
  /** Lines of the file left as they were (other keys, comments). */
  readonly kept: number;
}

/**
 * The file with the wanted keys set in place (a key's lines keep their position; a key not there
 * yet goes at the end) and the absent keys' lines taken out; every other line is kept as it is.
 * An absent file is created with nodeward's header. Pure.
 */
export function editSysctlFile(current: string | undefined, wanted: FileWanted): SysctlFileEdit {
  const setTo = new Map(wanted.set.map((w) => [w.key, w.value]));
  const gone = new Set(wanted.absent.map((a) => a.key));
  const seen = new Set<string>();
  const added: { key: string; value: string }[] = [];
  const changed: { key: string; from: string; to: string }[] = [];
  const removed: { key: string; value: string }[] = [];
  let kept = 0;
  const lines: string[] = [];
  const source = current === undefined ? [] : current.replace(/\n$/, '').split('\n');
  for (const raw of current === undefined || current === '' ? [] : source) {
    const assignment = parseSysctlFile({ path: '', realPath: '', content: raw })[0];
    if (!assignment) {
      lines.push(raw);
      kept++;
      continue;
    }
    if (gone.has(assignment.key)) {
      removed.push({ key: assignment.key, value: assignment.value });
      continue;
    }
    const value = setTo.get(assignment.key);
    if (value === undefined) {
      lines.push(raw);
      kept++;
      continue;
    }
    seen.add(assignment.key);
    if (assignment.value === value) {
      lines.push(raw);
      continue;
    }
    changed.push({ key: assignment.key, from: assignment.value, to: value });
    lines.push(`${assignment.key} = ${value}`);
  }
  for (const [key, value] of setTo) {
    if (seen.has(key)) continue;
    added.push({ key, value });
    lines.push(`${key} = ${value}`);
  }
  const text = current === undefined ? SYSCTL_FILE_HEADER + lines.map((line) => `${line}\n`).join('') : lines.map((line) => `${line}\n`).join('');
  return { text, added, changed, removed, kept: current === undefined ? 0 : kept };
}

/** The sysctl files as they will be after our files are written (shadow fixes not included). */
function filesAfter(current: readonly SysctlFile[], edits: ReadonlyMap<string, SysctlFileEdit>): SysctlFile[] {
  const result = current.filter((file) => !edits.has(file.path));
  for (const [path, edit] of edits) result.push({ path, realPath: path, content: edit.text });
  return result;
}

function lastOf(assignments: readonly SysctlAssignment[] | undefined): SysctlAssignment | undefined {
  return assignments?.[assignments.length - 1];
}

function keyChange(want: WantedKey, current: readonly SysctlFile[], after: readonly SysctlFile[], input: PlanInput): Change[] {
  const live = input.facts.sysctls.get(want.key);
  if (live === null || live === undefined) {
    throw new PlanError(`sysctl ${want.key} does not exist on this node's kernel (is its module loaded?)`, input.host);
  }
  const assignments = bootAssignments(current).get(want.key) ?? [];
  const boot = lastOf(assignments);
  const liveDiffers = live !== want.value;
  if (!liveDiffers && boot?.value === want.value) return [];

  const summary: string[] = [];
  if (liveDiffers) summary.push(`live ${live} → ${want.value}`);
  if (!boot) summary.push(`not persisted → ${want.file}`);
  else if (boot.value !== want.value) {
    const oursBefore = assignments.find((a) => a.file === want.file && a.value === want.value);
    summary.push(
      oursBefore
        ? `shadowed by ${boot.file}:${boot.line} (${boot.value}) → fixed`
        : `boot ${boot.value} (${boot.file}:${boot.line}) → ${want.value}`,
    );
  }
  const bootAfter = lastOf(bootAssignments(after).get(want.key));
  return [
    {
      id: `sysctl:${want.key}`,
      kind: 'sysctl',
      target: want.key,
      action: 'update',
      entries: entryIds(want.entries),
      summary,
      before: {
        live,
        boot: boot?.value ?? null,
        bootSource: boot ? `${boot.file}:${boot.line}` : null,
        persisted: boot !== undefined,
        shadowedBy: bootAfter && bootAfter.value !== want.value ? bootAfter.file : null,
      },
      after: { live: want.value, boot: want.value, bootSource: want.file },
      diff: undefined,
      sensitive: false,
      restarts: [],
      checks: entryChecks(want.entries),
      notes: entryNotes(want.entries),
      fingerprint: fingerprint({ live, assignments }),
      operations: liveDiffers ? [{ op: 'sysctl', key: want.key, value: want.value }] : [],
    },
  ];
}

function managedFileChange(path: string, edit: SysctlFileEdit, wanted: FileWanted, input: PlanInput): Change[] {
  const fact = input.facts.files.get(path);
  const content = edit.text;
  const contentSha = sha256(content);
  const meta = writeMeta(fact, { mode: '0644', owner: 'root', group: 'root' }, input.constraints.get(path));
  const exists = fact?.exists === true;
  const sameContent = exists && fact.sha256 === contentSha;
  const sameMeta = exists && fact.mode === meta.mode && fact.owner === meta.owner && fact.group === meta.group;
  if (sameContent && sameMeta) return [];
  const entries = [...new Set([...wanted.set.flatMap((k) => k.entries), ...wanted.absent.flatMap((k) => k.entries)])];
  const before = exists && fact.content ? fact.content.toString('utf8') : undefined;
  // every key the write adds, changes or takes out, by name; the rest of the file is kept
  const summary = [
    ...edit.added.map((a) => `${a.key} = ${a.value} added`),
    ...edit.changed.map((c) => `${c.key}: ${c.from} → ${c.to}`),
    ...edit.removed.map((r) => `${r.key} = ${r.value} removed`),
  ];
  if (summary.length === 0) summary.push(exists ? 'mode or owner' : 'created');
  if (edit.kept > 0) summary.push(`${edit.kept} other line(s) kept`);
  return [
    {
      id: `sysctlFile:${path}`,
      kind: 'sysctlFile',
      target: path,
      action: exists ? 'update' : 'create',
      entries: entryIds(entries),
      summary,
      before: exists ? { sha256: fact.sha256, mode: fact.mode, owner: fact.owner, group: fact.group } : null,
      after: { sha256: contentSha, ...meta },
      diff: contentDiff(path, before === undefined ? { kind: 'none' } : { kind: 'text', text: before }, { kind: 'text', text: content }),
      sensitive: false,
      restarts: [],
      checks: entryChecks(entries),
      notes: [],
      fingerprint: fingerprint(fileFingerprintInput(fact)),
      operations: [{ op: 'writeFile', path, content: Buffer.from(content).toString('base64'), ...meta }],
    },
  ];
}

/**
 * A file that sorts after ours and sets one of our keys to another value wins at boot. We comment
 * those lines out (the file is backed up like any other), so our file is what the node boots with.
 */
function shadowFixes(wanted: ReadonlyMap<string, WantedKey>, after: readonly SysctlFile[]): Change[] {
  const byFile = new Map<string, { file: SysctlFile; lines: Set<number>; keys: WantedKey[] }>();
  for (const [key, assignments] of bootAssignments(after)) {
    const want = wanted.get(key);
    if (!want) continue;
    const ours = assignments.findIndex((a) => a.file === want.file);
    for (const later of assignments.slice(ours + 1)) {
      if (later.value === want.value) continue;
      const file = after.find((f) => f.path === later.file);
      if (!file) continue;
      const entry = byFile.get(file.realPath) ?? { file, lines: new Set<number>(), keys: [] };
      entry.lines.add(later.line);
      entry.keys.push(want);
      byFile.set(file.realPath, entry);
    }
  }
  return [...byFile].map(([realPath, { file, lines, keys }]) => {
    const content = file.content
      .split('\n')
      .map((line, index) => (lines.has(index + 1) ? `# disabled by nodeward (it overrode ${keys[0]?.file ?? ''} at boot): ${line}` : line))
      .join('\n');
    const entries = [...new Set(keys.flatMap((k) => k.entries))];
    return {
      id: `sysctlFile:${realPath}`,
      kind: 'sysctlFile' as const,
      target: realPath,
      action: 'update' as const,
      entries: entryIds(entries),
      summary: [`comment out ${lines.size} line(s) that override ${[...new Set(keys.map((k) => k.key))].join(', ')} at boot`],
      before: { sha256: sha256(file.content) },
      after: { sha256: sha256(content) },
      diff: contentDiff(realPath, { kind: 'text', text: file.content }, { kind: 'text', text: content }),
      sensitive: false,
      restarts: [],
      checks: entryChecks(entries),
      notes: [`${realPath} is not nodeward's: its overriding lines are commented out, not deleted`],
      fingerprint: fingerprint({ sha256: sha256(file.content) }),
      operations: [{ op: 'writeFile' as const, path: realPath, content: Buffer.from(content).toString('base64'), mode: undefined, owner: undefined, group: undefined }],
    };
  });
}
