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

  exit 0
}
if ( set -C; printf '%s\n' "$content" > "$L" ) 2>/dev/null; then nw_locked acquired; fi
rid=$(sed -n 's/^runId=//p' "$L" 2>/dev/null)
exp=$(sed -n 's/^expires=//p' "$L" 2>/dev/null)
if [ "$rid" = "$RID" ]; then printf '%s\n' "$content" > "$L.$RID" && mv -f "$L.$RID" "$L"; nw_locked refreshed; fi
case $exp in ''|*[!0-9]*) exp=0 ;; esac
case ' 20261202T120000Z-123456 ' in *" $rid "*) [ -n "$rid" ] && exp=0 ;; esac
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
