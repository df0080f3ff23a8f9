B=NWB0123456789abcdef
nw_sec() { printf '\n%s %s\n' "$B" "$1"; }
nw_stat() { if [ "$2" = 1 ]; then stat -L -c '%a|%u|%g|%U|%G|%s|%F' -- "$1"; else stat -c '%a|%u|%g|%U|%G|%s|%F' -- "$1"; fi 2>/dev/null || echo '?'; }
# nw_find LIST SUFFIX: in a batched answer (lines, newline first and last), the text of the line
# ending in SUFFIX before it, into nw_r; no process is started
nw_find() {
  case "$1" in *"$2
"*) nw_r=${1%%"$2
"*}; nw_r=${nw_r##*"
"}; return 0 ;; esac
  nw_r=; return 1
}
# nw_what PATH STAT CONTENT SENSITIVE SECRET: what a file's answer carries (none, sensitive, large
# or content) into nw_c, from its stat line; SECRET is 1 when it holds credentials (or empty: ask grep)
nw_what() {
  nw_c=none
  if [ "$3" != 1 ] || [ ! -f "$1" ]; then return 0; fi
  if [ "$4" = 1 ] || [ "$5" = 1 ]; then nw_c=sensitive; return 0; fi
  if [ -z "$5" ] && grep -qE 'PRIVATE KEY|client-key-data|token:|password|auth *=' < "$1" 2>/dev/null; then nw_c=sensitive; return 0; fi
  z=${2#*|*|*|*|*|}; z=${z%%|*}
  case $z in ''|*[!0-9]*) z=$(wc -c < "$1") ;; esac
  if [ "${z:-0}" -gt 1048576 ]; then nw_c=large; else nw_c=content; fi
}
# nw_answer PATH STAT LINK HASH: the fields after the path (nw_c says what follows), then the content
nw_answer() {
  printf '%s\0%s\0' "${2:-?}" "$3"
  if [ "$nw_c" = content ]; then printf '\0content\0'; cat < "$1"; else printf '%s\0%s\0' "$4" "$nw_c"; fi
}
# fields, NUL-terminated: path, stat|absent, link target, sha256, content state; then the raw content
nw_file() {
  nw_sec "$1"; printf '%s\0' "$2"
  if [ ! -e "$2" ] && [ ! -L "$2" ]; then printf 'absent\0'; return 0; fi
  st=$(nw_stat "$2" "$3")
  l=; if [ -L "$2" ]; then l=$(readlink -- "$2"); fi
  nw_what "$2" "$st" "$4" "$5" ''
  h=; if [ "$nw_c" != content ] && [ -f "$2" ]; then h=$(sha256sum < "$2" 2>/dev/null); h=${h%% *}; fi
  nw_answer "$2" "$st" "$l" "$h"
}
# nw_stats LSTAT… -- FOLLOW…: the stat lines of all paths, into nw_st (lstat, and the followed
# paths that are no symlink: the same answer) and nw_stL (the followed symlinks)
nw_stats() {
  a=; for p do shift
    if [ -n "$a" ]; then [ -L "$p" ] || set -- "$@" "$p"
    elif [ "$p" = -- ]; then a=1; else set -- "$@" "$p"; fi
  done
  nw_st=; [ $# -eq 0 ] || nw_st="
$(stat -c '%a|%u|%g|%U|%G|%s|%F|%n' -- "$@" 2>/dev/null)
"
}
# nw_statsL FOLLOW…: stat -L of the followed paths that are symlinks (rarely any), into nw_stL
nw_statsL() {
  for p do shift; [ -L "$p" ] && set -- "$@" "$p"; done
  nw_stL=; [ $# -eq 0 ] || nw_stL="
$(stat -L -c '%a|%u|%g|%U|%G|%s|%F|%n' -- "$@" 2>/dev/null)
"
}
# nw_line PATH FOLLOW: the path's stat line from the batched lists, into st
nw_line() {
  if [ "$2" = 1 ] && [ -L "$1" ]; then nw_find "$nw_stL" "|$1"; else nw_find "$nw_st" "|$1"; fi; st=$nw_r
}
# nw_shas PATH FOLLOW CONTENT SENSITIVE …: sha256 of the regular files among them whose content
# is not sent, in one process, into nw_sha
nw_shas() {
  n=$(($# / 4))
  while [ "$n" -gt 0 ]; do
    nw_line "$1" "$2"; nw_secret_of "$1"; nw_what "$1" "$st" "$3" "$4" "$s"; p=$1; shift 4; n=$((n - 1))
    if [ "$nw_c" != content ] && [ -f "$p" ]; then set -- "$@" "$p"; fi
  done
  nw_sha=; [ $# -eq 0 ] || nw_sha="
$(sha256sum -- "$@" 2>/dev/null)
"
}
# nw_secret_of PATH: 1 when the batched grep found credentials in it, else 0, into s
nw_secret_of() { if nw_find "$nw_secret" "
$1"; then s=1; else s=0; fi; }
# nw_file from the batched lists (same answer, a fraction of the processes)
nw_fileb() {
  nw_sec "$1"; printf '%s\0' "$2"
  if [ ! -e "$2" ] && [ ! -L "$2" ]; then printf 'absent\0'; return 0; fi
  nw_line "$2" "$3"
  l=; if [ -L "$2" ]; then l=$(readlink -- "$2"); fi
  nw_secret_of "$2"; nw_what "$2" "$st" "$4" "$5" "$s"
  h=; if [ "$nw_c" != content ] && [ -f "$2" ] && nw_find "$nw_sha" "  $2"; then h=$nw_r; fi
  nw_answer "$2" "$st" "$l" "$h"
}
nw_globs() {
  n=$#; o=$IFS; IFS=''
  while [ "$n" -gt 0 ]; do
    q=$1; shift; n=$((n - 1))
    for f in $q; do
      case $f in *'|'*|*'
'*) ;; *) if [ -e "$f" ] || [ -L "$f" ]; then set -- "$@" "$f"; fi ;; esac
    done
  done
  IFS=$o
  nw_gst=; [ $# -eq 0 ] || nw_gst="
$(stat -L -c '%a|%u|%g|%U|%G|%s|%F|%n' -- "$@" 2>/dev/null)
"
}
nw_glob() {
  nw_sec "$1"; n=0; o=$IFS; IFS=''
  for f in $2; do
    if [ -e "$f" ] || [ -L "$f" ]; then
      nw_sec "$1.$n"
      case $f in *'|'*|*'
'*) st=$(nw_stat "$f" 1) ;; *) if nw_find "$nw_gst" "|$f"; then st=$nw_r; else st=$(nw_stat "$f" 1); fi ;; esac
      printf '%s\0%s' "$f" "$st"; n=$((n + 1))
    fi
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
# $1: the section ids, then the /proc/sys paths in the same order. One awk reads every path
# with getline: each value's lines, or \001 for a key that cannot be opened. A read error
# (stable_secret's EIO) stops mawk (gawk's getline returns -1): it says on stderr which key it
# reads ("@N ID"), so that key is answered \001 here and awk goes on from the next one.
nw_sysctls() {
  ids=$1; shift; nw_k=1
  while :; do
    { nw_k=$(awk -v B="$B" -v ids="$ids" -v k="$nw_k" 'BEGIN {
      n = split(ids, I, " ")
      for (i = k; i <= n; i++) {
        printf "@%d %s\n", i, I[i] > "/dev/stderr"
        v = ""; while ((r = (getline l < ARGV[i])) > 0) v = v l "\n"
        close(ARGV[i])
        printf "\n%s %s\n%s", B, I[i], (r < 0 && v == "" ? "\001" : v)
      }
      printf "@0 \n" > "/dev/stderr"
      exit
    }' "$@" 2>&1 >&3 3>&-); } 3>&1
    nw_k=${nw_k##*@}; nw_i=${nw_k#* }; nw_i=${nw_i%%"
"*}; nw_k=${nw_k%% *}
    case $nw_k in ''|0|*[!0-9]*) break ;; esac
    nw_sec "$nw_i"; printf '\001'; nw_k=$((nw_k + 1))
  done
}
# $1: properties, $2: one word per unit of ":"-joined section ids, then the units. systemctl show
# prints one block per unit, in order, blank-line separated; each block goes to each of its ids
# (a blank line opens the next block; the last block takes the rest; missing blocks are empty).
nw_units() {
  p=$1; ids=$2; shift 2
  o=$(systemctl show -p "$p" -- "$@" 2>/dev/null)
  set -- $ids
  while [ $# -gt 0 ]; do
    if [ $# -eq 1 ]; then b=$o; o=
    else case $o in
      "
"*) b=; o=${o#?} ;;
      *"

"*) b=${o%%"

"*}; o=${o#"$b"}; o=${o#??} ;;
      *) b=$o; o= ;;
    esac; fi
    [ -z "$b" ] || b="$b
"
    nw_o=$IFS; IFS=:; for nw_u in $1; do nw_sec "$nw_u"; printf '%s' "$b"; done; IFS=$nw_o
    shift
  done
}
nw_sshd() {
  nw_sec "$1"; b=$(command -v sshd 2>/dev/null); [ -n "$b" ] || { [ -x /usr/sbin/sshd ] && b=/usr/sbin/sshd; }
  if [ -z "$b" ]; then printf 'missing\0'; return 0; fi
  if o=$("$b" -T 2>&1); then printf 'ok\0%s' "$o"; else printf 'invalid\0%s' "$o"; fi
}
# sudo resets the environment: SSH_CONNECTION is found in the nearest ancestor that has it,
# by one awk walking /proc (each environ NUL-separated, each status read for the parent's pid)
nw_login() {
  nw_sec "$1"; u=${SUDO_USER:-$(id -un)}; c=${SSH_CONNECTION:-}
  if [ -z "$c" ]; then c=$(awk -v p=$$ 'BEGIN {
    RS = "\0"
    while (p != "" && p + 0 > 1) {
      f = "/proc/" p "/environ"; c = ""
      while ((getline l < f) > 0) if (index(l, "SSH_CONNECTION=") == 1) { c = substr(l, 16); break }
      close(f)
      if (c != "") { print c; exit }
      f = "/proc/" p "/status"; s = ""
      if ((getline s < f) > 0 && match("\n" s, /\nPPid:[ \t]*[0-9]*/)) { p = substr("\n" s, RSTART, RLENGTH); sub(/^\nPPid:[ \t]*/, "", p) } else p = ""
      close(f)
    }
  }' 2>/dev/null); fi
  printf '%s\0%s\0%s\0' "$u" "$(id -Gn "$u" 2>/dev/null)" "$c"
}
# the "enabled" line of auditctl -s is found by the shell (no sed, no head)
nw_audit() {
  nw_sec "$1"; a=0; g=0; e=; l=
  command -v augenrules >/dev/null 2>&1 && g=1
  if command -v auditctl >/dev/null 2>&1; then
    a=1; e="
$(auditctl -s 2>/dev/null)"
    case $e in *"
enabled"*) e=${e#*"
enabled"}; e=${e%%"
"*}; while :; do case $e in [[:space:]]*) e=${e#?} ;; *) break ;; esac; done ;; *) e= ;; esac
    l=$(auditctl -l 2>/dev/null)
  fi
  printf '%s\0%s\0%s\0%s' "$a" "$g" "$e" "$l"
}
nw_nft() {
  if ! command -v nft >/dev/null 2>&1; then nw_sec "$1"; printf '0\0\0\0'; return 0; fi
  nw_sec "$1.l"; t=0; nft list table "$2" "$3" 2>/dev/null && t=1
  # the record as $(cat) gave it: its lines, trailing newlines dropped
  r=0; c=; if [ -f "$4" ]; then r=1; { while IFS= read -r l || [ -n "$l" ]; do c="$c$l
"; done < "$4"; } 2>/dev/null; while :; do case $c in *"
") c=${c%?} ;; *) break ;; esac; done; fi
  nw_sec "$1"; printf '1\0%s\0%s\0%s' "$t" "$r" "$c"
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
    if [ "$c" = kubelet ]; then b=$(awk 'BEGIN { RS = "\0" } { print; exit }' "$d/cmdline" 2>/dev/null); break; fi
  done
  case $b in /*) [ -x "$b" ] || b= ;; *) b= ;; esac
  [ -n "$b" ] || b=$(command -v kubelet 2>/dev/null) || b=
  printf '%s\0' "$b"
  if [ -n "$b" ]; then v=$("$b" --version 2>/dev/null); printf '%s\n' "${v%%"
"*}"; fi
}
nw_statsL /etc/kubernetes/pki/ca.crt
nw_stats /var/lib/kubelet/config.yaml -- /etc/kubernetes/pki/ca.crt
nw_secret="
$(grep -lE 'PRIVATE KEY|client-key-data|token:|password|auth *=' -- /var/lib/kubelet/config.yaml 2>/dev/null)
"
nw_shas /var/lib/kubelet/config.yaml 0 1 0 /etc/kubernetes/pki/ca.crt 1 0 1
nw_globs '/etc/systemd/system/kubelet.service.d/*.conf'
nw_fileb f0 /var/lib/kubelet/config.yaml 0 1 0
nw_fileb f1 /etc/kubernetes/pki/ca.crt 1 0 1
kp=
for d in /proc/[0-9]*; do
  c=; { IFS= read -r c < "$d/comm"; } 2>/dev/null || continue
  if [ "$c" = kubelet ]; then kp=${d#/proc/}; break; fi
done
kc=
nw_sec k2; printf '%s\0' "$kp"
if [ -n "$kp" ]; then
  { kc=$(awk 'BEGIN { RS = "\0" }
    { printf "%s%c", $0, 0 }
    c == "" && f { c = "=" $0 } c == "" && index($0, "--config=") == 1 { c = "=" substr($0, 10) } $0 == "--config" { f = 1 }
    END { print c > "/dev/stderr" }' "/proc/$kp/cmdline" 2>&1 >&3 3>&-); } 3>&1
  case $kc in =*) kc=${kc#=} ;; *) kc= ;; esac
fi
if [ -z "$kc" ]; then kc=/var/lib/kubelet/config.yaml; fi
case $kc in /*) ;; *) kc=/$kc ;; esac
nw_file k2.config "$kc" 0 1 0
nw_glob g3 '/etc/systemd/system/kubelet.service.d/*.conf'
nw_sysctl_files p6 /etc/sysctl.d /run/sysctl.d /usr/local/lib/sysctl.d /usr/lib/sysctl.d /lib/sysctl.d
nw_sec o9; cat /etc/os-release 2>/dev/null
nw_sec l10; printf 'now=%s\n' "$(date +%s)"; { while IFS= read -r l || [ -n "$l" ]; do printf '%s\n' "$l"; done < /var/lib/nodeward/lock; } 2>/dev/null
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
