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
  functions: sh`# $1: the section ids, then the /proc/sys paths in the same order. One awk reads every path
# with getline: each value's lines, or \\001 for a key that cannot be opened. A read error
# (stable_secret's EIO) stops mawk (gawk's getline returns -1): it says on stderr which key it
# reads ("@N ID"), so that key is answered \\001 here and awk goes on from the next one.
nw_sysctls() {
  ids=$1; shift; nw_k=1
  while :; do
    { nw_k=$(awk -v B="$B" -v ids="$ids" -v k="$nw_k" 'BEGIN {
      n = split(ids, I, " ")
      for (i = k; i <= n; i++) {
        printf "@%d %s\\n", i, I[i] > "/dev/stderr"
        v = ""; while ((r = (getline l < ARGV[i])) > 0) v = v l "\\n"
        close(ARGV[i])
        printf "\\n%s %s\\n%s", B, I[i], (r < 0 && v == "" ? "\\001" : v)
      }
      printf "@0 \\n" > "/dev/stderr"
      exit
    }' "$@" 2>&1 >&3 3>&-); } 3>&1
    nw_k=\${nw_k##*@}; nw_i=\${nw_k#* }; nw_i=\${nw_i%%"
"*}; nw_k=\${nw_k%% *}
    case $nw_k in ''|0|*[!0-9]*) break ;; esac
    nw_sec "$nw_i"; printf '\\001'; nw_k=$((nw_k + 1))
  done
}`,
  after: (items) => (items.length === 0 ? sh`` : sh`nw_sysctls ${items.map((item) => item.id).join(' ')} ${items.map((item) => sysctlPath(item.request.key))}`),
  parse(request, id, sections, facts) {
    const raw = sections.one(id).toString('utf8');
    facts.sysctls.set(request.key, raw === '\u0001' ? null : normalizeValue(raw));
  },
};
