import type { ResourceEntry } from '../config/playbook-types.ts';
import type { AuditFact } from '../facts/types.ts';
import { PlanError } from '../plan/errors.ts';
import { fingerprint, sha256 } from '../plan/fingerprint.ts';
import { contentDiff } from '../plan/text-diff.ts';
import type { Change, Operation } from '../plan/types.ts';
import { entryChecks, entryIds, entryNotes } from './change-parts.ts';
import { isKubeletConfigToken, resolvePath } from './kubelet-paths.ts';
import type { AuditRulesSpec } from '../spec/schemas.ts';
import type { Desired, PlanInput, ResourceHandler } from './types.ts';
import { fileFingerprintInput, writeMeta } from './write-meta.ts';

export const AUDIT_FILE_HEADER = '## Managed by nodeward: edits here are reverted on the next apply.\n';

interface Watch {
  readonly path: string;
  readonly permissions: string;
  readonly key: string;
}

export const auditRulesHandler: ResourceHandler<AuditRulesSpec> = {
  requests(spec) {
    return [
      { kind: 'audit' },
      { kind: 'file', path: spec.file, content: true, follow: false, sensitive: false },
      ...(spec.watches.some((w) => isKubeletConfigToken(w.path)) ? [{ kind: 'kubelet' as const }] : []),
    ];
  },

  plan(desired, input) {
    const byFile = new Map<string, Desired<AuditRulesSpec>[]>();
    for (const item of desired) byFile.set(item.spec.file, [...(byFile.get(item.spec.file) ?? []), item]);
    return [...byFile].flatMap(([file, group]) => planRules(file, group, input));
  },
};

export function watchLine(watch: Watch): string {
  return `-w ${watch.path} -p ${watch.permissions} -k ${watch.key}`;
}

/** One canonical form for the ways auditctl -l prints a watch (`-w P -p wa -k K` or `-a always,exit -F dir=P …`). */
export function canonicalWatch(line: string): string | undefined {
  const w = /^-w (\S+) -p (\S+) -k (\S+)$/.exec(line.trim());
  if (w) return `${(w[1] ?? '').replace(/(.)\/+$/, '$1')} ${[...(w[2] ?? '')].sort().join('')} ${w[3] ?? ''}`;
  const a = /^-a always,exit(?: -F arch=\S+)? -F (?:dir|path)=(\S+) -F perm=(\S+) -F key=(\S+)$/.exec(line.trim());
  if (a) return `${(a[1] ?? '').replace(/(.)\/+$/, '$1')} ${[...(a[2] ?? '')].sort().join('')} ${a[3] ?? ''}`;
  return undefined;
}

function merged(group: readonly Desired<AuditRulesSpec>[], input: PlanInput): { watches: Watch[]; entries: ResourceEntry[] } {
  const watches: Watch[] = [];
  for (const { entry, spec } of group) {
    for (const w of spec.watches) {
      const path = resolvePath(w.path, input.facts);
      if (path === undefined) throw new PlanError(`${entry.id}: the kubelet config path is unknown on this node`, input.host);
      const watch = { path, permissions: w.permissions, key: w.key };
      if (!watches.some((x) => watchLine(x) === watchLine(watch))) watches.push(watch);
    }
  }
  return { watches, entries: group.map((g) => g.entry) };
}

function planRules(file: string, group: readonly Desired<AuditRulesSpec>[], input: PlanInput): Change[] {
  const audit: AuditFact | undefined = input.facts.audit;
  if (!audit?.auditctl) throw new PlanError('auditctl is not installed on this node (the audit package is missing)', input.host);
  if (!audit.augenrules) throw new PlanError('augenrules is not installed: rules in /etc/audit/rules.d would not be loaded at boot', input.host);
  const { watches, entries } = merged(group, input);
  const content = AUDIT_FILE_HEADER + watches.map((w) => `${watchLine(w)}\n`).join('');
  const fact = input.facts.files.get(file);
  const meta = writeMeta(fact, { mode: '0600', owner: 'root', group: 'root' }, input.constraints.get(file));
  const fileSame = fact?.exists === true && fact.sha256 === sha256(content) && fact.mode === meta.mode && fact.owner === meta.owner && fact.group === meta.group;
  const loaded = new Set(audit.rules.map(canonicalWatch).filter((x): x is string => x !== undefined));
  const notLoaded = watches.filter((w) => !loaded.has(canonicalWatch(watchLine(w)) ?? ''));
  const immutable = audit.enabled === 2;
  if (fileSame && (notLoaded.length === 0 || immutable)) return [];
  const operations: Operation[] = [];
  if (!fileSame) operations.push({ op: 'writeFile', path: file, content: Buffer.from(content).toString('base64'), ...meta });
  if (!immutable && (notLoaded.length > 0 || !fileSame)) operations.push({ op: 'auditLoad', expect: watches.map(watchLine) });
  const current = fact?.exists && fact.content ? fact.content.toString('utf8') : undefined;
  return [
    {
      id: `auditRules:${file}`,
      kind: 'auditRules',
      target: file,
      action: fact?.exists ? 'update' : 'create',
      entries: entryIds(entries),
      summary: [
        ...(fileSame ? [] : [fact?.exists ? `${watches.length} watch(es) persisted` : `create with ${watches.length} watch(es)`]),
        ...notLoaded.map((w) => `load ${watchLine(w)}`),
        ...(immutable ? ['the loaded rules are immutable (-e 2): the new rules take effect at the next reboot'] : []),
      ],
      before: { loaded: watches.filter((w) => !notLoaded.includes(w)).map(watchLine), file: fact?.exists ? { sha256: fact.sha256 } : null },
      after: { loaded: immutable ? watches.filter((w) => !notLoaded.includes(w)).map(watchLine) : watches.map(watchLine), file: { sha256: sha256(content) } },
      diff: fileSame ? undefined : contentDiff(file, current === undefined ? { kind: 'none' } : { kind: 'text', text: current }, { kind: 'text', text: content }),
      sensitive: false,
      restarts: [],
      checks: entryChecks(entries),
      notes: entryNotes(entries),
      fingerprint: fingerprint({ file: fileFingerprintInput(fact), rules: audit.rules, enabled: audit.enabled ?? null }),
      operations,
    },
  ];
}
