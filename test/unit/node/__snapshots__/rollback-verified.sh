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
[ -f "$R/manifest" ] || { echo NW_NOTHING; nw_fail rollback "no manifest for run $RID on this node"; }
T=$(printf '\t')
p_of() { printf '%s' "$1" | base64 -d; }
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
nw_claim() {
  nw_cn=0
  while ! mkdir "$R/rollback.claim" 2>/dev/null; do
    nw_cp= nw_cst=
    read -r nw_cp nw_cst < "$R/rollback.claim/by" 2>/dev/null
    if [ -n "$nw_cp" ] && nw_alive "$nw_cp" "$nw_cst"; then
      nw_cn=$((nw_cn + 1))
      [ "$nw_cn" -lt $((NW_T * 5)) ] || nw_fail busy "another rollback of run $RID is still running on the node (pid $nw_cp)"
      sleep 0.2
    elif [ -z "$nw_cp" ] && [ "$nw_cn" -lt 5 ]; then
      nw_cn=$((nw_cn + 1)); sleep 0.2   # just claimed: its holder is about to write its name
    else
      rm -rf "$R/rollback.claim"
    fi
  done
  nw_proc $$; printf '%s %s\n' "$$" "$nw_pstart" > "$R/rollback.claim/by"
}
nw_unclaim() { rm -rf "$R/rollback.claim"; }
nw_restore_file() {
  i=$1 enc=$2 existed=$3 k=$4 mode=$5 uid=$6 gid=$7
  p=$(p_of "$enc"); d=$(dirname -- "$p")
  rm -f -- "$d/.nodeward.$RID.$i.tmp" "$d/.nodeward.$RID.$i.restore"
  if [ "$existed" = 1 ] && [ "$k" = f ]; then
    if [ ! -L "$p" ] && [ -f "$p" ] && cmp -s -- "$R/backup/$i" "$p"; then
      # the content was never replaced (the run stopped before it, e.g. on a full disk): only the
      # mode and owner may need restoring, and writing a copy could fail for the same reason
      if [ "$(stat -c "%a$T%u$T%g" -- "$p")" != "$mode$T$uid$T$gid" ]; then
        chown "$uid:$gid" -- "$p" && chmod "$mode" -- "$p" || nw_fail "restore-$i" "cannot restore the mode of $p"
        echo "NW_UNDONE mode $p"
      fi
    else
      t="$d/.nodeward.$RID.$i.restore"
      cp -p -- "$R/backup/$i" "$t" && chown "$uid:$gid" "$t" && chmod "$mode" "$t" && mv -f -- "$t" "$p" || { rm -f -- "$t"; nw_fail "restore-$i" "cannot restore $p"; }
      sync -- "$p" "$d" 2>/dev/null
      echo "NW_UNDONE file $p"
    fi
  elif [ "$existed" = 1 ] && [ "$k" = d ]; then
    if [ "$(stat -c "%a$T%u$T%g" -- "$p")" != "$mode$T$uid$T$gid" ]; then
      chown "$uid:$gid" -- "$p" && chmod "$mode" -- "$p" || nw_fail "restore-$i" "cannot restore the mode of $p"
      echo "NW_UNDONE mode $p"
    fi
  elif [ -e "$p" ] || [ -L "$p" ]; then
    rm -f -- "$p" || nw_fail "restore-$i" "cannot remove $p"
    echo "NW_UNDONE created $p"
  fi
}
nw_regenerated='/etc/audit/audit.rules /etc/audit/audit.rules.prev'
nw_claim
st=$(cat "$R/state" 2>/dev/null)
if [ "$st" = rolled-back ]; then nw_unclaim; printf 'NW_ALREADY %s\n' "$(stat -c %Y -- "$R/state")"; echo NW_DONE rolled-back; exit 0; fi
if [ "$st" != rolling-back ]; then
changed=
while IFS="$T" read -r kind i sum rest; do
  [ "$kind" = written ] || continue
  enc=$(sed -n "s/^file$T$i$T\([^$T]*\)$T.*/\1/p" "$R/manifest" | head -n 1)
  p=$(p_of "$enc")
  now=$(sha256sum < "$p" 2>/dev/null); now=$(printf '%s' "$now" | cut -c1-64)
  [ "$now" = "$sum" ] || changed="$changed $p"
