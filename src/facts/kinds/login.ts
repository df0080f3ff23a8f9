import { sh } from '../../node/sh.ts';
import { readFields } from '../frame.ts';
import type { FactKind } from './kind.ts';

/** Who nodeward is on the node: the login user, its groups, and SSH_CONNECTION as sshd set it. */
export const loginKind: FactKind<'login'> = {
  kind: 'login',
  section: 'w',
  functions: sh`# sudo resets the environment: SSH_CONNECTION is found in the nearest ancestor that has it
nw_login() {
  nw_sec "$1"; u=\${SUDO_USER:-$(id -un)}; c=\${SSH_CONNECTION:-}; p=$$
  while [ -z "$c" ] && [ -n "$p" ] && [ "$p" -gt 1 ]; do
    c=$(tr '\\0' '\\n' < "/proc/$p/environ" 2>/dev/null | sed -n 's/^SSH_CONNECTION=//p' | head -n 1)
    p=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$p/status" 2>/dev/null)
  done
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
