import { sh } from '../../node/sh.ts';
import { readFields } from '../frame.ts';
import type { FactKind } from './kind.ts';

export const SYSCTL_DIRS = ['/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d'] as const;
export const SYSCTL_CONF = '/etc/sysctl.conf';

/** Every file `sysctl --system` / systemd-sysctl would read at boot, with content: one section per file. */
export const sysctlFilesKind: FactKind<'sysctlFiles'> = {
  kind: 'sysctlFiles',
  section: 'p',
  functions: sh`# Every sysctl.d file with its content: symlinks (Debian's 99-sysctl.conf) one by one with their
# target, the rest in one awk, which frames each file as a section (an empty file has nothing to say).
nw_sysctl_files() {
  s=$1; shift
  nw_d="$*"; set --
  for d in $nw_d; do for f in "$d"/*.conf; do
    [ -f "$f" ] || continue
    if [ -L "$f" ]; then nw_sec "$s"; printf '%s\\0%s\\0' "$f" "$(readlink -f -- "$f")"; cat < "$f" 2>/dev/null
    else set -- "$@" "$f"; fi
  done; done
  if [ -f ${SYSCTL_CONF} ]; then set -- "$@" ${SYSCTL_CONF}; fi
  if [ $# -gt 0 ]; then awk -v B="$B" -v S="$s" 'FNR == 1 { printf "\\n%s %s\\n%s%c%c", B, S, FILENAME, 0, 0 } { print }' "$@" 2>/dev/null; fi
}`,
  each: (_request, id) => sh`nw_sysctl_files ${id} ${SYSCTL_DIRS}`,
  parse(_request, id, sections, facts, fail) {
    facts.sysctlFiles = sections.all(id).map((body) => {
      const parsed = readFields(body, 2) ?? fail('sysctl file section without a path');
      const [path = '', link = ''] = parsed.fields;
      return { path, realPath: link === '' ? path : link, content: parsed.rest.toString('utf8') };
    });
  },
};
