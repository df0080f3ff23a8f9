import { createHash } from 'node:crypto';
import { sh, type Script } from '../../node/sh.ts';
import { readFields } from '../frame.ts';
import type { FileFact, FileType } from '../types.ts';
import type { Fail } from './kind.ts';

/** Content larger than this is not fetched; its hash still is. */
export const CONTENT_CAP_BYTES = 1024 * 1024;

/** Node-side check that a file holds credentials: such content never leaves the node. */
export const SECRET_PATTERN = 'PRIVATE KEY|client-key-data|token:|password|auth *=';

export const STAT_FORMAT = '%a|%u|%g|%U|%G|%s|%F';

/**
 * The framing every facts script starts with: `nw_sec ID` opens a section ("\n<boundary> ID\n";
 * the boundary is random per run, so no file content can forge a section), `nw_stat PATH FOLLOW`
 * one stat line, `nw_find LIST SUFFIX` a lookup in a batched answer, `nw_file ID PATH FOLLOW
 * CONTENT SENSITIVE` one file's answer (see parseFileSection).
 *
 * A file whose content is sent goes without its hash: the controller hashes the bytes it
 * received (parseFileSection), which spares the node a sha256sum. The node hashes only what it
 * does not send (credentials, large files, files read without content).
 */
export function frameFunctions(boundary: string): Script {
  return sh`B=${boundary}
nw_sec() { printf '\\n%s %s\\n' "$B" "$1"; }
nw_stat() { if [ "$2" = 1 ]; then stat -L -c ${STAT_FORMAT} -- "$1"; else stat -c ${STAT_FORMAT} -- "$1"; fi 2>/dev/null || echo '?'; }
# nw_find LIST SUFFIX: in a batched answer (lines, newline first and last), the text of the line
# ending in SUFFIX before it, into nw_r; no process is started
nw_find() {
  case "$1" in *"$2
"*) nw_r=\${1%%"$2
"*}; nw_r=\${nw_r##*"
"}; return 0 ;; esac
  nw_r=; return 1
}
# nw_what PATH STAT CONTENT SENSITIVE SECRET: what a file's answer carries (none, sensitive, large
# or content) into nw_c, from its stat line; SECRET is 1 when it holds credentials (or empty: ask grep)
nw_what() {
  nw_c=none
  if [ "$3" != 1 ] || [ ! -f "$1" ]; then return 0; fi
  if [ "$4" = 1 ] || [ "$5" = 1 ]; then nw_c=sensitive; return 0; fi
  if [ -z "$5" ] && grep -qE ${SECRET_PATTERN} < "$1" 2>/dev/null; then nw_c=sensitive; return 0; fi
  z=\${2#*|*|*|*|*|}; z=\${z%%|*}
  case $z in ''|*[!0-9]*) z=$(wc -c < "$1") ;; esac
  if [ "\${z:-0}" -gt ${CONTENT_CAP_BYTES} ]; then nw_c=large; else nw_c=content; fi
}
# nw_answer PATH STAT LINK HASH: the fields after the path (nw_c says what follows), then the content
nw_answer() {
  printf '%s\\0%s\\0' "\${2:-?}" "$3"
  if [ "$nw_c" = content ]; then printf '\\0content\\0'; cat < "$1"; else printf '%s\\0%s\\0' "$4" "$nw_c"; fi
}
# fields, NUL-terminated: path, stat|absent, link target, sha256, content state; then the raw content
nw_file() {
  nw_sec "$1"; printf '%s\\0' "$2"
  if [ ! -e "$2" ] && [ ! -L "$2" ]; then printf 'absent\\0'; return 0; fi
  st=$(nw_stat "$2" "$3")
  l=; if [ -L "$2" ]; then l=$(readlink -- "$2"); fi
  nw_what "$2" "$st" "$4" "$5" ''
  h=; if [ "$nw_c" != content ] && [ -f "$2" ]; then h=$(sha256sum < "$2" 2>/dev/null); h=\${h%% *}; fi
  nw_answer "$2" "$st" "$l" "$h"
}`;
}

const STAT_PATTERN = /^([0-7]{3,4})\|(\d+)\|(\d+)\|([^|]*)\|([^|]*)\|(\d+)\|(.+)$/;

export interface StatLine {
  mode: string;
  uid: number;
  gid: number;
  owner: string;
  group: string;
  size: number;
  type: FileType;
}

/** One line of `stat -c STAT_FORMAT`. */
export function parseStatLine(line: string, fail: Fail): StatLine {
  const match = STAT_PATTERN.exec(line.trim());
  if (!match) return fail(`unparsable stat output ${JSON.stringify(line.slice(0, 80))}`);
  const [, mode = '', uid = '', gid = '', owner = '', group = '', size = '', kind = ''] = match;
  return {
    mode: mode.padStart(4, '0'),
    uid: Number(uid),
    gid: Number(gid),
    owner: owner === 'UNKNOWN' ? uid : owner,
    group: group === 'UNKNOWN' ? gid : group,
    size: Number(size),
    type: fileType(kind),
  };
}

function fileType(kind: string): FileType {
  if (kind.startsWith('regular')) return 'file';
  if (kind === 'directory') return 'directory';
  if (kind === 'symbolic link') return 'symlink';
  return 'other';
}

/** What nw_file and nw_fileb answer for one path. */
export function parseFileSection(body: Buffer, fail: Fail): FileFact {
  const head = readFields(body, 2) ?? fail('truncated file section');
  const [path = '', status = ''] = head.fields;
  if (status === 'absent') return { path, exists: false };
  const all = readFields(body, 5) ?? fail(`truncated file section for ${path}`);
  const [, statLine = '', linkTarget = '', sha256 = '', contentState = ''] = all.fields;
  const stat = parseStatLine(statLine, fail);
  if (sha256 !== '' && !/^[0-9a-f]{64}$/.test(sha256)) fail(`bad sha256 for ${path}`);
  if (contentState !== 'content' && contentState !== 'sensitive' && contentState !== 'large' && contentState !== 'none') {
    return fail(`bad content state for ${path}`);
  }
  return {
    path,
    exists: true,
    ...stat,
    // a file sent with its content comes without a hash: the bytes received are hashed here
    sha256: sha256 !== '' ? sha256 : contentState === 'content' ? createHash('sha256').update(all.rest).digest('hex') : undefined,
    linkTarget: linkTarget === '' ? undefined : linkTarget,
    contentState,
    content: contentState === 'content' ? Buffer.from(all.rest) : undefined,
  };
}

/** `1` or `0`: a flag as nw_file's arguments take it. */
export function flag(value: boolean): Script {
  return value ? sh`1` : sh`0`;
}
