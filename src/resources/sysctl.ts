import { bootAssignments, normalizeValue, type SysctlAssignment } from '../facts/sysctl-boot.ts';
import type { SysctlFile } from '../facts/types.ts';
import { PlanError } from '../plan/errors.ts';
import { fingerprint, sha256 } from '../plan/fingerprint.ts';
import { contentDiff } from '../plan/text-diff.ts';
import type { Change } from '../plan/types.ts';
import type { ResourceEntry } from '../config/playbook-types.ts';
import { entryChecks, entryIds, entryNotes } from './change-parts.ts';
import type { SysctlSpec } from './schemas.ts';
import type { Desired, PlanInput, ResourceHandler } from './types.ts';
import { fileFingerprintInput, writeMeta } from './write-meta.ts';

export const SYSCTL_FILE_HEADER = '# Managed by nodeward: edits here are reverted on the next apply.\n';

interface WantedKey {
  readonly key: string;
  readonly value: string;
  readonly file: string;
  readonly entries: ResourceEntry[];
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
    if (wanted.size === 0) return [];
    const current = input.facts.sysctlFiles ?? [];
    const managed = managedFiles(wanted);
    const after = filesAfter(current, managed);
    return [
      ...[...wanted.values()].flatMap((want) => keyChange(want, current, after, input)),
      ...[...managed].flatMap(([path, keys]) => managedFileChange(path, keys, input)),
      ...shadowFixes(wanted, after),
    ];
  },
};

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

function managedFiles(wanted: ReadonlyMap<string, WantedKey>): Map<string, WantedKey[]> {
  const files = new Map<string, WantedKey[]>();
  for (const want of wanted.values()) files.set(want.file, [...(files.get(want.file) ?? []), want]);
  return files;
}

export function renderSysctlFile(keys: readonly { key: string; value: string }[]): string {
  return SYSCTL_FILE_HEADER + keys.map(({ key, value }) => `${key} = ${value}\n`).join('');
}

/** The sysctl files as they will be after our files are written (shadow fixes not included). */
function filesAfter(current: readonly SysctlFile[], managed: ReadonlyMap<string, readonly WantedKey[]>): SysctlFile[] {
  const result = current.filter((file) => !managed.has(file.path));
  for (const [path, keys] of managed) result.push({ path, realPath: path, content: renderSysctlFile(keys) });
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

function managedFileChange(path: string, keys: readonly WantedKey[], input: PlanInput): Change[] {
  const fact = input.facts.files.get(path);
  const content = renderSysctlFile(keys);
  const contentSha = sha256(content);
  const meta = writeMeta(fact, { mode: '0644', owner: 'root', group: 'root' }, input.constraints.get(path));
  const exists = fact?.exists === true;
  const sameContent = exists && fact.sha256 === contentSha;
  const sameMeta = exists && fact.mode === meta.mode && fact.owner === meta.owner && fact.group === meta.group;
  if (sameContent && sameMeta) return [];
  const entries = [...new Set(keys.flatMap((k) => k.entries))];
  const before = exists && fact.content ? fact.content.toString('utf8') : undefined;
  return [
    {
      id: `sysctlFile:${path}`,
      kind: 'sysctlFile',
      target: path,
      action: exists ? 'update' : 'create',
      entries: entryIds(entries),
      summary: [exists ? `${keys.length} keys persisted` : `create with ${keys.length} keys`],
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
