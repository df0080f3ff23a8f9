B=NWB0123456789abcdef
nw_sec() { printf '\n%s %s\n' "$B" "$1"; }
nw_stat() { if [ "$2" = 1 ]; then stat -L -c '%a|%u|%g|%U|%G|%s|%F' -- "$1"; else stat -c '%a|%u|%g|%U|%G|%s|%F' -- "$1"; fi 2>/dev/null || echo '?'; }
# fields, NUL-terminated: path, stat|absent, link target, sha256, content state; then the raw content
nw_file() {
  nw_sec "$1"; printf '%s\0' "$2"
  if [ ! -e "$2" ] && [ ! -L "$2" ]; then printf 'absent\0'; return 0; fi
  printf '%s\0' "$(nw_stat "$2" "$3")"
  l=; if [ -L "$2" ]; then l=$(readlink -- "$2"); fi; printf '%s\0' "$l"
  h=; if [ -f "$2" ]; then h=$(sha256sum < "$2" 2>/dev/null); h=${h%% *}; fi; printf '%s\0' "$h"
  if [ "$4" != 1 ] || [ ! -f "$2" ]; then printf 'none\0'; return 0; fi
  if [ "$5" = 1 ] || grep -qE 'PRIVATE KEY|client-key-data|token:|password|auth *=' < "$2" 2>/dev/null; then printf 'sensitive\0'; return 0; fi
  z=$(wc -c < "$2"); if [ "${z:-0}" -gt 1048576 ]; then printf 'large\0'; return 0; fi
  printf 'content\0'; cat < "$2"
}
# nw_find LIST SUFFIX: in a batched answer (lines, newline first and last), the text of the line
# ending in SUFFIX before it, into nw_r; no process is started
nw_find() {
  case "$1" in *"$2
"*) nw_r=${1%%"$2
"*}; nw_r=${nw_r##*"
"}; return 0 ;; esac
  nw_r=; return 1
}
# nw_file from the batched stat, sha256sum and secret lists (same answer, a fraction of the processes)
nw_fileb() {
  nw_sec "$1"; printf '%s\0' "$2"
  if [ ! -e "$2" ] && [ ! -L "$2" ]; then printf 'absent\0'; return 0; fi
  if [ "$3" = 1 ]; then nw_find "$nw_stL" "|$2"; else nw_find "$nw_st" "|$2"; fi
  st=$nw_r; printf '%s\0' "${st:-?}"
  l=; if [ -L "$2" ]; then l=$(readlink -- "$2"); fi; printf '%s\0' "$l"
  h=; if [ -f "$2" ] && nw_find "$nw_sha" "  $2"; then h=$nw_r; fi; printf '%s\0' "$h"
  if [ "$4" != 1 ] || [ ! -f "$2" ]; then printf 'none\0'; return 0; fi
  if [ "$5" = 1 ] || nw_find "$nw_secret" "
$2"; then printf 'sensitive\0'; return 0; fi
  z=${st#*|*|*|*|*|}; z=${z%%|*}
  case $z in ''|*[!0-9]*) z=$(wc -c < "$2") ;; esac
  if [ "${z:-0}" -gt 1048576 ]; then printf 'large\0'; return 0; fi
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
  if [ -f /etc/sysctl.conf ]; then set -- "$@" /etc/sysctl.conf; fi
  if [ $# -gt 0 ]; then awk -v B="$B" -v S="$s" 'FNR == 1 { printf "\n%s %s\n%s%c%c", B, S, FILENAME, 0, 0 } { print }' "$@" 2>/dev/null; fi
}
# $1: the section ids, then the /proc/sys paths in the same order. grep reads each file in one
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
    id=${ids%% *}; ids=${ids#* }
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
}
nw_sshd() {
  nw_sec "$1"; b=$(command -v sshd 2>/dev/null); [ -n "$b" ] || { [ -x /usr/sbin/sshd ] && b=/usr/sbin/sshd; }
  if [ -z "$b" ]; then printf 'missing\0'; return 0; fi
  if o=$("$b" -T 2>&1); then printf 'ok\0%s' "$o"; else printf 'invalid\0%s' "$o"; fi
}
# sudo resets the environment: SSH_CONNECTION is found in the nearest ancestor that has it
nw_login() {
  nw_sec "$1"; u=${SUDO_USER:-$(id -un)}; c=${SSH_CONNECTION:-}; p=$$
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
    apt) s=$(dpkg-query -W -f='${Status}|${Version}' "$2" 2>/dev/null); case $s in 'install ok installed|'*) v=${s#*|} ;; esac ;;
    dnf|yum) v=$(rpm -q --qf '%{EPOCH}:%{VERSION}-%{RELEASE}' "$2" 2>/dev/null) || v=; v=${v#'(none):'} ;;
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
}
nw_st="
$(stat -c '%a|%u|%g|%U|%G|%s|%F|%n' -- /var/lib/kubelet/config.yaml 2>/dev/null)
"
nw_stL="
$(stat -L -c '%a|%u|%g|%U|%G|%s|%F|%n' -- /etc/kubernetes/pki/ca.crt 2>/dev/null)
"
nw_sha="
$(sha256sum -- /var/lib/kubelet/config.yaml /etc/kubernetes/pki/ca.crt 2>/dev/null)
"
nw_secret="
$(grep -lE 'PRIVATE KEY|client-key-data|token:|password|auth *=' -- /var/lib/kubelet/config.yaml 2>/dev/null)
"
nw_fileb f0 /var/lib/kubelet/config.yaml 0 1 0
nw_fileb f1 /etc/kubernetes/pki/ca.crt 1 0 1
kp=
for d in /proc/[0-9]*; do
  c=; { IFS= read -r c < "$d/comm"; } 2>/dev/null || continue
  if [ "$c" = kubelet ]; then kp=${d#/proc/}; break; fi
done
kc=
if [ -n "$kp" ]; then
  kc=$(tr '\0' '\n' < "/proc/$kp/cmdline" 2>/dev/null | sed -n -e 's/^--config=//p' -e '/^--config$/{n;p;}' | head -n 1)
fi
nw_sec k2; printf '%s\0' "$kp"; if [ -n "$kp" ]; then cat "/proc/$kp/cmdline" 2>/dev/null; fi
if [ -z "$kc" ]; then kc=/var/lib/kubelet/config.yaml; fi
case $kc in /*) ;; *) kc=/$kc ;; esac
nw_file k2.config "$kc" 0 1 0
nw_glob g3 '/etc/systemd/system/kubelet.service.d/*.conf'
nw_sysctl_files p6 /etc/sysctl.d /run/sysctl.d /usr/local/lib/sysctl.d /usr/lib/sysctl.d /lib/sysctl.d
nw_sec o9; cat /etc/os-release 2>/dev/null
nw_sec l10; printf 'now=%s\n' "$(date +%s)"; cat -- /var/lib/nodeward/lock 2>/dev/null
nw_sec r11
for d in /var/lib/nodeward/runs/*/; do
  [ -f "$d/state" ] || continue
  st=$(cat "$d/state"); case $st in started|writing|rolling-back|written|restarting|restored) printf '%s %s %s\n' "$(basename "$d")" "$st" "$(tr '\n' ' ' < "$d/owed" 2>/dev/null)" ;; esac
done
nw_sshd h12
nw_login w13
nw_audit a14
nw_nft n15 inet nodeward /var/lib/nodeward/firewall-inet-nodeward
nw_pkg q16 containerd.io
nw_kver v17
nw_sysctls 's4 s5' /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/panic
nw_units Id,LoadState,ActiveState,SubState,UnitFileState,MainPID,NRestarts,IPAddressDeny 'u7 u8' kubelet.service telnet.socket
exit 0
