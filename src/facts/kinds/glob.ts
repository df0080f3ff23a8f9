import { sh } from '../../node/sh.ts';
import { readFields } from '../frame.ts';
import type { FileFact } from '../types.ts';
import type { Fail, FactKind } from './kind.ts';
import { parseStatLine, STAT_FORMAT } from './shared.ts';

/**
 * Paths matching a glob, each with stat -L: one section per match (`g3.0`, `g3.1`, …). Every
 * glob's matches are stat'ed by one process (nw_globs, before the sections), and each section
 * looks its match up; a match whose name holds a '|' or a newline (a name from the node: it could
 * forge a line of that answer) is stat'ed on its own, as is one the batch missed.
 */
export const globKind: FactKind<'glob'> = {
  kind: 'glob',
  section: 'g',
  functions: sh`nw_globs() {
  n=$#; o=$IFS; IFS=''
  while [ "$n" -gt 0 ]; do
    q=$1; shift; n=$((n - 1))
    for f in $q; do
      case $f in *'|'*|*'
'*) ;; *) if [ -e "$f" ] || [ -L "$f" ]; then set -- "$@" "$f"; fi ;; esac
    done
  done
  IFS=$o
  nw_gst=; [ $# -eq 0 ] || nw_gst="
$(stat -L -c ${`${STAT_FORMAT}|%n`} -- "$@" 2>/dev/null)
"
}
nw_glob() {
  nw_sec "$1"; n=0; o=$IFS; IFS=''
  for f in $2; do
    if [ -e "$f" ] || [ -L "$f" ]; then
      nw_sec "$1.$n"
      case $f in *'|'*|*'
'*) st=$(nw_stat "$f" 1) ;; *) if nw_find "$nw_gst" "|$f"; then st=$nw_r; else st=$(nw_stat "$f" 1); fi ;; esac
      printf '%s\\0%s' "$f" "$st"; n=$((n + 1))
    fi
  done
  IFS=$o
}`,
  before: (items) => sh`nw_globs ${items.map((item) => item.request.pattern)}`,
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
