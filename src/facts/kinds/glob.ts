import { sh } from '../../node/sh.ts';
import { readFields } from '../frame.ts';
import type { FileFact } from '../types.ts';
import type { Fail, FactKind } from './kind.ts';
import { parseStatLine } from './shared.ts';

/** Paths matching a glob, each with stat -L: one section per match (`g3.0`, `g3.1`, …). */
export const globKind: FactKind<'glob'> = {
  kind: 'glob',
  section: 'g',
  functions: sh`nw_glob() {
  nw_sec "$1"; n=0; o=$IFS; IFS=''
  for f in $2; do
    if [ -e "$f" ] || [ -L "$f" ]; then nw_sec "$1.$n"; printf '%s\\0%s' "$f" "$(nw_stat "$f" 1)"; n=$((n + 1)); fi
  done
  IFS=$o
}`,
  each: (request, id) => sh`nw_glob ${id} ${request.pattern}`,
  parse(request, id, sections, facts, fail) {
    const matches: string[] = [];
    for (let n = 0; sections.has(`${id}.${n}`); n++) {
      const fact = parseGlobMatch(sections.one(`${id}.${n}`), fail);
      matches.push(fact.path);
      facts.putFile(fact);
    }
    facts.globs.set(request.pattern, matches);
  },
};

function parseGlobMatch(body: Buffer, fail: Fail): FileFact {
  const parsed = readFields(body, 1) ?? fail('glob match without a path');
  const path = parsed.fields[0] ?? '';
  const statLine = parsed.rest.toString('utf8');
  if (statLine.trim() === '?') return { path, exists: false };
  const stat = parseStatLine(statLine, fail);
  return { path, exists: true, ...stat, sha256: undefined, linkTarget: undefined, contentState: 'none', content: undefined };
}
