import { sh } from '../../node/sh.ts';
import { normalizeValue } from '../sysctl-boot.ts';
import type { FactKind } from './kind.ts';

export function sysctlPath(key: string): string {
  return '/proc/sys/' + key.replaceAll('.', '/');
}

/**
 * The live value of a sysctl. All of a script's sysctls are read by one process instead of one
 * per key (on a node every exec costs about a millisecond of CPU, and a plan of the bundled
 * playbooks asks for ~20); the sections are the same as one-by-one answers.
 */
export const sysctlKind: FactKind<'sysctl'> = {
  kind: 'sysctl',
  section: 's',
  functions: sh`# $1: the section ids, then the /proc/sys paths in the same order. grep reads each file in one
# read at offset 0 (all such files answer) and skips unreadable ones; awk files its "path:line"
# output under the ids; a path grep printed nothing for is read by cat (\\001 when that fails too).
nw_sysctls() {
  ids=$1; shift
  nw_o=$(grep -sH '' -- "$@" 2>/dev/null)
  printf '%s\\n' "$nw_o" | awk -v B="$B" -v ids="$ids" '
    BEGIN { n = split(ids, I, " "); for (i = 1; i <= n; i++) P[i] = ARGV[i]; ARGC = 1 }
    { for (i = 1; i <= n; i++) if (index($0, P[i] ":") == 1) { V[i] = V[i] substr($0, length(P[i]) + 2) "\\n"; S[i] = 1; break } }
    END { for (i = 1; i <= n; i++) if (S[i]) printf "\\n%s %s\\n%s", B, I[i], V[i] }' "$@"
  for p in "$@"; do
    id=\${ids%% *}; ids=\${ids#* }
    case "
$nw_o" in *"
$p:"*) ;; *) nw_sec "$id"; if [ -e "$p" ]; then cat -- "$p" 2>/dev/null || printf '\\001'; else printf '\\001'; fi ;; esac
  done
}`,
  after: (items) => (items.length === 0 ? sh`` : sh`nw_sysctls ${items.map((item) => item.id).join(' ')} ${items.map((item) => sysctlPath(item.request.key))}`),
  parse(request, id, sections, facts) {
    const raw = sections.one(id).toString('utf8');
    facts.sysctls.set(request.key, raw === '\u0001' ? null : normalizeValue(raw));
  },
};
