import { sh } from '../../node/sh.ts';
import { readFields } from '../frame.ts';
import type { FactKind } from './kind.ts';

/** Who nodeward is on the node: the login user, its groups, and SSH_CONNECTION as sshd set it. */
export const loginKind: FactKind<'login'> = {
  kind: 'login',
  section: 'w',
  functions: sh`# sudo resets the environment: SSH_CONNECTION is found in the nearest ancestor that has it,
# by one awk walking /proc (each environ NUL-separated, each status read for the parent's pid)
nw_login() {
  nw_sec "$1"; u=\${SUDO_USER:-$(id -un)}; c=\${SSH_CONNECTION:-}
  if [ -z "$c" ]; then c=$(awk -v p=$$ 'BEGIN {
    RS = "\\0"
    while (p != "" && p + 0 > 1) {
      f = "/proc/" p "/environ"; c = ""
      while ((getline l < f) > 0) if (index(l, "SSH_CONNECTION=") == 1) { c = substr(l, 16); break }
      close(f)
      if (c != "") { print c; exit }
      f = "/proc/" p "/status"; s = ""
      if ((getline s < f) > 0 && match("\\n" s, /\\nPPid:[ \\t]*[0-9]*/)) { p = substr("\\n" s, RSTART, RLENGTH); sub(/^\\nPPid:[ \\t]*/, "", p) } else p = ""
      close(f)
    }
  }' 2>/dev/null); fi
  printf '%s\\0%s\\0%s\\0' "$u" "$(id -Gn "$u" 2>/dev/null)" "$c"
}`,
  each: (_request, id) => sh`nw_login ${id}`,
  parse(_request, id, sections, facts, fail) {
    const parsed = readFields(sections.one(id), 3) ?? fail('truncated login section');
    const [user = '', groups = '', connection = ''] = parsed.fields;
    if (user === '') fail('login section without a user');
    // SSH_CONNECTION: client address, client port, server address, server port
    const parts = connection.trim().split(/\s+/);
    const port = Number(parts[3]);
    facts.login = {
      user,
      groups: groups.split(/\s+/).filter(Boolean),
      clientAddress: parts.length === 4 ? parts[0] : undefined,
      serverPort: parts.length === 4 && Number.isInteger(port) ? port : undefined,
    };
  },
};
