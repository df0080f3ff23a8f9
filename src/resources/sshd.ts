import type { ResourceEntry } from '../config/playbook-types.ts';
import type { UnitFact } from '../facts/types.ts';
import { PlanError } from '../plan/errors.ts';
import { fingerprint, sha256 } from '../plan/fingerprint.ts';
import { contentDiff } from '../plan/text-diff.ts';
import type { Change, Operation } from '../plan/types.ts';
import { entryChecks, entryIds, entryNotes } from './change-parts.ts';
import type { SshdSpec } from '../spec/schemas.ts';
import { effectiveHas, expectedLines, renderSshdFile } from './sshd-settings.ts';
import type { Desired, PlanInput, ResourceHandler } from './types.ts';
import { fileFingerprintInput, writeMeta } from './write-meta.ts';

export const sshdHandler: ResourceHandler<SshdSpec> = {
  requests(spec) {
    return [
      { kind: 'sshd' },
      { kind: 'login' },
      { kind: 'unit', name: 'ssh' },
      { kind: 'unit', name: 'sshd' },
      { kind: 'file', path: spec.file, content: true, follow: false, sensitive: false },
    ];
  },

  plan(desired, input) {
    const byFile = new Map<string, Desired<SshdSpec>[]>();
    for (const item of desired) byFile.set(item.spec.file, [...(byFile.get(item.spec.file) ?? []), item]);
    return [...byFile].flatMap(([file, group]) => planSshd(file, group, input));
  },
};

/** Every keyword once (in first-written order), refusing two entries that want different values. */
function mergedSettings(group: readonly Desired<SshdSpec>[], host: string): Map<string, { name: string; values: string[]; entry: ResourceEntry }> {
  const merged = new Map<string, { name: string; values: string[]; entry: ResourceEntry }>();
  for (const { entry, spec } of group) {
    for (const [name, values] of Object.entries(spec.settings)) {
      if (values.length === 0) continue;
      const key = name.toLowerCase();
      const previous = merged.get(key);
      if (previous && previous.values.join(' ') !== values.join(' ')) {
        throw new PlanError(`sshd ${name} is set differently by ${previous.entry.id} and ${entry.id}`, host);
      }
      merged.set(key, previous ?? { name, values, entry });
    }
  }
  return merged;
}

/**
 * The lines of nodeward's drop-in that are not as nodeward renders it, each owed to the entry that
 * manages its keyword (a keyword no entry manages is owed to all of them).
 */
