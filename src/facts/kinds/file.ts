import { lines, sh } from '../../node/sh.ts';
import type { FactKind } from './kind.ts';
import { flag, parseFileSection, SECRET_PATTERN, STAT_FORMAT } from './shared.ts';

/**
 * A path's lstat (stat when `follow`), sha256 and, when asked and small and not secret, content.
 * The stat, hash and secret checks of every requested file run in one process each, not one per
 * file (on a node every exec costs about a millisecond of CPU); nw_fileb then answers each file
 * from these lists by lookup, in the shell. Requested paths never hold a newline or a '|'
 * (playbook validation), so the line-based answers are unambiguous.
 *
 * Fewer processes still: one stat serves the lstats and the stats of paths that are no symlink
 * (the same answer); `stat -L` runs only for the symlinks among the followed paths. sha256sum runs
 * only for the files whose content is not sent (credentials, large files, hashes without content):
 * the controller hashes the content it receives.
 */
export const fileKind: FactKind<'file'> = {
  kind: 'file',
  section: 'f',
  functions: sh`# nw_stats LSTAT… -- FOLLOW…: the stat lines of all paths, into nw_st (lstat, and the followed
# paths that are no symlink: the same answer) and nw_stL (the followed symlinks)
nw_stats() {
  a=; for p do shift
    if [ -n "$a" ]; then [ -L "$p" ] || set -- "$@" "$p"
    elif [ "$p" = -- ]; then a=1; else set -- "$@" "$p"; fi
  done
  nw_st=; [ $# -eq 0 ] || nw_st="
$(stat -c ${`${STAT_FORMAT}|%n`} -- "$@" 2>/dev/null)
"
}
# nw_statsL FOLLOW…: stat -L of the followed paths that are symlinks (rarely any), into nw_stL
nw_statsL() {
  for p do shift; [ -L "$p" ] && set -- "$@" "$p"; done
  nw_stL=; [ $# -eq 0 ] || nw_stL="
$(stat -L -c ${`${STAT_FORMAT}|%n`} -- "$@" 2>/dev/null)
"
}
# nw_line PATH FOLLOW: the path's stat line from the batched lists, into st
nw_line() {
  if [ "$2" = 1 ] && [ -L "$1" ]; then nw_find "$nw_stL" "|$1"; else nw_find "$nw_st" "|$1"; fi; st=$nw_r
}
# nw_shas PATH FOLLOW CONTENT SENSITIVE …: sha256 of the regular files among them whose content
# is not sent, in one process, into nw_sha
nw_shas() {
  n=$(($# / 4))
  while [ "$n" -gt 0 ]; do
    nw_line "$1" "$2"; nw_secret_of "$1"; nw_what "$1" "$st" "$3" "$4" "$s"; p=$1; shift 4; n=$((n - 1))
    if [ "$nw_c" != content ] && [ -f "$p" ]; then set -- "$@" "$p"; fi
  done
  nw_sha=; [ $# -eq 0 ] || nw_sha="
$(sha256sum -- "$@" 2>/dev/null)
"
}
# nw_secret_of PATH: 1 when the batched grep found credentials in it, else 0, into s
nw_secret_of() { if nw_find "$nw_secret" "
$1"; then s=1; else s=0; fi; }
# nw_file from the batched lists (same answer, a fraction of the processes)
nw_fileb() {
  nw_sec "$1"; printf '%s\\0' "$2"
  if [ ! -e "$2" ] && [ ! -L "$2" ]; then printf 'absent\\0'; return 0; fi
  nw_line "$2" "$3"
  l=; if [ -L "$2" ]; then l=$(readlink -- "$2"); fi
  nw_secret_of "$2"; nw_what "$2" "$st" "$4" "$5" "$s"
  h=; if [ "$nw_c" != content ] && [ -f "$2" ] && nw_find "$nw_sha" "  $2"; then h=$nw_r; fi
  nw_answer "$2" "$st" "$l" "$h"
}`,
  before: (items) => {
    const files = items.map((item) => item.request);
    const list = (pick: (r: (typeof files)[number]) => boolean): string[] => files.filter(pick).map((r) => r.path);
    const secrets = list((r) => r.content && !r.sensitive);
    const hashed = files.filter((r) => r.content || r.sensitive);
    return lines([
      sh`nw_statsL ${list((r) => r.follow)}`,
      sh`nw_stats ${list((r) => !r.follow)} -- ${list((r) => r.follow)}`,
      secrets.length === 0
        ? sh`nw_secret=`
        : sh`nw_secret="
$(grep -lE ${SECRET_PATTERN} -- ${secrets} 2>/dev/null)
"`,
      hashed.length === 0 ? sh`nw_sha=` : sh`nw_shas ${hashed.flatMap((r) => [r.path, flag(r.follow), flag(r.content), flag(r.sensitive)])}`,
    ]);
  },
  each: (request, id) => sh`nw_fileb ${id} ${request.path} ${flag(request.follow)} ${flag(request.content)} ${flag(request.sensitive)}`,
  parse(request, id, sections, facts, fail) {
    const fact = parseFileSection(sections.one(id), fail);
    if (fact.path !== request.path) fail(`file section ${id} names another path`);
    facts.putFile(fact);
  },
};

