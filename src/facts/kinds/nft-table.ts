import { sh } from '../../node/sh.ts';
import { readFields } from '../frame.ts';
import type { FactKind } from './kind.ts';

/** A live nftables table (the sha256 of `nft list table`) and what nodeward recorded when it last loaded it. */
export const nftTableKind: FactKind<'nftTable'> = {
  kind: 'nftTable',
  section: 'n',
  functions: sh`nw_nft() {
  nw_sec "$1"
  if ! command -v nft >/dev/null 2>&1; then printf '0\\0\\0\\0\\0'; return 0; fi
  t=0; h=; if nft list table "$2" "$3" >/dev/null 2>&1; then t=1; h=$(nft list table "$2" "$3" 2>/dev/null | sha256sum | cut -c1-64); fi
  r=0; c=; if [ -f "$4" ]; then r=1; c=$(cat -- "$4"); fi
  printf '1\\0%s\\0%s\\0%s\\0%s' "$t" "$h" "$r" "$c"
}`,
  each: (request, id) => sh`nw_nft ${id} ${request.family} ${request.table} ${request.record}`,
  parse(request, id, sections, facts, fail) {
    const parsed = readFields(sections.one(id), 4) ?? fail('truncated nft section');
    const [nft = '', exists = '', listingSha = '', hasRecord = ''] = parsed.fields;
    if (exists === '1' && !/^[0-9a-f]{64}$/.test(listingSha)) fail('bad nft listing hash');
    facts.nftTables.set(`${request.family} ${request.table}`, {
      family: request.family,
      table: request.table,
      nft: nft === '1',
      listingSha256: exists === '1' ? listingSha : undefined,
      record: hasRecord === '1' ? parsed.rest.toString('utf8') : undefined,
    });
  },
};
