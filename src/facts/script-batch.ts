import { shQuote } from '../transport/shell-quote.ts';
import type { FactRequest } from './types.ts';

/**
 * Sysctl and unit requests answered together, one process for all of each kind instead of one
 * per request: on a node every exec costs about a millisecond of CPU, and a plan of the bundled
 * playbooks asks for ~20 sysctls and 2 units. The sections are the same as one-by-one answers.
 */
export const BATCH_FUNCTIONS = String.raw`# $1: the section ids, then the /proc/sys paths in the same order. grep reads each file in one
# read at offset 0 (all such files answer) and skips unreadable ones; awk files its "path:line"
# output under the ids; a path grep printed nothing for is read by cat (\001 when that fails too).
nw_sysctls() {
  ids=$1; shift
  nw_o=$(grep -sH '' -- "$@" 2>/dev/null)
  printf '%s\n' "$nw_o" | awk -v B="$B" -v ids="$ids" '
    BEGIN { n = split(ids, I, " "); for (i = 1; i <= n; i++) P[i] = ARGV[i]; ARGC = 1 }
    { for (i = 1; i <= n; i++) if (index($0, P[i] ":") == 1) { V[i] = V[i] substr($0, length(P[i]) + 2) "\n"; S[i] = 1; break } }
    END { for (i = 1; i <= n; i++) if (S[i]) printf "\n%s %s\n%s", B, I[i], V[i] }' "$@"
  for p in "$@"; do
    id=@{ids%% *}; ids=@{ids#* }
    case "
$nw_o" in *"
$p:"*) ;; *) nw_sec "$id"; if [ -e "$p" ]; then cat -- "$p" 2>/dev/null || printf '\001'; else printf '\001'; fi ;; esac
  done
}
# $1: properties, $2: one word per unit of ":"-joined section ids, then the units. systemctl show
# prints one block per unit, in order, blank-line separated; each block goes to each of its ids.
nw_units() {
  p=$1; ids=$2; shift 2
  systemctl show -p "$p" -- "$@" 2>/dev/null | awk -v B="$B" -v ids="$ids" '
    function out(  i, n, u) { n = split(I[k], u, ":"); for (i = 1; i <= n; i++) printf "\n%s %s\n%s", B, u[i], b; b = ""; k++ }
    BEGIN { m = split(ids, I, " "); k = 1 }
    /^$/ { if (k < m) out(); next }
    { b = b $0 "\n" }
    END { while (k <= m) out() }'
}`.replaceAll('@{', '${');

export interface BatchNames {
  readonly sysctlPath: (key: string) => string;
  readonly unitName: (name: string) => string;
  readonly unitProperties: readonly string[];
}

/** Whether a request is answered by batchScript rather than on its own. */
export function isBatched(request: FactRequest): boolean {
  return request.kind === 'sysctl' || request.kind === 'unit';
}

/** The script lines answering every sysctl and unit request (section ids s<index>, u<index>). */
export function batchScript(requests: readonly FactRequest[], names: BatchNames): string[] {
  const sysctls: { id: string; path: string }[] = [];
  const units = new Map<string, string[]>();
  requests.forEach((request, index) => {
    if (request.kind === 'sysctl') sysctls.push({ id: `s${index}`, path: shQuote(names.sysctlPath(request.key)) });
    if (request.kind === 'unit') {
      const name = shQuote(names.unitName(request.name));
      units.set(name, [...(units.get(name) ?? []), `u${index}`]);
    }
  });
  const lines: string[] = [];
  if (sysctls.length > 0) lines.push(`nw_sysctls '${sysctls.map((s) => s.id).join(' ')}' ${sysctls.map((s) => s.path).join(' ')}`);
  if (units.size > 0) {
    const ids = [...units.values()].map((list) => list.join(':')).join(' ');
    lines.push(`nw_units ${names.unitProperties.join(',')} '${ids}' ${[...units.keys()].join(' ')}`);
  }
  return lines;
}
