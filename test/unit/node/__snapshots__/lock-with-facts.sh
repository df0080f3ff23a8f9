set -u
umask 077
S=/var/lib/nodeward
R=/var/lib/nodeward/runs/20261203T120000Z-abcdef
RID=20261203T120000Z-abcdef
NW_T=120 NW_P=600
NW_NL='
'
nw_fail() { printf 'NW_FAIL %s %s\n' "$1" "$2"; exit 10; }
nw_put() { printf '%s\n' "$2" > "$1.tmp" && mv -f "$1.tmp" "$1"; }
nw_fsync() { sync -- "$@" 2>/dev/null || sync; }
nw_secs() {
  nw_up=
  { read -r nw_up _; } 2>/dev/null < /proc/uptime
  case $nw_up in [0-9]*) nw_secs=${nw_up%%.*} ;; *) nw_secs=$(date +%s) ;; esac
}
nw_bounded() {
  nw_bs=$1; shift
  command -v timeout >/dev/null 2>&1 || { "$@"; return; }
  nw_secs; nw_b0=$nw_secs
  timeout -k 5 "$nw_bs" "$@"; nw_brc=$?
  if [ "$nw_brc" = 137 ]; then nw_secs; [ $((nw_secs - nw_b0)) -ge "$nw_bs" ] && nw_brc=124; fi
  return "$nw_brc"
}
nw_try() {
  nw_ts=$1 nw_tt=$2 nw_tl=$3; shift 3
  nw_bounded "$nw_tt" "$@"; nw_trc=$?
  if [ "$nw_trc" = 124 ]; then nw_fail "$nw_ts" "$nw_tl did not finish within $nw_tt s; the node stopped it"; fi
  return "$nw_trc"
}
nw_proc() {
  nw_pl=
  IFS= read -r nw_pl 2>/dev/null < "/proc/$1/stat" || return 1
  nw_pl=${nw_pl##*) }
  nw_oifs=$IFS; IFS=' '; set -f; set -- $nw_pl; set +f; IFS=$nw_oifs
  nw_pstate=$1 nw_psess=$4 nw_pstart=${20}
}
nw_alive() { nw_proc "$1" && [ "$nw_pstate" != Z ] && [ "$nw_pstart" = "$2" ]; }
nw_kill_session() {
  nw_ks=$1 nw_kr=0
  case $nw_ks in ''|*[!0-9]*|0|1) return 1 ;; esac
  nw_proc self && [ "$nw_psess" = "$nw_ks" ] && return 1
  while [ "$nw_kr" -lt 100 ]; do
    nw_kf=
    # stop them all first: a shell whose child dies first would otherwise run its next command
    for nw_ksig in STOP KILL; do
      for nw_kp in /proc/[0-9]*; do
        nw_kp=${nw_kp#/proc/}
        nw_proc "$nw_kp" || continue
        [ "$nw_psess" = "$nw_ks" ] && [ "$nw_pstate" != Z ] || continue
        kill -"$nw_ksig" "$nw_kp" 2>/dev/null && nw_kf=1
      done
    done
    [ -n "$nw_kf" ] || return 0
    nw_kr=$((nw_kr + 1))
    sleep 0.05 2>/dev/null || sleep 1
  done
  return 1
}
nw_run_jobs() {
  nw_jr=$1 nw_jm=$2 nw_jw=${3:-0} nw_jn=0
  nw_proc self; nw_me=$nw_psess
  while :; do
    nw_left=
    for nw_jf in "$S/jobs/$nw_jr".*; do
      [ -f "$nw_jf" ] || continue
      nw_js= nw_jst=
      read -r nw_js nw_jst < "$nw_jf" 2>/dev/null
      [ "$nw_js" = "$nw_me" ] && continue
      if [ -z "$nw_js" ] || ! nw_alive "$nw_js" "$nw_jst"; then rm -f "$nw_jf"; continue; fi
      case $nw_jf in
        *.abandon) nw_left="$nw_left $nw_js:rollback" ;;
        *) if [ "$nw_jm" = end ]; then nw_kill_session "$nw_js"; rm -f "$nw_jf"; else nw_left="$nw_left $nw_js:script"; fi ;;
      esac
    done
    [ -n "$nw_left" ] || return 0
    [ "$nw_jm" = end ] && [ "$nw_jn" -lt $((nw_jw * 5)) ] || break
    nw_jn=$((nw_jn + 1))
    sleep 0.2
  done
  for nw_x in $nw_left; do printf 'NW_JOB %s %s\n' "${nw_x%%:*}" "${nw_x#*:}"; done
  return 1
}
mkdir -p "$S/runs" "$S/jobs" && chmod 700 "$S" "$S/runs" "$S/jobs" || nw_fail lock "cannot create $S"
L="$S/lock"
now=$(date +%s)
body='runId=20261203T120000Z-abcdef
owner=ops@ctl
pid=4242
command=nodeward apply -i inventory.yaml
controller=boot/4026531836/4242/12345'
content="$body
acquired=$now
expires=$((now + 900))"
nw_locked() {
  echo "NW_LOCK $1"
  nw_pend=$(
for d in "$S"/runs/*/; do
  [ -f "$d/state" ] || continue
  st=$(cat "$d/state"); case $st in started|writing|rolling-back|written|restarting|restored) printf 'NW_PENDING %s %s %s\n' "$(basename "$d")" "$st" "$(tr '\n' ' ' < "$d/owed" 2>/dev/null)" ;; esac
done
  )
  [ -z "$nw_pend" ] || printf '%s\n' "$nw_pend"
  if [ -z "$nw_pend" ]; then case $1 in acquired|refreshed)
    printf 'NW_FACTS %s\n' NWBfedcba9876543210
    ( set +u
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
nw_statsL 
nw_stats /var/lib/kubelet/config.yaml -- 
nw_secret="
$(grep -lE 'PRIVATE KEY|client-key-data|token:|password|auth *=' -- /var/lib/kubelet/config.yaml 2>/dev/null)
"
nw_shas /var/lib/kubelet/config.yaml 0 1 0
nw_fileb f0 /var/lib/kubelet/config.yaml 0 1 0
exit 0

    ) ;;
  esac; fi
  exit 0
}
if ( set -C; printf '%s\n' "$content" > "$L" ) 2>/dev/null; then nw_locked acquired; fi
rid=$(sed -n 's/^runId=//p' "$L" 2>/dev/null)
exp=$(sed -n 's/^expires=//p' "$L" 2>/dev/null)
if [ "$rid" = "$RID" ]; then printf '%s\n' "$content" > "$L.$RID" && mv -f "$L.$RID" "$L"; nw_locked refreshed; fi
case $exp in ''|*[!0-9]*) exp=0 ;; esac
case '  ' in *" $rid "*) [ -n "$rid" ] && exp=0 ;; esac
if [ "$exp" -lt "$now" ]; then
  # a run whose scripts still run here is not over, whatever its lock says
  case $rid in *[!0-9A-Za-z-]*|'') busy=0 ;; *) if nw_run_jobs "$rid" list; then busy=0; else busy=1; fi ;; esac
  if [ "$busy" = 0 ]; then
    sed 's/^/NW_PREVIOUS /' "$L"
    printf '%s\n' "$content" > "$L.$RID" && mv -f "$L.$RID" "$L"
    [ "$(sed -n 's/^runId=//p' "$L")" = "$RID" ] && nw_locked taken-over
  fi
fi
sed 's/^/NW_HOLDER /' "$L"
echo NW_LOCK held
