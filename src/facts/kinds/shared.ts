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
 * one stat line, `nw_file ID PATH FOLLOW CONTENT SENSITIVE` one file's answer (see parseFileSection).
 */
export function frameFunctions(boundary: string): Script {
  return sh`B=${boundary}
nw_sec() { printf '\\n%s %s\\n' "$B" "$1"; }
nw_stat() { if [ "$2" = 1 ]; then stat -L -c ${STAT_FORMAT} -- "$1"; else stat -c ${STAT_FORMAT} -- "$1"; fi 2>/dev/null || echo '?'; }
# fields, NUL-terminated: path, stat|absent, link target, sha256, content state; then the raw content
nw_file() {
  nw_sec "$1"; printf '%s\\0' "$2"
  if [ ! -e "$2" ] && [ ! -L "$2" ]; then printf 'absent\\0'; return 0; fi
  printf '%s\\0' "$(nw_stat "$2" "$3")"
  l=; if [ -L "$2" ]; then l=$(readlink -- "$2"); fi; printf '%s\\0' "$l"
  h=; if [ -f "$2" ]; then h=$(sha256sum < "$2" 2>/dev/null); h=\${h%% *}; fi; printf '%s\\0' "$h"
  if [ "$4" != 1 ] || [ ! -f "$2" ]; then printf 'none\\0'; return 0; fi
  if [ "$5" = 1 ] || grep -qE ${SECRET_PATTERN} < "$2" 2>/dev/null; then printf 'sensitive\\0'; return 0; fi
  z=$(wc -c < "$2"); if [ "\${z:-0}" -gt ${CONTENT_CAP_BYTES} ]; then printf 'large\\0'; return 0; fi
  printf 'content\\0'; cat < "$2"
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
    sha256: sha256 === '' ? undefined : sha256,
    linkTarget: linkTarget === '' ? undefined : linkTarget,
    contentState,
    content: contentState === 'content' ? Buffer.from(all.rest) : undefined,
  };
}

/** `1` or `0`: a flag as nw_file's arguments take it. */
export function flag(value: boolean): Script {
  return value ? sh`1` : sh`0`;
}
