import { PENDING_CASE } from '../node/run-state.ts';
import { shQuote } from '../transport/shell-quote.ts';
import { NODE_FUNCTIONS, needsNodeFunctions, nodeRequestScript } from './script-node.ts';
import { BATCH_FUNCTIONS, batchScript, isBatched } from './script-batch.ts';
import type { FactRequest } from './types.ts';

/** Content larger than this is not fetched; its hash still is. */
export const CONTENT_CAP_BYTES = 1024 * 1024;

/** Node-side check that a file holds credentials: such content never leaves the node. */
const SECRET_PATTERN = 'PRIVATE KEY|client-key-data|token:|password|auth *=';

export const SYSCTL_DIRS = ['/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d'] as const;
export const SYSCTL_CONF = '/etc/sysctl.conf';

// IPAddressDeny: what systemd resolved from the unit and its drop-ins (CIS 1.11's 4.2.15 asks for "any")
export const UNIT_PROPERTIES = ['Id', 'LoadState', 'ActiveState', 'SubState', 'UnitFileState', 'MainPID', 'NRestarts', 'IPAddressDeny'] as const;

/**
 * The POSIX sh script that answers every request in one exec. Output is a series of sections,
 * each introduced by "\n<boundary> <id>\n"; the boundary is random per run, so no file content
 * can forge a section. Section ids are indexes, never values from the node or the playbook.
 */
export function buildFactsScript(requests: readonly FactRequest[], boundary: string): string {
  const prelude = PRELUDE.replace('@BOUNDARY@', boundary)
    .replaceAll('@CAP@', String(CONTENT_CAP_BYTES))
    .replaceAll('@STAT@', STAT_FORMAT)
    .replace('@SECRET@', shQuote(SECRET_PATTERN));
  const lines: string[] = [prelude, BATCH_FUNCTIONS];
  if (needsNodeFunctions(requests)) lines.push(NODE_FUNCTIONS);
  lines.push(...fileBatchScript(requests));
  requests.forEach((request, index) => {
    if (!isBatched(request)) lines.push(requestScript(request, index));
  });
  lines.push(...batchScript(requests, { sysctlPath, unitName, unitProperties: UNIT_PROPERTIES }));
  lines.push('exit 0');
  return lines.join('\n') + '\n';
}

function requestScript(request: FactRequest, index: number): string {
  switch (request.kind) {
    case 'file':
      return `nw_fileb f${index} ${shQuote(request.path)} ${flag(request.follow)} ${flag(request.content)} ${flag(request.sensitive)}`;
    case 'kubelet':
      return KUBELET.replaceAll('@ID@', `k${index}`);
    case 'glob':
      return `nw_glob g${index} ${shQuote(request.pattern)}`;
    case 'sysctl':
    case 'unit':
      return ''; // answered together by batchScript
    case 'sysctlFiles':
      return `nw_sysctl_files p${index} ${SYSCTL_DIRS.map(shQuote).join(' ')}`;
    case 'os':
      return `nw_sec o${index}; cat /etc/os-release 2>/dev/null`;
    case 'pendingRuns':
      return [
        `nw_sec r${index}`,
        `for d in ${shQuote(request.stateDir)}/runs/*/; do`,
        '  [ -f "$d/state" ] || continue',
        `  st=$(cat "$d/state"); case $st in ${PENDING_CASE}) printf '%s %s %s\\n' "$(basename "$d")" "$st" "$(tr '\\n' ' ' < "$d/owed" 2>/dev/null)" ;; esac`,
        'done',
      ].join('\n');
    case 'lock':
      return `nw_sec l${index}; printf 'now=%s\\n' "$(date +%s)"; cat -- ${shQuote(request.path)} 2>/dev/null`;
    default:
      return nodeRequestScript(request, index) ?? 'true';
  }
}

/**
 * The stat, hash and secret checks of every requested file in one process each, not one per
 * file: on a node every exec costs about a millisecond of CPU. nw_fileb then answers each file
 * from these lists by lookup, in the shell. Requested paths never hold a newline or a '|'
 * (playbook validation), so the line-based answers are unambiguous.
 */
function fileBatchScript(requests: readonly FactRequest[]): string[] {
  const files = requests.filter((r): r is Extract<FactRequest, { kind: 'file' }> => r.kind === 'file');
  if (files.length === 0) return [];
  const list = (pick: (r: Extract<FactRequest, { kind: 'file' }>) => boolean): string => files.filter(pick).map((r) => shQuote(r.path)).join(' ');
  const batch = (variable: string, command: string, paths: string): string =>
    paths === '' ? `${variable}=` : `${variable}="
$(${command} -- ${paths} 2>/dev/null)
"`;
  return [
    batch('nw_st', `stat -c '${STAT_FORMAT}|%n'`, list((r) => !r.follow)),
    batch('nw_stL', `stat -L -c '${STAT_FORMAT}|%n'`, list((r) => r.follow)),
    batch('nw_sha', 'sha256sum', list((r) => r.content || r.sensitive)),
    batch('nw_secret', `grep -lE ${shQuote(SECRET_PATTERN)}`, list((r) => r.content && !r.sensitive)),
  ];
}

export function sysctlPath(key: string): string {
  return '/proc/sys/' + key.replaceAll('.', '/');
}

export function unitName(name: string): string {
  return name.includes('.') ? name : `${name}.service`;
}

function flag(value: boolean): string {
  return value ? '1' : '0';
}

// In these String.raw templates "@{" stands for the shell's "${", which would interpolate.
const shell = (text: string): string => text.replaceAll('@{', '${');