function fileDifferences(
  current: string | undefined,
  rendered: string,
  merged: ReadonlyMap<string, { name: string; entry: ResourceEntry }>,
  all: readonly string[],
): { line: string; owners: string[] }[] {
  const meaningful = (text: string | undefined): string[] => (text ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const have = meaningful(current);
  const want = meaningful(rendered);
  const owner = (line: string): string[] => {
    const keyword = (line.split(/\s+/)[0] ?? '').toLowerCase();
    const setting = merged.get(keyword);
    return setting ? [setting.entry.id] : [...all];
  };
  return [
    ...have.filter((line) => !want.includes(line)).map((line) => ({ line: `"${line}" is in the drop-in but not nodeward's: removed`, owners: owner(line) })),
    ...want.filter((line) => !have.includes(line)).map((line) => ({ line: `"${line}" is missing from the drop-in: written`, owners: owner(line) })),
  ];
}

/** The running sshd unit to reload (Debian: ssh, RHEL: sshd); undefined when none runs (socket activation). */
function sshdUnit(units: ReadonlyMap<string, UnitFact>): string | undefined {
  for (const name of ['ssh', 'sshd']) {
    const unit = units.get(name);
    if (unit?.loadState === 'loaded' && unit.activeState === 'active') return name;
  }
  return undefined;
}

function planSshd(file: string, group: readonly Desired<SshdSpec>[], input: PlanInput): Change[] {
  const sshd = input.facts.sshd;
  if (!sshd || sshd.status === 'missing') throw new PlanError('sshd is not installed on this node', input.host);
  if (sshd.status === 'invalid') throw new PlanError(`sshd -T fails, so the effective sshd config is unknown: ${sshd.error ?? ''}`, input.host);
  const merged = mergedSettings(group, input.host);
  const content = renderSshdFile(new Map([...merged.values()].map((s) => [s.name, s.values])));
  const fact = input.facts.files.get(file);
  if (fact?.exists && fact.type !== 'file') throw new PlanError(`${file} is a ${fact.type}, not a regular file`, input.host);
  const meta = writeMeta(fact, { mode: '0600', owner: 'root', group: 'root' }, input.constraints.get(file));
  const current = fact?.exists && fact.content ? fact.content.toString('utf8') : undefined;
  const fileSame = fact?.exists === true && fact.sha256 === sha256(content) && fact.mode === meta.mode && fact.owner === meta.owner && fact.group === meta.group;
  const notEffective = [...merged.values()].filter((s) => !effectiveHas(sshd.settings, s.name, s.values));
  if (fileSame && notEffective.length === 0) return [];
  // already in force through other files: nothing to persist unless our own file is stale or a
  // setting cannot be read back from sshd -T
  const unverifiable = [...merged.values()].some((s) => expectedLines(s.name, s.values).length === 0);
  if (!fact?.exists && notEffective.length === 0 && !unverifiable) return [];
  if (fileSame) {
    const shown = notEffective.map((s) => `${s.name} is ${(sshd.settings.get(s.name.toLowerCase()) ?? ['unset']).join(', ')}`).join('; ');
    throw new PlanError(`${file} is in place but sshd -T does not show it (${shown}): an earlier drop-in, a Match block or a missing Include wins`, input.host);
  }
  const entries = group.map((item) => item.entry);
  const seconds = Math.max(...group.map((item) => item.spec.confirmSeconds));
  const expect = [...merged.values()].flatMap((s) => expectedLines(s.name, s.values));
  const operations: Operation[] = [
    { op: 'writeFile', path: file, content: Buffer.from(content).toString('base64'), ...meta },
    { op: 'sshdReload', unit: sshdUnit(input.facts.units), expect },
    { op: 'confirm', seconds },
  ];
  const settingLines = [...merged.values()]
    .filter((s) => !effectiveHas(sshd.settings, s.name, s.values))
    .map((s) => ({ line: `${s.name}: ${(sshd.settings.get(s.name.toLowerCase()) ?? ['(unset)']).join(' ')} → ${s.values.join(' ')}`, owners: [s.entry.id] }));
  // every setting in force, yet the file differs (a hand edit of nodeward's drop-in): say which lines
  const fileLines = settingLines.length > 0 ? [] : fileDifferences(current, content, merged, entryIds(group.map((item) => item.entry)));
  const summaryParts = [...settingLines, ...fileLines];
  const summary = summaryParts.map((part) => part.line);
  return [
    {
      id: `sshd:${file}`,
      kind: 'sshd',
      target: file,
      action: fact?.exists ? 'update' : 'create',
      entries: entryIds(entries),
      summary: summary.length > 0 ? summary : [`${file}: mode or owner`],
      ...(summaryParts.length > 0 ? { summaryEntries: summaryParts.map((part) => part.owners) } : {}),
      before: { effective: Object.fromEntries([...merged.keys()].map((k) => [k, sshd.settings.get(k) ?? null])), file: fact?.exists ? { sha256: fact.sha256, mode: fact.mode } : null },
      after: { effective: Object.fromEntries([...merged.values()].map((s) => [s.name.toLowerCase(), s.values])), file: { sha256: sha256(content), mode: meta.mode } },
      diff: contentDiff(file, current === undefined ? { kind: 'none' } : { kind: 'text', text: current }, { kind: 'text', text: content }),
      sensitive: false,
      restarts: [],
      checks: entryChecks(entries),
      notes: [
        ...entryNotes(entries),
        `sshd -t before the reload; the node reverts this run by itself unless a new SSH connection confirms it within ${seconds} s`,
      ],
      fingerprint: fingerprint({ file: fileFingerprintInput(fact), effective: [...sshd.settings].sort() }),
      operations,
    },
  ];
}
