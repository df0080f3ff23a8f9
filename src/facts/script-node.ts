import { shQuote } from '../transport/shell-quote.ts';
import type { FactRequest } from './types.ts';

// In these String.raw templates "@{" stands for the shell's "${", which would interpolate.
const shell = (text: string): string => text.replaceAll('@{', '${');

/**
 * Facts about services beyond files and sysctls (sshd, the login, audit, nftables, packages).
 * Each answers with NUL-separated fields; commands that are missing are reported, not errors.
 */
export function nodeRequestScript(request: FactRequest, index: number): string | undefined {
  switch (request.kind) {
    case 'sshd':
      return `nw_sshd h${index}`;
    case 'login':
      return `nw_login w${index}`;
    case 'audit':
      return `nw_audit a${index}`;
    case 'nftTable':
      return `nw_nft n${index} ${shQuote(request.family)} ${shQuote(request.table)} ${shQuote(request.record)}`;
    case 'package':
      return `nw_pkg q${index} ${shQuote(request.name)}`;
    case 'kubeletVersion':
      return `nw_kver v${index}`;
    default:
      return undefined;
  }
}

export function needsNodeFunctions(requests: readonly FactRequest[]): boolean {
  return requests.some((r) => ['sshd', 'login', 'audit', 'nftTable', 'package', 'kubeletVersion'].includes(r.kind));
}

export const NODE_FUNCTIONS = shell(String.raw`nw_sshd() {
  nw_sec "$1"; b=$(command -v sshd 2>/dev/null); [ -n "$b" ] || { [ -x /usr/sbin/sshd ] && b=/usr/sbin/sshd; }
  if [ -z "$b" ]; then printf 'missing\0'; return 0; fi
  if o=$("$b" -T 2>&1); then printf 'ok\0%s' "$o"; else printf 'invalid\0%s' "$o"; fi
}
# sudo resets the environment: SSH_CONNECTION is found in the nearest ancestor that has it
nw_login() {
  nw_sec "$1"; u=@{SUDO_USER:-$(id -un)}; c=@{SSH_CONNECTION:-}; p=$$
  while [ -z "$c" ] && [ -n "$p" ] && [ "$p" -gt 1 ]; do
    c=$(tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | sed -n 's/^SSH_CONNECTION=//p' | head -n 1)
    p=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$p/status" 2>/dev/null)
  done
  printf '%s\0%s\0%s\0' "$u" "$(id -Gn "$u" 2>/dev/null)" "$c"
}
nw_audit() {
  nw_sec "$1"; a=0; g=0; e=; l=
  command -v augenrules >/dev/null 2>&1 && g=1
  if command -v auditctl >/dev/null 2>&1; then
    a=1; e=$(auditctl -s 2>/dev/null | sed -n 's/^enabled[[:space:]]*//p' | head -n 1); l=$(auditctl -l 2>/dev/null)
  fi
  printf '%s\0%s\0%s\0%s' "$a" "$g" "$e" "$l"
}
nw_nft() {
  nw_sec "$1"
  if ! command -v nft >/dev/null 2>&1; then printf '0\0\0\0\0'; return 0; fi
  t=0; h=; if nft list table "$2" "$3" >/dev/null 2>&1; then t=1; h=$(nft list table "$2" "$3" 2>/dev/null | sha256sum | cut -c1-64); fi
  r=0; c=; if [ -f "$4" ]; then r=1; c=$(cat -- "$4"); fi
  printf '1\0%s\0%s\0%s\0%s' "$t" "$h" "$r" "$c"
}
nw_pkg() {
  nw_sec "$1"; m=none; v=
  if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then m=apt
  elif command -v dnf >/dev/null 2>&1; then m=dnf
  elif command -v yum >/dev/null 2>&1; then m=yum; fi
  case $m in
    apt) s=$(dpkg-query -W -f='@{Status}|@{Version}' "$2" 2>/dev/null); case $s in 'install ok installed|'*) v=@{s#*|} ;; esac ;;
    dnf|yum) v=$(rpm -q --qf '%{EPOCH}:%{VERSION}-%{RELEASE}' "$2" 2>/dev/null) || v=; v=@{v#'(none):'} ;;
  esac
  printf '%s\0%s\0' "$m" "$v"
}
# the binary the running kubelet was started as (its argv[0], when absolute), else kubelet on PATH
nw_kver() {
  nw_sec "$1"; b=
  for d in /proc/[0-9]*; do
    c=; { IFS= read -r c < "$d/comm"; } 2>/dev/null || continue
    if [ "$c" = kubelet ]; then b=$(tr '\0' '\n' < "$d/cmdline" 2>/dev/null | head -n 1); break; fi
  done
  case $b in /*) [ -x "$b" ] || b= ;; *) b= ;; esac
  [ -n "$b" ] || b=$(command -v kubelet 2>/dev/null) || b=
  printf '%s\0' "$b"
  if [ -n "$b" ]; then "$b" --version 2>/dev/null | head -n 1; fi
}`);
