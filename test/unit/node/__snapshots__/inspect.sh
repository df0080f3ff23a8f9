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
printf 'NW_NOW %s\n' "$(date +%s)"
if [ ! -d "$R" ]; then echo "NW_RUN none"; exit 0; fi
nw_run_jobs "$RID" end 0 >/dev/null
case $(cat "$R/state" 2>/dev/null) in
  started|writing|rolling-back)
    if nw_run_jobs "$RID" list >/dev/null && [ -f "$R/on-abandon" ]; then
      setsid /bin/sh -c 'h=$1 reg=$2 why=$3
IFS= read -r l < /proc/self/stat; l=${l##*) }; IFS='\'' '\''; set -f; set -- $l; set +f; st=${20}
[ -z "$reg" ] || printf '\''%s %s\n'\'' "$$" "$st" > "$reg.$$.abandon"
if command -v timeout >/dev/null 2>&1; then timeout -k 5 1800 /bin/sh "$h" "$why"; else /bin/sh "$h" "$why"; fi
[ -z "$reg" ] || rm -f "$reg.$$.abandon"' nw-abandon "$R/on-abandon" "$S/jobs/$RID" lost </dev/null >/dev/null 2>&1 &
      sleep 0.2
    fi ;;
esac
nw_run_jobs "$RID" end 60
printf 'NW_RUN %s\n' "$(cat "$R/state" 2>/dev/null || echo none)"
printf 'NW_RUN_OWED %s\n' "$(tr '\n' ' ' < "$R/owed" 2>/dev/null)"
if [ -f "$R/armed" ]; then printf 'NW_RUN_ARMED %s\n' "$(cat "$R/armed")"; fi
# what the node's own rollback of the run did
if [ -f "$R/abandoned.log" ]; then sed -n 's/^NW_\(UNDONE\|FAIL\|OWED\) /NW_NODE_\1 /p' "$R/abandoned.log"; fi
exit 0
