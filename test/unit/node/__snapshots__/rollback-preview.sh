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
if [ ! -f "$R/manifest" ]; then echo NW_NOTHING; exit 0; fi
T=$(printf '\t')
p_of() { printf '%s' "$1" | base64 -d; }
nw_pkg_version() {
  case $1 in
    apt) s=$(dpkg-query -W -f='${Status}|${Version}' "$2" 2>/dev/null); case $s in 'install ok installed|'*) printf '%s' "${s#*|}" ;; esac ;;
    *) v=$(rpm -q --qf '%{EPOCH}:%{VERSION}-%{RELEASE}' "$2" 2>/dev/null) && printf '%s' "${v#'(none):'}" ;;
  esac
}
nw_pkg_install() {
  case $1 in
    apt) nw_bounded "$NW_P" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-downgrades -o "DPkg::Lock::Timeout=$((NW_P / 2))" -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$2=$3" ;;
    *) nw_bounded "$NW_P" "$1" -y install "$2-$3"; nw_prc=$?; [ "$nw_prc" = 0 ] || [ "$nw_prc" = 124 ] || { nw_bounded "$NW_P" "$1" -y downgrade "$2-$3"; nw_prc=$?; }; return "$nw_prc" ;;
  esac
}
nw_pkg_remove() {
  case $1 in apt) nw_bounded "$NW_P" env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q -o "DPkg::Lock::Timeout=$((NW_P / 2))" "$2" ;; *) nw_bounded "$NW_P" "$1" -y remove "$2" ;; esac
}
nw_unit_state() { s=$(systemctl "$1" -- "$2" 2>/dev/null); s=${s%%"$NW_NL"*}; printf '%s' "${s:--}"; }
nw_sshd_reload() {
  nw_bounded "$NW_T" sshd -t > "$R/sshd.log" 2>&1 || return
  if [ "$1" != - ] && [ "$(systemctl is-active -- "$1" 2>/dev/null)" = active ]; then nw_bounded "$NW_T" systemctl reload -- "$1" >> "$R/sshd.log" 2>&1 || return; fi
}
printf 'NW_STATE %s %s\n' "$(cat "$R/state" 2>/dev/null || echo unknown)" "$(stat -c %Y -- "$R/state" 2>/dev/null || echo 0)"
while IFS="$T" read -r kind i enc existed k mode uid gid; do
  case $kind in
    file)
      p=$(p_of "$enc")
      if [ "$existed" = 1 ] && [ "$k" = f ]; then
        if [ -f "$p" ] && cmp -s -- "$R/backup/$i" "$p"; then
          [ "$(stat -c "%a$T%u$T%g" -- "$p")" = "$mode$T$uid$T$gid" ] || echo "NW_WOULD mode $p"
        else echo "NW_WOULD file $p"; fi
      elif [ "$existed" = 1 ]; then
        [ "$(stat -c "%a$T%u$T%g" -- "$p")" = "$mode$T$uid$T$gid" ] || echo "NW_WOULD mode $p"
      elif [ -e "$p" ] || [ -L "$p" ]; then echo "NW_WOULD remove $p"; fi ;;
    sysctl)
      v=$(p_of "$enc"); now=$(cat -- "/proc/sys/$(printf '%s' "$i" | tr . /)" 2>/dev/null)
      set -f; set -- $now; now=$*; set -- $v; was=$*; set +f
      [ "$now" = "$was" ] || echo "NW_WOULD sysctl $i ($now, was $was)" ;;
    unit)
      u=$(p_of "$i")
      [ "$(nw_unit_state is-enabled "$u")" = "$enc" ] && [ "$(nw_unit_state is-active "$u")" = "$existed" ] || echo "NW_WOULD unit $u" ;;
    package)
      cv=$(nw_pkg_version "$i" "$enc"); [ "${cv:--}" = "$existed" ] || echo "NW_WOULD package $enc ($existed)" ;;
    nft)
      if nft list table "$enc" "$existed" > "$R/nft-preview" 2>/dev/null; then now=1; else now=0; fi
      if [ "$k" = 1 ] && [ "$now" = 1 ] && cmp -s -- "$R/backup/nft-$i" "$R/nft-preview"; then :; elif [ "$k" = 0 ] && [ "$now" = 0 ]; then :; else echo "NW_WOULD nftables table $enc $existed"; fi
      rm -f "$R/nft-preview" ;;
    written)
      # the run wrote this file: edited since, a rollback would refuse to clobber it
      enc2=$(sed -n "s/^file$T$i$T\([^$T]*\)$T.*/\1/p" "$R/manifest" | head -n 1)
      p=$(p_of "$enc2"); now=$(sha256sum < "$p" 2>/dev/null | cut -c1-64)
      [ "$now" = "$enc" ] || echo "NW_EDITED $p" ;;
  esac
done < "$R/manifest"
printf 'NW_RESTARTS %s\n' "$(sort -u "$R/restarted" 2>/dev/null | tr '\n' ' ')"