const STAT_FORMAT = '%a|%u|%g|%U|%G|%s|%F';

const PRELUDE = shell(String.raw`B='@BOUNDARY@'
nw_sec() { printf '\n%s %s\n' "$B" "$1"; }
nw_stat() { if [ "$2" = 1 ]; then stat -L -c '@STAT@' -- "$1"; else stat -c '@STAT@' -- "$1"; fi 2>/dev/null || echo '?'; }
# fields, NUL-terminated: path, stat|absent, link target, sha256, content state; then the raw content
nw_file() {
  nw_sec "$1"; printf '%s\0' "$2"
  if [ ! -e "$2" ] && [ ! -L "$2" ]; then printf 'absent\0'; return 0; fi
  printf '%s\0' "$(nw_stat "$2" "$3")"
  l=; if [ -L "$2" ]; then l=$(readlink -- "$2"); fi; printf '%s\0' "$l"
  h=; if [ -f "$2" ]; then h=$(sha256sum < "$2" 2>/dev/null); h=@{h%% *}; fi; printf '%s\0' "$h"
  if [ "$4" != 1 ] || [ ! -f "$2" ]; then printf 'none\0'; return 0; fi
  if [ "$5" = 1 ] || grep -qE @SECRET@ < "$2" 2>/dev/null; then printf 'sensitive\0'; return 0; fi
  z=$(wc -c < "$2"); if [ "@{z:-0}" -gt @CAP@ ]; then printf 'large\0'; return 0; fi
  printf 'content\0'; cat < "$2"
}
# nw_find LIST SUFFIX: in a batched answer (lines, newline first and last), the text of the line
# ending in SUFFIX before it, into nw_r; no process is started
nw_find() {
  case "$1" in *"$2
"*) nw_r=@{1%%"$2
"*}; nw_r=@{nw_r##*"
"}; return 0 ;; esac
  nw_r=; return 1
}
# nw_file from the batched stat, sha256sum and secret lists (same answer, a fraction of the processes)
nw_fileb() {
  nw_sec "$1"; printf '%s\0' "$2"
  if [ ! -e "$2" ] && [ ! -L "$2" ]; then printf 'absent\0'; return 0; fi
  if [ "$3" = 1 ]; then nw_find "$nw_stL" "|$2"; else nw_find "$nw_st" "|$2"; fi
  st=$nw_r; printf '%s\0' "@{st:-?}"
  l=; if [ -L "$2" ]; then l=$(readlink -- "$2"); fi; printf '%s\0' "$l"
  h=; if [ -f "$2" ] && nw_find "$nw_sha" "  $2"; then h=$nw_r; fi; printf '%s\0' "$h"
  if [ "$4" != 1 ] || [ ! -f "$2" ]; then printf 'none\0'; return 0; fi
  if [ "$5" = 1 ] || nw_find "$nw_secret" "
$2"; then printf 'sensitive\0'; return 0; fi
  z=@{st#*|*|*|*|*|}; z=@{z%%|*}
  case $z in ''|*[!0-9]*) z=$(wc -c < "$2") ;; esac
  if [ "@{z:-0}" -gt @CAP@ ]; then printf 'large\0'; return 0; fi
  printf 'content\0'; cat < "$2"
}
nw_glob() {
  nw_sec "$1"; n=0; o=$IFS; IFS=''
  for f in $2; do
    if [ -e "$f" ] || [ -L "$f" ]; then nw_sec "$1.$n"; printf '%s\0%s' "$f" "$(nw_stat "$f" 1)"; n=$((n + 1)); fi
  done
  IFS=$o
}
# Every sysctl.d file with its content: symlinks (Debian's 99-sysctl.conf) one by one with their
# target, the rest in one awk, which frames each file as a section (an empty file has nothing to say).
nw_sysctl_files() {
  s=$1; shift
  nw_d="$*"; set --
  for d in $nw_d; do for f in "$d"/*.conf; do
    [ -f "$f" ] || continue
    if [ -L "$f" ]; then nw_sec "$s"; printf '%s\0%s\0' "$f" "$(readlink -f -- "$f")"; cat < "$f" 2>/dev/null
    else set -- "$@" "$f"; fi
  done; done
  if [ -f ${SYSCTL_CONF} ]; then set -- "$@" ${SYSCTL_CONF}; fi
  if [ $# -gt 0 ]; then awk -v B="$B" -v S="$s" 'FNR == 1 { printf "\n%s %s\n%s%c%c", B, S, FILENAME, 0, 0 } { print }' "$@" 2>/dev/null; fi
}`);

const KUBELET = shell(String.raw`kp=
for d in /proc/[0-9]*; do
  c=; { IFS= read -r c < "$d/comm"; } 2>/dev/null || continue
  if [ "$c" = kubelet ]; then kp=@{d#/proc/}; break; fi
done
kc=
if [ -n "$kp" ]; then
  kc=$(tr '\0' '\n' < "/proc/$kp/cmdline" 2>/dev/null | sed -n -e 's/^--config=//p' -e '/^--config$/{n;p;}' | head -n 1)
fi
nw_sec @ID@; printf '%s\0' "$kp"; if [ -n "$kp" ]; then cat "/proc/$kp/cmdline" 2>/dev/null; fi
if [ -z "$kc" ]; then kc=/var/lib/kubelet/config.yaml; fi
case $kc in /*) ;; *) kc=/$kc ;; esac
nw_file @ID@.config "$kc" 0 1 0`);
