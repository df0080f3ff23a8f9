import { sh } from '../../node/sh.ts';
import { readFields } from '../frame.ts';
import type { FactKind } from './kind.ts';

/** The installed version of a package and the package manager (dpkg/apt or rpm/dnf/yum). */
export const packageKind: FactKind<'package'> = {
  kind: 'package',
  section: 'q',
  functions: sh`nw_pkg() {
  nw_sec "$1"; m=none; v=
  if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then m=apt
  elif command -v dnf >/dev/null 2>&1; then m=dnf
  elif command -v yum >/dev/null 2>&1; then m=yum; fi
  case $m in
    apt) s=$(dpkg-query -W -f='\${Status}|\${Version}' "$2" 2>/dev/null); case $s in 'install ok installed|'*) v=\${s#*|} ;; esac ;;
    dnf|yum) v=$(rpm -q --qf '%{EPOCH}:%{VERSION}-%{RELEASE}' "$2" 2>/dev/null) || v=; v=\${v#'(none):'} ;;
  esac
  printf '%s\\0%s\\0' "$m" "$v"
}`,
  each: (request, id) => sh`nw_pkg ${id} ${request.name}`,
  parse(request, id, sections, facts, fail) {
    const parsed = readFields(sections.one(id), 2) ?? fail('truncated package section');
    const [manager = '', version = ''] = parsed.fields;
    if (manager !== 'apt' && manager !== 'dnf' && manager !== 'yum' && manager !== 'none') return fail('bad package manager');
    facts.packages.set(request.name, { name: request.name, manager, installed: version.trim() === '' ? undefined : version.trim() });
  },
};
