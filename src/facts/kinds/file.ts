import { lines, sh, type Script } from '../../node/sh.ts';
import type { FactKind } from './kind.ts';
import { flag, parseFileSection, SECRET_PATTERN, STAT_FORMAT, CONTENT_CAP_BYTES } from './shared.ts';

/**
 * A path's lstat (stat when `follow`), sha256 and, when asked and small and not secret, content.
 * The stat, hash and secret checks of every requested file run in one process each, not one per
 * file (on a node every exec costs about a millisecond of CPU); nw_fileb then answers each file
 * from these lists by lookup, in the shell. Requested paths never hold a newline or a '|'
 * (playbook validation), so the line-based answers are unambiguous.
 */
export const fileKind: FactKind<'file'> = {
  kind: 'file',
  section: 'f',
  functions: sh`# nw_find LIST SUFFIX: in a batched answer (lines, newline first and last), the text of the line
# ending in SUFFIX before it, into nw_r; no process is started
nw_find() {
  case "$1" in *"$2
"*) nw_r=\${1%%"$2
"*}; nw_r=\${nw_r##*"
"}; return 0 ;; esac
  nw_r=; return 1
}
# nw_file from the batched stat, sha256sum and secret lists (same answer, a fraction of the processes)
nw_fileb() {
  nw_sec "$1"; printf '%s\\0' "$2"
  if [ ! -e "$2" ] && [ ! -L "$2" ]; then printf 'absent\\0'; return 0; fi
  if [ "$3" = 1 ]; then nw_find "$nw_stL" "|$2"; else nw_find "$nw_st" "|$2"; fi
  st=$nw_r; printf '%s\\0' "\${st:-?}"
  l=; if [ -L "$2" ]; then l=$(readlink -- "$2"); fi; printf '%s\\0' "$l"
  h=; if [ -f "$2" ] && nw_find "$nw_sha" "  $2"; then h=$nw_r; fi; printf '%s\\0' "$h"
  if [ "$4" != 1 ] || [ ! -f "$2" ]; then printf 'none\\0'; return 0; fi
  if [ "$5" = 1 ] || nw_find "$nw_secret" "
$2"; then printf 'sensitive\\0'; return 0; fi
  z=\${st#*|*|*|*|*|}; z=\${z%%|*}
  case $z in ''|*[!0-9]*) z=$(wc -c < "$2") ;; esac
  if [ "\${z:-0}" -gt ${CONTENT_CAP_BYTES} ]; then printf 'large\\0'; return 0; fi
  printf 'content\\0'; cat < "$2"
}`,
  before: (items) => {
    const files = items.map((item) => item.request);
    const list = (pick: (r: (typeof files)[number]) => boolean): string[] => files.filter(pick).map((r) => r.path);
    const batch = (variable: Script, command: Script, paths: readonly string[]): Script =>
      paths.length === 0
        ? sh`${variable}=`
        : sh`${variable}="
$(${command} -- ${paths} 2>/dev/null)
"`;
    return lines([
      batch(sh`nw_st`, sh`stat -c ${`${STAT_FORMAT}|%n`}`, list((r) => !r.follow)),
      batch(sh`nw_stL`, sh`stat -L -c ${`${STAT_FORMAT}|%n`}`, list((r) => r.follow)),
      batch(sh`nw_sha`, sh`sha256sum`, list((r) => r.content || r.sensitive)),
      batch(sh`nw_secret`, sh`grep -lE ${SECRET_PATTERN}`, list((r) => r.content && !r.sensitive)),
    ]);
  },
  each: (request, id) => sh`nw_fileb ${id} ${request.path} ${flag(request.follow)} ${flag(request.content)} ${flag(request.sensitive)}`,
  parse(request, id, sections, facts, fail) {
    const fact = parseFileSection(sections.one(id), fail);
    if (fact.path !== request.path) fail(`file section ${id} names another path`);
    facts.putFile(fact);
  },
};

