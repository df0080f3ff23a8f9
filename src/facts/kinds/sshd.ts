import { sh } from '../../node/sh.ts';
import { readFields } from '../frame.ts';
import type { SshdFact } from '../types.ts';
import type { FactKind } from './kind.ts';

/** sshd's effective configuration (`sshd -T`), or why there is none (not installed, config invalid). */
export const sshdKind: FactKind<'sshd'> = {
  kind: 'sshd',
  section: 'h',
  functions: sh`nw_sshd() {
  nw_sec "$1"; b=$(command -v sshd 2>/dev/null); [ -n "$b" ] || { [ -x /usr/sbin/sshd ] && b=/usr/sbin/sshd; }
  if [ -z "$b" ]; then printf 'missing\\0'; return 0; fi
  if o=$("$b" -T 2>&1); then printf 'ok\\0%s' "$o"; else printf 'invalid\\0%s' "$o"; fi
}`,
  each: (_request, id) => sh`nw_sshd ${id}`,
  parse(_request, id, sections, facts, fail) {
    const parsed = readFields(sections.one(id), 1) ?? fail('sshd section without a status');
    const status = parsed.fields[0];
    const text = parsed.rest.toString('utf8');
    if (status === 'missing') facts.sshd = { status, error: 'sshd is not installed', settings: new Map() };
    else if (status === 'invalid') facts.sshd = { status, error: text.trim().split('\n').slice(-2).join(' / '), settings: new Map() };
    else if (status === 'ok') facts.sshd = { status, error: undefined, settings: parseSshdT(text) } satisfies SshdFact;
    else fail('bad sshd status');
  },
};

/** `sshd -T` output: `keyword value` lines; repeated keywords (allowusers, listenaddress) keep every value. */
export function parseSshdT(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const space = trimmed.search(/\s/);
    const key = (space === -1 ? trimmed : trimmed.slice(0, space)).toLowerCase();
    const value = space === -1 ? '' : trimmed.slice(space + 1).trim();
    settings.set(key, [...(settings.get(key) ?? []), value]);
  }
  return settings;
}