done < "$R/manifest"
[ -z "$changed" ] || { nw_unclaim; nw_fail verify "changed since the run:$changed"; }
fi
nw_put "$R/state" rolling-back
if mv -f "$R/armed" "$R/disarmed" 2>/dev/null; then
  p=$(cat "$R/armed.pid" 2>/dev/null)
  case $p in ''|*[!0-9]*) ;; *) kill -TERM "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null ;; esac
fi
rm -f "$R/dirs.rev" "$R/regen.rev"
rl_systemd=; rl_sshd=; rl_audit=
sed -n '1!G;h;$p' "$R/manifest" > "$R/manifest.rev" || nw_fail rollback "cannot read the manifest"
while IFS="$T" read -r kind i enc existed k mode uid gid; do
  case $kind in
    file)
      nw_restore_file "$i" "$enc" "$existed" "$k" "$mode" "$uid" "$gid"
      case " $nw_regenerated " in *" $p "*) printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "$enc" "$existed" "$k" "$mode" "$uid" "$gid" >> "$R/regen.rev" ;; esac ;;
    dir)
      printf '%s\n' "$enc" >> "$R/dirs.rev" ;;
    sysctl)
      v=$(p_of "$enc"); f=/proc/sys/$(printf '%s' "$i" | tr . /)
      now=$(cat -- "$f" 2>/dev/null)
      set -f; set -- $now; now=$*; set -- $v; was=$*; set +f
      if [ "$now" != "$was" ]; then
        sysctl -w "$i=$v" >/dev/null 2>&1 || nw_fail "restore-sysctl" "sysctl -w $i was refused"
        echo "NW_UNDONE sysctl $i"
      fi ;;
    unit)
      u=$(p_of "$i")
      ce=$(nw_unit_state is-enabled "$u"); ca=$(nw_unit_state is-active "$u")
      if [ "$ce" != "$enc" ]; then
        case $enc in
          masked|masked-runtime) nw_try restore-unit "$NW_T" "systemctl mask $u" systemctl mask -- "$u" >/dev/null 2>&1 || nw_fail restore-unit "cannot mask $u again" ;;
          enabled|enabled-runtime) nw_try restore-unit "$NW_T" "systemctl unmask $u" systemctl unmask -- "$u" >/dev/null 2>&1; nw_try restore-unit "$NW_T" "systemctl enable $u" systemctl enable -- "$u" >/dev/null 2>&1 || nw_fail restore-unit "cannot enable $u again" ;;
          disabled) nw_try restore-unit "$NW_T" "systemctl unmask $u" systemctl unmask -- "$u" >/dev/null 2>&1; nw_try restore-unit "$NW_T" "systemctl disable $u" systemctl disable -- "$u" >/dev/null 2>&1 || nw_fail restore-unit "cannot disable $u again" ;;
          *) nw_try restore-unit "$NW_T" "systemctl unmask $u" systemctl unmask -- "$u" >/dev/null 2>&1 ;;
        esac
        echo "NW_UNDONE unit $u ($ce, was $enc)"
      fi
      case $existed in
        active|reloading|activating)
          if [ "$ca" != active ] && [ "$ca" != reloading ] && [ "$ca" != activating ]; then
            nw_try restore-unit "$NW_T" "systemctl start $u" systemctl start -- "$u" >/dev/null 2>&1 || nw_fail restore-unit "cannot start $u again"
            echo "NW_UNDONE unit $u (stopped, was running)"
          fi ;;
        *)
          if [ "$ca" = active ] || [ "$ca" = reloading ] || [ "$ca" = activating ]; then
            nw_try restore-unit "$NW_T" "systemctl stop $u" systemctl stop -- "$u" >/dev/null 2>&1 || [ "$enc" = - ] || nw_fail restore-unit "cannot stop $u again"
            echo "NW_UNDONE unit $u (running, was stopped)"
          fi ;;
      esac ;;
    package)
      cv=$(nw_pkg_version "$i" "$enc")
      if [ "${cv:--}" != "$existed" ]; then
        if [ "$existed" = - ]; then
          nw_pkg_remove "$i" "$enc" > "$R/package-restore.log" 2>&1; rc=$?
          [ "$rc" = 124 ] && nw_fail restore-package "removing $enc did not finish within $NW_P s; the node stopped it"
          [ "$rc" = 0 ] || nw_fail restore-package "cannot remove $enc again"
        else
          nw_pkg_install "$i" "$enc" "$existed" > "$R/package-restore.log" 2>&1; rc=$?
          [ "$rc" = 124 ] && nw_fail restore-package "reinstalling $enc $existed did not finish within $NW_P s; the node stopped it"
          [ "$rc" = 0 ] || nw_fail restore-package "cannot reinstall $enc $existed"
        fi
        echo "NW_UNDONE package $enc ($cv, was $existed)"
      fi ;;
    nft)
      f="$R/nft-restore-$i"
      if nft list table "$enc" "$existed" > "$f.now" 2>/dev/null; then now=1; else now=0; fi
      if [ "$k" = 1 ] && [ "$now" = 1 ] && cmp -s -- "$R/backup/nft-$i" "$f.now"; then :
      elif [ "$k" = 0 ] && [ "$now" = 0 ]; then :
      else
        printf 'table %s %s\ndelete table %s %s\n' "$enc" "$existed" "$enc" "$existed" > "$f"
        if [ "$k" = 1 ]; then cat "$R/backup/nft-$i" >> "$f"; fi
        nw_try restore-nft "$NW_T" "nft -f (restoring table $enc $existed)" nft -f "$f" > "$R/nft-restore.log" 2>&1 || nw_fail restore-nft "cannot restore table $enc $existed: $(head -n 2 "$R/nft-restore.log" | tr '\n' ' ')"
        echo "NW_UNDONE nftables table $enc $existed"
      fi
      rm -f "$f.now" ;;
    reload)
      case $i in systemd) rl_systemd=1 ;; audit) rl_audit=1 ;; sshd) rl_sshd=$enc ;; esac ;;
  esac
