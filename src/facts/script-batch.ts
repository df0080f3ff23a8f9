import { shQuote } from '../transport/shell-quote.ts';
import type { FactRequest } from './types.ts';

/**
 * Sysctl and unit requests answered together, one process for all of each kind instead of one
 * per request: on a node every exec costs about a millisecond of CPU, and a plan of the bundled
 * playbooks asks for ~20 sysctls and 2 units. The sections are the same as one-by-one answers.
 */
export const BATCH_FUNCTIONS = String.raw`# value lines of $2 from grep's "path:line" output in $nw_o; cat (or \001) when grep had none
nw_sysctl_from() {
  nw_sec "$1"; if [ ! -e "$2" ]; then printf '\001'; return 0; fi
  f=
  while IFS= read -r l; do case $l in "$2:"*) printf '%s\n' "@{l#"$2:"}"; f=1 ;; esac; done <<NW_EOF
$nw_o
NW_EOF
  if [ -z "$f" ]; then cat -- "$2" 2>/dev/null || printf '\001'; fi
}
# $1: properties, $2: one word per unit of ":"-joined section ids, then the units. systemctl show
# prints one block per unit, in order, blank-line separated; each block goes to each of its ids.
nw_units() {
  p=$1; ids=$2; shift 2
  nw_o=$(systemctl show -p "$p" -- "$@" 2>/dev/null)
  set -- $ids
  b=
  while IFS= read -r l; do
    if [ -n "$l" ]; then b="$b$l
"; elif [ $# -gt 0 ]; then nw_unit_out "$1" "$b"; shift; b=; fi
  done <<NW_EOF
$nw_o
NW_EOF
  for i in "$@"; do nw_unit_out "$i" "$b"; b=; done
}
nw_unit_out() {
  q=$IFS; IFS=:; for u in $1; do nw_sec "$u"; printf '%s' "$2"; done; IFS=$q
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
  if (sysctls.length > 0) {
    // grep reads each /proc/sys file in one read at offset 0, which is all such files answer.
    lines.push(`nw_o=$(grep -sH '' -- ${sysctls.map((s) => s.path).join(' ')} 2>/dev/null)`);
    lines.push(...sysctls.map((s) => `nw_sysctl_from ${s.id} ${s.path}`));
  }
  if (units.size > 0) {
    const ids = [...units.values()].map((list) => list.join(':')).join(' ');
    lines.push(`nw_units ${names.unitProperties.join(',')} '${ids}' ${[...units.keys()].join(' ')}`);
  }
  return lines;
}
