import { sh } from '../../node/sh.ts';
import type { OsFact } from '../types.ts';
import type { FactKind } from './kind.ts';

/** /etc/os-release: the distribution and its family. */
export const osKind: FactKind<'os'> = {
  kind: 'os',
  section: 'o',
  each: (_request, id) => sh`nw_sec ${id}; cat /etc/os-release 2>/dev/null`,
  parse(_request, id, sections, facts) {
    facts.os = parseOsRelease(sections.one(id).toString('utf8'));
  },
};

export function parseOsRelease(text: string): OsFact {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match?.[1]) values.set(match[1], (match[2] ?? '').replace(/^["']|["']$/g, ''));
  }
  const id = values.get('ID') ?? '';
  const idLike = (values.get('ID_LIKE') ?? '').split(/\s+/).filter(Boolean);
  const all = [id, ...idLike];
  const family = all.some((v) => v === 'debian' || v === 'ubuntu')
    ? 'debian'
    : all.some((v) => ['rhel', 'fedora', 'centos'].includes(v))
      ? 'rhel'
      : 'other';
  return { id, idLike, family };
}
