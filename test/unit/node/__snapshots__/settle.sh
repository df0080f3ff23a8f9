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
[ -d "$R" ] || exit 0
printf '%s\n' kubelet > "$R/owed.tmp" && mv -f "$R/owed.tmp" "$R/owed"

echo NW_OK settled
