import { NODE_STATE_DIR } from '../node/run-state.ts';
import { PlanError } from '../plan/errors.ts';
import { fingerprint, sha256 } from '../plan/fingerprint.ts';
import { contentDiff } from '../plan/text-diff.ts';
import type { Change, Operation } from '../plan/types.ts';
import { entryChecks, entryIds, entryNotes } from './change-parts.ts';
import { renderFirewall } from './nft-render.ts';
import type { FirewallSpec } from '../spec/schemas.ts';
import type { PlanInput, ResourceHandler } from './types.ts';
import { fileFingerprintInput, writeMeta } from './write-meta.ts';

/** What nodeward loaded last (sha256 of the file and of `nft list table` right after): tells drift from a hand edit. */
export function firewallRecord(table: string): string {
  return `${NODE_STATE_DIR}/firewall-inet-${table}`;
}

export const firewallHandler: ResourceHandler<FirewallSpec> = {
  requests(spec) {
    return [
      { kind: 'nftTable', family: 'inet', table: spec.table, record: firewallRecord(spec.table) },
      { kind: 'file', path: spec.file, content: true, follow: false, sensitive: false },
      { kind: 'login' },
    ];
  },

  plan(desired, input) {
    const [first, ...others] = desired;
    if (!first) return [];
    const clash = others.find((o) => JSON.stringify(o.spec) !== JSON.stringify(first.spec));
    if (clash) throw new PlanError(`the firewall is defined by ${first.entry.id} and, differently, by ${clash.entry.id}: one firewall entry per node`, input.host);
    return planFirewall(first.spec, desired.map((d) => d.entry), input);
  },
};

function planFirewall(spec: FirewallSpec, entries: Parameters<typeof entryIds>[0], input: PlanInput): Change[] {
  if (spec.sshFrom.length === 0) throw new PlanError('firewall: sshFrom is empty, so SSH would be dropped from everywhere', input.host);
  const live = input.facts.nftTables?.get(`inet ${spec.table}`);
  if (!live?.nft) throw new PlanError('nft is not installed on this node (the nftables package is missing)', input.host);
  const content = renderFirewall(spec);
  const contentSha = sha256(content);
  const fact = input.facts.files.get(spec.file);
  if (fact?.exists && fact.type !== 'file') throw new PlanError(`${spec.file} is a ${fact.type}, not a regular file`, input.host);
  const meta = writeMeta(fact, { mode: '0600', owner: 'root', group: 'root' }, input.constraints.get(spec.file));
  const fileSame = fact?.exists === true && fact.sha256 === contentSha && fact.mode === meta.mode && fact.owner === meta.owner && fact.group === meta.group;
  const liveSame = live.listingSha256 !== undefined && live.record?.trim() === `${contentSha} ${live.listingSha256}`;
  if (fileSame && liveSame) return [];
  const record = firewallRecord(spec.table);
  const operations: Operation[] = [
    // nft -c on the candidate: a file that would not load never replaces the one loaded at boot
    ...(fileSame ? [] : [{ op: 'writeFile' as const, path: spec.file, content: Buffer.from(content).toString('base64'), ...meta, validate: ['nft', '-c', '-f', '%s'] }]),
    { op: 'nftLoad', family: 'inet', table: spec.table, path: spec.file, record },
    { op: 'confirm', seconds: spec.confirmSeconds },
  ];
  const liveState = live.listingSha256 === undefined ? 'absent' : live.record === undefined ? 'not loaded by nodeward' : liveSame ? 'as loaded' : 'differs from what nodeward loaded';
  const current = fact?.exists && fact.content ? fact.content.toString('utf8') : undefined;
  return [
    {
      id: `firewall:inet ${spec.table}`,
      kind: 'firewall',
      target: `inet ${spec.table}`,
      action: live.listingSha256 === undefined ? 'create' : 'update',
      entries: entryIds(entries),
      summary: [
        ...(fileSame ? [] : [`${spec.file}: ${fact?.exists ? 'ruleset changes' : 'create'}`]),
        `table inet ${spec.table}: ${liveState} → loaded (input policy drop; ssh from ${spec.sshFrom.join(', ')})`,
      ],
      before: { table: liveState, file: fact?.exists ? { sha256: fact.sha256 } : null },
      after: { table: 'loaded', file: { sha256: contentSha }, sshFrom: spec.sshFrom, sshPort: spec.sshPort, kubeletFrom: spec.kubeletFrom },
      diff: fileSame ? undefined : contentDiff(spec.file, current === undefined ? { kind: 'none' } : { kind: 'text', text: current }, { kind: 'text', text: content }),
      sensitive: false,
      restarts: [],
      checks: entryChecks(entries),
      notes: [
        ...entryNotes(entries),
        `no other nftables table is touched; nft -c before loading; the node reverts this run by itself unless a new SSH connection confirms it within ${spec.confirmSeconds} s`,
      ],
      fingerprint: fingerprint({ file: fileFingerprintInput(fact), live: live.listingSha256 ?? null, record: live.record ?? null }),
      operations,
    },
  ];
}
