import { createHash } from 'node:crypto';
import { sh } from '../../node/sh.ts';
import { readFields } from '../frame.ts';
import type { FactKind } from './kind.ts';

/**
 * A live nftables table and what nodeward recorded when it last loaded it. The listing itself is
 * sent (section `<id>.l`) and hashed here: one `nft list table`, where hashing it on the node took
 * two more (and a second listing); the sha256 is that of the same bytes.
 */
export const nftTableKind: FactKind<'nftTable'> = {
  kind: 'nftTable',
  section: 'n',
  functions: sh`nw_nft() {
  if ! command -v nft >/dev/null 2>&1; then nw_sec "$1"; printf '0\\0\\0\\0'; return 0; fi
  nw_sec "$1.l"; t=0; nft list table "$2" "$3" 2>/dev/null && t=1
  # the record as $(cat) gave it: its lines, trailing newlines dropped
  r=0; c=; if [ -f "$4" ]; then r=1; { while IFS= read -r l || [ -n "$l" ]; do c="$c$l
"; done < "$4"; } 2>/dev/null; while :; do case $c in *"
") c=\${c%?} ;; *) break ;; esac; done; fi
  nw_sec "$1"; printf '1\\0%s\\0%s\\0%s' "$t" "$r" "$c"
}`,
  each: (request, id) => sh`nw_nft ${id} ${request.family} ${request.table} ${request.record}`,
  parse(request, id, sections, facts, fail) {
    const parsed = readFields(sections.one(id), 3) ?? fail('truncated nft section');
    const [nft = '', exists = '', hasRecord = ''] = parsed.fields;
    facts.nftTables.set(`${request.family} ${request.table}`, {
      family: request.family,
      table: request.table,
      nft: nft === '1',
      listingSha256: exists === '1' ? createHash('sha256').update(sections.one(`${id}.l`)).digest('hex') : undefined,
      record: hasRecord === '1' ? parsed.rest.toString('utf8') : undefined,
    });
  },
};