done < "$R/manifest.rev"
# directories the run created go last, once the files in them are gone
if [ -f "$R/dirs.rev" ]; then while read -r enc; do d=$(p_of "$enc"); rmdir -- "$d" 2>/dev/null && echo "NW_UNDONE dir $d"; done < "$R/dirs.rev"; fi
rm -f "$R/manifest.rev" "$R/dirs.rev"
if [ -n "$rl_systemd" ]; then nw_try restore-reload "$NW_T" 'systemctl daemon-reload' systemctl daemon-reload || nw_fail restore-reload "systemctl daemon-reload failed"; fi
if [ -n "$rl_sshd" ]; then nw_sshd_reload "$rl_sshd"; rc=$?; [ "$rc" = 124 ] && nw_fail restore-reload "reloading sshd did not finish within $NW_T s; the node stopped it"; [ "$rc" = 0 ] || nw_fail restore-reload "sshd refused the restored config: $(tail -n 2 "$R/sshd.log" | tr '\n' ' ')"; fi
if [ -n "$rl_audit" ]; then nw_try restore-reload "$NW_T" 'augenrules --load' augenrules --load > "$R/audit.log" 2>&1 || nw_fail restore-reload "augenrules --load failed"; fi
if [ -f "$R/regen.rev" ]; then while IFS="$T" read -r i enc existed k mode uid gid; do nw_restore_file "$i" "$enc" "$existed" "$k" "$mode" "$uid" "$gid" >/dev/null; done < "$R/regen.rev"; rm -f "$R/regen.rev"; fi
# what the run restarted runs its new files: restarted again, it loads the restored ones (a run
# from before nodeward kept `restarted` has no `restarts` either: the controller says)
if [ -f "$R/restarts" ]; then owed=$(sort -u "$R/restarted" 2>/dev/null | tr '\n' ' '); else owed=kubelet; fi
set -f; set -- $owed; set +f
printf '%s\n' "$@" > "$R/owed.tmp" && mv -f "$R/owed.tmp" "$R/owed"
if [ $# -gt 0 ]; then nw_put "$R/state" restored; printf 'NW_OWED %s\n' "$*"; final=restored; else nw_put "$R/state" rolled-back; final=rolled-back; fi
nw_fsync "$R/state"
nw_unclaim
echo "NW_DONE $final"
