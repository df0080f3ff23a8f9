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
mkdir -p "$S/runs" && chmod 700 "$S" "$S/runs" || nw_fail setup "cannot create $S"
mkdir "$R" || nw_fail setup "run directory $R already exists"
mkdir "$R/backup" && : > "$R/manifest" || nw_fail setup "cannot write $R"
nw_put "$R/state" started
printf '%s\n' containerd kubelet > "$R/owed.tmp" && mv -f "$R/owed.tmp" "$R/owed" && printf '%s\n' containerd kubelet > "$R/restarts" || nw_fail setup "cannot write $R"
base64 -d > "$R/rollback.sh" <<'NW_EOF_DELIMITER' || nw_fail setup "cannot write $R/rollback.sh"
c2V0IC11CnVtYXNrIDA3NwpTPS92YXIvbGliL25vZGV3YXJkClI9L3Zhci9saWIvbm9kZXdhcmQv
cnVucy8yMDI2MTIwM1QxMjAwMDBaLWFiY2RlZgpSSUQ9MjAyNjEyMDNUMTIwMDAwWi1hYmNkZWYK
TldfVD0xMjAgTldfUD02MDAKTldfTkw9JwonCm53X2ZhaWwoKSB7IHByaW50ZiAnTldfRkFJTCAl
cyAlc1xuJyAiJDEiICIkMiI7IGV4aXQgMTA7IH0KbndfcHV0KCkgeyBwcmludGYgJyVzXG4nICIk
MiIgPiAiJDEudG1wIiAmJiBtdiAtZiAiJDEudG1wIiAiJDEiOyB9Cm53X2ZzeW5jKCkgeyBzeW5j
IC0tICIkQCIgMj4vZGV2L251bGwgfHwgc3luYzsgfQpud19zZWNzKCkgewogIG53X3VwPQogIHsg
cmVhZCAtciBud191cCBfOyB9IDI+L2Rldi9udWxsIDwgL3Byb2MvdXB0aW1lCiAgY2FzZSAkbndf
dXAgaW4gWzAtOV0qKSBud19zZWNzPSR7bndfdXAlJS4qfSA7OyAqKSBud19zZWNzPSQoZGF0ZSAr
JXMpIDs7IGVzYWMKfQpud19ib3VuZGVkKCkgewogIG53X2JzPSQxOyBzaGlmdAogIGNvbW1hbmQg
LXYgdGltZW91dCA+L2Rldi9udWxsIDI+JjEgfHwgeyAiJEAiOyByZXR1cm47IH0KICBud19zZWNz
OyBud19iMD0kbndfc2VjcwogIHRpbWVvdXQgLWsgNSAiJG53X2JzIiAiJEAiOyBud19icmM9JD8K
ICBpZiBbICIkbndfYnJjIiA9IDEzNyBdOyB0aGVuIG53X3NlY3M7IFsgJCgobndfc2VjcyAtIG53
X2IwKSkgLWdlICIkbndfYnMiIF0gJiYgbndfYnJjPTEyNDsgZmkKICByZXR1cm4gIiRud19icmMi
Cn0KbndfdHJ5KCkgewogIG53X3RzPSQxIG53X3R0PSQyIG53X3RsPSQzOyBzaGlmdCAzCiAgbndf
Ym91bmRlZCAiJG53X3R0IiAiJEAiOyBud190cmM9JD8KICBpZiBbICIkbndfdHJjIiA9IDEyNCBd
OyB0aGVuIG53X2ZhaWwgIiRud190cyIgIiRud190bCBkaWQgbm90IGZpbmlzaCB3aXRoaW4gJG53
X3R0IHM7IHRoZSBub2RlIHN0b3BwZWQgaXQiOyBmaQogIHJldHVybiAiJG53X3RyYyIKfQpbIC1m
ICIkUi9tYW5pZmVzdCIgXSB8fCB7IGVjaG8gTldfTk9USElORzsgbndfZmFpbCByb2xsYmFjayAi
bm8gbWFuaWZlc3QgZm9yIHJ1biAkUklEIG9uIHRoaXMgbm9kZSI7IH0KVD0kKHByaW50ZiAnXHQn
KQpwX29mKCkgeyBwcmludGYgJyVzJyAiJDEiIHwgYmFzZTY0IC1kOyB9Cm53X3Byb2MoKSB7CiAg
bndfcGw9CiAgSUZTPSByZWFkIC1yIG53X3BsIDI+L2Rldi9udWxsIDwgIi9wcm9jLyQxL3N0YXQi
IHx8IHJldHVybiAxCiAgbndfcGw9JHtud19wbCMjKikgfQogIG53X29pZnM9JElGUzsgSUZTPScg
Jzsgc2V0IC1mOyBzZXQgLS0gJG53X3BsOyBzZXQgK2Y7IElGUz0kbndfb2lmcwogIG53X3BzdGF0
ZT0kMSBud19wc2Vzcz0kNCBud19wc3RhcnQ9JHsyMH0KfQpud19hbGl2ZSgpIHsgbndfcHJvYyAi
JDEiICYmIFsgIiRud19wc3RhdGUiICE9IFogXSAmJiBbICIkbndfcHN0YXJ0IiA9ICIkMiIgXTsg
fQpud19raWxsX3Nlc3Npb24oKSB7CiAgbndfa3M9JDEgbndfa3I9MAogIGNhc2UgJG53X2tzIGlu
ICcnfCpbITAtOV0qfDB8MSkgcmV0dXJuIDEgOzsgZXNhYwogIG53X3Byb2Mgc2VsZiAmJiBbICIk
bndfcHNlc3MiID0gIiRud19rcyIgXSAmJiByZXR1cm4gMQogIHdoaWxlIFsgIiRud19rciIgLWx0
IDEwMCBdOyBkbwogICAgbndfa2Y9CiAgICAjIHN0b3AgdGhlbSBhbGwgZmlyc3Q6IGEgc2hlbGwg
d2hvc2UgY2hpbGQgZGllcyBmaXJzdCB3b3VsZCBvdGhlcndpc2UgcnVuIGl0cyBuZXh0IGNvbW1h
bmQKICAgIGZvciBud19rc2lnIGluIFNUT1AgS0lMTDsgZG8KICAgICAgZm9yIG53X2twIGluIC9w
cm9jL1swLTldKjsgZG8KICAgICAgICBud19rcD0ke253X2twIy9wcm9jL30KICAgICAgICBud19w
cm9jICIkbndfa3AiIHx8IGNvbnRpbnVlCiAgICAgICAgWyAiJG53X3BzZXNzIiA9ICIkbndfa3Mi
IF0gJiYgWyAiJG53X3BzdGF0ZSIgIT0gWiBdIHx8IGNvbnRpbnVlCiAgICAgICAga2lsbCAtIiRu
d19rc2lnIiAiJG53X2twIiAyPi9kZXYvbnVsbCAmJiBud19rZj0xCiAgICAgIGRvbmUKICAgIGRv
bmUKICAgIFsgLW4gIiRud19rZiIgXSB8fCByZXR1cm4gMAogICAgbndfa3I9JCgobndfa3IgKyAx
KSkKICAgIHNsZWVwIDAuMDUgMj4vZGV2L251bGwgfHwgc2xlZXAgMQogIGRvbmUKICByZXR1cm4g
MQp9Cm53X3BrZ192ZXJzaW9uKCkgewogIGNhc2UgJDEgaW4KICAgIGFwdCkgcz0kKGRwa2ctcXVl
cnkgLVcgLWY9JyR7U3RhdHVzfXwke1ZlcnNpb259JyAiJDIiIDI+L2Rldi9udWxsKTsgY2FzZSAk
cyBpbiAnaW5zdGFsbCBvayBpbnN0YWxsZWR8JyopIHByaW50ZiAnJXMnICIke3MjKnx9IiA7OyBl
c2FjIDs7CiAgICAqKSB2PSQocnBtIC1xIC0tcWYgJyV7RVBPQ0h9OiV7VkVSU0lPTn0tJXtSRUxF
QVNFfScgIiQyIiAyPi9kZXYvbnVsbCkgJiYgcHJpbnRmICclcycgIiR7diMnKG5vbmUpOid9IiA7
OwogIGVzYWMKfQpud19wa2dfaW5zdGFsbCgpIHsKICBjYXNlICQxIGluCiAgICBhcHQpIG53X2Jv
dW5kZWQgIiROV19QIiBlbnYgREVCSUFOX0ZST05URU5EPW5vbmludGVyYWN0aXZlIGFwdC1nZXQg
aW5zdGFsbCAteSAtcSAtLWFsbG93LWRvd25ncmFkZXMgLW8gIkRQa2c6OkxvY2s6OlRpbWVvdXQ9
JCgoTldfUCAvIDIpKSIgLW8gRHBrZzo6T3B0aW9uczo6PS0tZm9yY2UtY29uZmRlZiAtbyBEcGtn
OjpPcHRpb25zOjo9LS1mb3JjZS1jb25mb2xkICIkMj0kMyIgOzsKICAgICopIG53X2JvdW5kZWQg
IiROV19QIiAiJDEiIC15IGluc3RhbGwgIiQyLSQzIjsgbndfcHJjPSQ/OyBbICIkbndfcHJjIiA9
IDAgXSB8fCBbICIkbndfcHJjIiA9IDEyNCBdIHx8IHsgbndfYm91bmRlZCAiJE5XX1AiICIkMSIg
LXkgZG93bmdyYWRlICIkMi0kMyI7IG53X3ByYz0kPzsgfTsgcmV0dXJuICIkbndfcHJjIiA7Owog
IGVzYWMKfQpud19wa2dfcmVtb3ZlKCkgewogIGNhc2UgJDEgaW4gYXB0KSBud19ib3VuZGVkICIk
TldfUCIgZW52IERFQklBTl9GUk9OVEVORD1ub25pbnRlcmFjdGl2ZSBhcHQtZ2V0IHJlbW92ZSAt
eSAtcSAtbyAiRFBrZzo6TG9jazo6VGltZW91dD0kKChOV19QIC8gMikpIiAiJDIiIDs7ICopIG53
X2JvdW5kZWQgIiROV19QIiAiJDEiIC15IHJlbW92ZSAiJDIiIDs7IGVzYWMKfQpud191bml0X3N0
YXRlKCkgeyBzPSQoc3lzdGVtY3RsICIkMSIgLS0gIiQyIiAyPi9kZXYvbnVsbCk7IHM9JHtzJSUi
JE5XX05MIip9OyBwcmludGYgJyVzJyAiJHtzOi0tfSI7IH0Kbndfc3NoZF9yZWxvYWQoKSB7CiAg
bndfYm91bmRlZCAiJE5XX1QiIHNzaGQgLXQgPiAiJFIvc3NoZC5sb2ciIDI+JjEgfHwgcmV0dXJu
CiAgaWYgWyAiJDEiICE9IC0gXSAmJiBbICIkKHN5c3RlbWN0bCBpcy1hY3RpdmUgLS0gIiQxIiAy
Pi9kZXYvbnVsbCkiID0gYWN0aXZlIF07IHRoZW4gbndfYm91bmRlZCAiJE5XX1QiIHN5c3RlbWN0
bCByZWxvYWQgLS0gIiQxIiA+PiAiJFIvc3NoZC5sb2ciIDI+JjEgfHwgcmV0dXJuOyBmaQp9Cm53
X2NsYWltKCkgewogIG53X2NuPTAKICB3aGlsZSAhIG1rZGlyICIkUi9yb2xsYmFjay5jbGFpbSIg
Mj4vZGV2L251bGw7IGRvCiAgICBud19jcD0gbndfY3N0PQogICAgcmVhZCAtciBud19jcCBud19j
c3QgPCAiJFIvcm9sbGJhY2suY2xhaW0vYnkiIDI+L2Rldi9udWxsCiAgICBpZiBbIC1uICIkbndf
Y3AiIF0gJiYgbndfYWxpdmUgIiRud19jcCIgIiRud19jc3QiOyB0aGVuCiAgICAgIG53X2NuPSQo
KG53X2NuICsgMSkpCiAgICAgIFsgIiRud19jbiIgLWx0ICQoKE5XX1QgKiA1KSkgXSB8fCBud19m
YWlsIGJ1c3kgImFub3RoZXIgcm9sbGJhY2sgb2YgcnVuICRSSUQgaXMgc3RpbGwgcnVubmluZyBv
biB0aGUgbm9kZSAocGlkICRud19jcCkiCiAgICAgIHNsZWVwIDAuMgogICAgZWxpZiBbIC16ICIk
bndfY3AiIF0gJiYgWyAiJG53X2NuIiAtbHQgNSBdOyB0aGVuCiAgICAgIG53X2NuPSQoKG53X2Nu
ICsgMSkpOyBzbGVlcCAwLjIgICAjIGp1c3QgY2xhaW1lZDogaXRzIGhvbGRlciBpcyBhYm91dCB0
byB3cml0ZSBpdHMgbmFtZQogICAgZWxzZQogICAgICBybSAtcmYgIiRSL3JvbGxiYWNrLmNsYWlt
IgogICAgZmkKICBkb25lCiAgbndfcHJvYyAkJDsgcHJpbnRmICclcyAlc1xuJyAiJCQiICIkbndf
cHN0YXJ0IiA+ICIkUi9yb2xsYmFjay5jbGFpbS9ieSIKfQpud191bmNsYWltKCkgeyBybSAtcmYg
IiRSL3JvbGxiYWNrLmNsYWltIjsgfQpud19yZXN0b3JlX2ZpbGUoKSB7CiAgaT0kMSBlbmM9JDIg
ZXhpc3RlZD0kMyBrPSQ0IG1vZGU9JDUgdWlkPSQ2IGdpZD0kNwogIHA9JChwX29mICIkZW5jIik7
IGQ9JChkaXJuYW1lIC0tICIkcCIpCiAgcm0gLWYgLS0gIiRkLy5ub2Rld2FyZC4kUklELiRpLnRt
cCIgIiRkLy5ub2Rld2FyZC4kUklELiRpLnJlc3RvcmUiCiAgaWYgWyAiJGV4aXN0ZWQiID0gMSBd
ICYmIFsgIiRrIiA9IGYgXTsgdGhlbgogICAgaWYgWyAhIC1MICIkcCIgXSAmJiBbIC1mICIkcCIg
XSAmJiBjbXAgLXMgLS0gIiRSL2JhY2t1cC8kaSIgIiRwIjsgdGhlbgogICAgICAjIHRoZSBjb250
ZW50IHdhcyBuZXZlciByZXBsYWNlZCAodGhlIHJ1biBzdG9wcGVkIGJlZm9yZSBpdCwgZS5nLiBv
biBhIGZ1bGwgZGlzayk6IG9ubHkgdGhlCiAgICAgICMgbW9kZSBhbmQgb3duZXIgbWF5IG5lZWQg
cmVzdG9yaW5nLCBhbmQgd3JpdGluZyBhIGNvcHkgY291bGQgZmFpbCBmb3IgdGhlIHNhbWUgcmVh
c29uCiAgICAgIGlmIFsgIiQoc3RhdCAtYyAiJWEkVCV1JFQlZyIgLS0gIiRwIikiICE9ICIkbW9k
ZSRUJHVpZCRUJGdpZCIgXTsgdGhlbgogICAgICAgIGNob3duICIkdWlkOiRnaWQiIC0tICIkcCIg
JiYgY2htb2QgIiRtb2RlIiAtLSAiJHAiIHx8IG53X2ZhaWwgInJlc3RvcmUtJGkiICJjYW5ub3Qg
cmVzdG9yZSB0aGUgbW9kZSBvZiAkcCIKICAgICAgICBlY2hvICJOV19VTkRPTkUgbW9kZSAkcCIK
ICAgICAgZmkKICAgIGVsc2UKICAgICAgdD0iJGQvLm5vZGV3YXJkLiRSSUQuJGkucmVzdG9yZSIK
ICAgICAgY3AgLXAgLS0gIiRSL2JhY2t1cC8kaSIgIiR0IiAmJiBjaG93biAiJHVpZDokZ2lkIiAi
JHQiICYmIGNobW9kICIkbW9kZSIgIiR0IiAmJiBtdiAtZiAtLSAiJHQiICIkcCIgfHwgeyBybSAt
ZiAtLSAiJHQiOyBud19mYWlsICJyZXN0b3JlLSRpIiAiY2Fubm90IHJlc3RvcmUgJHAiOyB9CiAg
ICAgIHN5bmMgLS0gIiRwIiAiJGQiIDI+L2Rldi9udWxsCiAgICAgIGVjaG8gIk5XX1VORE9ORSBm
aWxlICRwIgogICAgZmkKICBlbGlmIFsgIiRleGlzdGVkIiA9IDEgXSAmJiBbICIkayIgPSBkIF07
IHRoZW4KICAgIGlmIFsgIiQoc3RhdCAtYyAiJWEkVCV1JFQlZyIgLS0gIiRwIikiICE9ICIkbW9k
ZSRUJHVpZCRUJGdpZCIgXTsgdGhlbgogICAgICBjaG93biAiJHVpZDokZ2lkIiAtLSAiJHAiICYm
IGNobW9kICIkbW9kZSIgLS0gIiRwIiB8fCBud19mYWlsICJyZXN0b3JlLSRpIiAiY2Fubm90IHJl
c3RvcmUgdGhlIG1vZGUgb2YgJHAiCiAgICAgIGVjaG8gIk5XX1VORE9ORSBtb2RlICRwIgogICAg
ZmkKICBlbGlmIFsgLWUgIiRwIiBdIHx8IFsgLUwgIiRwIiBdOyB0aGVuCiAgICBybSAtZiAtLSAi
JHAiIHx8IG53X2ZhaWwgInJlc3RvcmUtJGkiICJjYW5ub3QgcmVtb3ZlICRwIgogICAgZWNobyAi
TldfVU5ET05FIGNyZWF0ZWQgJHAiCiAgZmkKfQpud19yZWdlbmVyYXRlZD0nL2V0Yy9hdWRpdC9h
dWRpdC5ydWxlcyAvZXRjL2F1ZGl0L2F1ZGl0LnJ1bGVzLnByZXYnCm53X2NsYWltCnN0PSQoY2F0
ICIkUi9zdGF0ZSIgMj4vZGV2L251bGwpCmlmIFsgIiRzdCIgPSByb2xsZWQtYmFjayBdOyB0aGVu
IG53X3VuY2xhaW07IHByaW50ZiAnTldfQUxSRUFEWSAlc1xuJyAiJChzdGF0IC1jICVZIC0tICIk
Ui9zdGF0ZSIpIjsgZWNobyBOV19ET05FIHJvbGxlZC1iYWNrOyBleGl0IDA7IGZpCgpud19wdXQg
IiRSL3N0YXRlIiByb2xsaW5nLWJhY2sKaWYgbXYgLWYgIiRSL2FybWVkIiAiJFIvZGlzYXJtZWQi
IDI+L2Rldi9udWxsOyB0aGVuCiAgcD0kKGNhdCAiJFIvYXJtZWQucGlkIiAyPi9kZXYvbnVsbCkK
ICBjYXNlICRwIGluICcnfCpbITAtOV0qKSA7OyAqKSBraWxsIC1URVJNICItJHAiIDI+L2Rldi9u
dWxsIHx8IGtpbGwgLVRFUk0gIiRwIiAyPi9kZXYvbnVsbCA7OyBlc2FjCmZpCnJtIC1mICIkUi9k
aXJzLnJldiIgIiRSL3JlZ2VuLnJldiIKcmxfc3lzdGVtZD07IHJsX3NzaGQ9OyBybF9hdWRpdD0K
c2VkIC1uICcxIUc7aDskcCcgIiRSL21hbmlmZXN0IiA+ICIkUi9tYW5pZmVzdC5yZXYiIHx8IG53
X2ZhaWwgcm9sbGJhY2sgImNhbm5vdCByZWFkIHRoZSBtYW5pZmVzdCIKd2hpbGUgSUZTPSIkVCIg
cmVhZCAtciBraW5kIGkgZW5jIGV4aXN0ZWQgayBtb2RlIHVpZCBnaWQ7IGRvCiAgY2FzZSAka2lu
ZCBpbgogICAgZmlsZSkKICAgICAgbndfcmVzdG9yZV9maWxlICIkaSIgIiRlbmMiICIkZXhpc3Rl
ZCIgIiRrIiAiJG1vZGUiICIkdWlkIiAiJGdpZCIKICAgICAgY2FzZSAiICRud19yZWdlbmVyYXRl
ZCAiIGluICoiICRwICIqKSBwcmludGYgJyVzXHQlc1x0JXNcdCVzXHQlc1x0JXNcdCVzXG4nICIk
aSIgIiRlbmMiICIkZXhpc3RlZCIgIiRrIiAiJG1vZGUiICIkdWlkIiAiJGdpZCIgPj4gIiRSL3Jl
Z2VuLnJldiIgOzsgZXNhYyA7OwogICAgZGlyKQogICAgICBwcmludGYgJyVzXG4nICIkZW5jIiA+
PiAiJFIvZGlycy5yZXYiIDs7CiAgICBzeXNjdGwpCiAgICAgIHY9JChwX29mICIkZW5jIik7IGY9
L3Byb2Mvc3lzLyQocHJpbnRmICclcycgIiRpIiB8IHRyIC4gLykKICAgICAgbm93PSQoY2F0IC0t
ICIkZiIgMj4vZGV2L251bGwpCiAgICAgIHNldCAtZjsgc2V0IC0tICRub3c7IG5vdz0kKjsgc2V0
IC0tICR2OyB3YXM9JCo7IHNldCArZgogICAgICBpZiBbICIkbm93IiAhPSAiJHdhcyIgXTsgdGhl
bgogICAgICAgIHN5c2N0bCAtdyAiJGk9JHYiID4vZGV2L251bGwgMj4mMSB8fCBud19mYWlsICJy
ZXN0b3JlLXN5c2N0bCIgInN5c2N0bCAtdyAkaSB3YXMgcmVmdXNlZCIKICAgICAgICBlY2hvICJO
V19VTkRPTkUgc3lzY3RsICRpIgogICAgICBmaSA7OwogICAgdW5pdCkKICAgICAgdT0kKHBfb2Yg
IiRpIikKICAgICAgY2U9JChud191bml0X3N0YXRlIGlzLWVuYWJsZWQgIiR1Iik7IGNhPSQobndf
dW5pdF9zdGF0ZSBpcy1hY3RpdmUgIiR1IikKICAgICAgaWYgWyAiJGNlIiAhPSAiJGVuYyIgXTsg
dGhlbgogICAgICAgIGNhc2UgJGVuYyBpbgogICAgICAgICAgbWFza2VkfG1hc2tlZC1ydW50aW1l
KSBud190cnkgcmVzdG9yZS11bml0ICIkTldfVCIgInN5c3RlbWN0bCBtYXNrICR1IiBzeXN0ZW1j
dGwgbWFzayAtLSAiJHUiID4vZGV2L251bGwgMj4mMSB8fCBud19mYWlsIHJlc3RvcmUtdW5pdCAi
Y2Fubm90IG1hc2sgJHUgYWdhaW4iIDs7CiAgICAgICAgICBlbmFibGVkfGVuYWJsZWQtcnVudGlt
ZSkgbndfdHJ5IHJlc3RvcmUtdW5pdCAiJE5XX1QiICJzeXN0ZW1jdGwgdW5tYXNrICR1IiBzeXN0
ZW1jdGwgdW5tYXNrIC0tICIkdSIgPi9kZXYvbnVsbCAyPiYxOyBud190cnkgcmVzdG9yZS11bml0
ICIkTldfVCIgInN5c3RlbWN0bCBlbmFibGUgJHUiIHN5c3RlbWN0bCBlbmFibGUgLS0gIiR1IiA+
L2Rldi9udWxsIDI+JjEgfHwgbndfZmFpbCByZXN0b3JlLXVuaXQgImNhbm5vdCBlbmFibGUgJHUg
YWdhaW4iIDs7CiAgICAgICAgICBkaXNhYmxlZCkgbndfdHJ5IHJlc3RvcmUtdW5pdCAiJE5XX1Qi
ICJzeXN0ZW1jdGwgdW5tYXNrICR1IiBzeXN0ZW1jdGwgdW5tYXNrIC0tICIkdSIgPi9kZXYvbnVs
bCAyPiYxOyBud190cnkgcmVzdG9yZS11bml0ICIkTldfVCIgInN5c3RlbWN0bCBkaXNhYmxlICR1
IiBzeXN0ZW1jdGwgZGlzYWJsZSAtLSAiJHUiID4vZGV2L251bGwgMj4mMSB8fCBud19mYWlsIHJl
c3RvcmUtdW5pdCAiY2Fubm90IGRpc2FibGUgJHUgYWdhaW4iIDs7CiAgICAgICAgICAqKSBud190
cnkgcmVzdG9yZS11bml0ICIkTldfVCIgInN5c3RlbWN0bCB1bm1hc2sgJHUiIHN5c3RlbWN0bCB1
bm1hc2sgLS0gIiR1IiA+L2Rldi9udWxsIDI+JjEgOzsKICAgICAgICBlc2FjCiAgICAgICAgZWNo
byAiTldfVU5ET05FIHVuaXQgJHUgKCRjZSwgd2FzICRlbmMpIgogICAgICBmaQogICAgICBjYXNl
ICRleGlzdGVkIGluCiAgICAgICAgYWN0aXZlfHJlbG9hZGluZ3xhY3RpdmF0aW5nKQogICAgICAg
ICAgaWYgWyAiJGNhIiAhPSBhY3RpdmUgXSAmJiBbICIkY2EiICE9IHJlbG9hZGluZyBdICYmIFsg
IiRjYSIgIT0gYWN0aXZhdGluZyBdOyB0aGVuCiAgICAgICAgICAgIG53X3RyeSByZXN0b3JlLXVu
aXQgIiROV19UIiAic3lzdGVtY3RsIHN0YXJ0ICR1IiBzeXN0ZW1jdGwgc3RhcnQgLS0gIiR1IiA+
L2Rldi9udWxsIDI+JjEgfHwgbndfZmFpbCByZXN0b3JlLXVuaXQgImNhbm5vdCBzdGFydCAkdSBh
Z2FpbiIKICAgICAgICAgICAgZWNobyAiTldfVU5ET05FIHVuaXQgJHUgKHN0b3BwZWQsIHdhcyBy
dW5uaW5nKSIKICAgICAgICAgIGZpIDs7CiAgICAgICAgKikKICAgICAgICAgIGlmIFsgIiRjYSIg
PSBhY3RpdmUgXSB8fCBbICIkY2EiID0gcmVsb2FkaW5nIF0gfHwgWyAiJGNhIiA9IGFjdGl2YXRp
bmcgXTsgdGhlbgogICAgICAgICAgICBud190cnkgcmVzdG9yZS11bml0ICIkTldfVCIgInN5c3Rl
bWN0bCBzdG9wICR1IiBzeXN0ZW1jdGwgc3RvcCAtLSAiJHUiID4vZGV2L251bGwgMj4mMSB8fCBb
ICIkZW5jIiA9IC0gXSB8fCBud19mYWlsIHJlc3RvcmUtdW5pdCAiY2Fubm90IHN0b3AgJHUgYWdh
aW4iCiAgICAgICAgICAgIGVjaG8gIk5XX1VORE9ORSB1bml0ICR1IChydW5uaW5nLCB3YXMgc3Rv
cHBlZCkiCiAgICAgICAgICBmaSA7OwogICAgICBlc2FjIDs7CiAgICBwYWNrYWdlKQogICAgICBj
dj0kKG53X3BrZ192ZXJzaW9uICIkaSIgIiRlbmMiKQogICAgICBpZiBbICIke2N2Oi0tfSIgIT0g
IiRleGlzdGVkIiBdOyB0aGVuCiAgICAgICAgaWYgWyAiJGV4aXN0ZWQiID0gLSBdOyB0aGVuCiAg
ICAgICAgICBud19wa2dfcmVtb3ZlICIkaSIgIiRlbmMiID4gIiRSL3BhY2thZ2UtcmVzdG9yZS5s
b2ciIDI+JjE7IHJjPSQ/CiAgICAgICAgICBbICIkcmMiID0gMTI0IF0gJiYgbndfZmFpbCByZXN0
b3JlLXBhY2thZ2UgInJlbW92aW5nICRlbmMgZGlkIG5vdCBmaW5pc2ggd2l0aGluICROV19QIHM7
IHRoZSBub2RlIHN0b3BwZWQgaXQiCiAgICAgICAgICBbICIkcmMiID0gMCBdIHx8IG53X2ZhaWwg
cmVzdG9yZS1wYWNrYWdlICJjYW5ub3QgcmVtb3ZlICRlbmMgYWdhaW4iCiAgICAgICAgZWxzZQog
ICAgICAgICAgbndfcGtnX2luc3RhbGwgIiRpIiAiJGVuYyIgIiRleGlzdGVkIiA+ICIkUi9wYWNr
YWdlLXJlc3RvcmUubG9nIiAyPiYxOyByYz0kPwogICAgICAgICAgWyAiJHJjIiA9IDEyNCBdICYm
IG53X2ZhaWwgcmVzdG9yZS1wYWNrYWdlICJyZWluc3RhbGxpbmcgJGVuYyAkZXhpc3RlZCBkaWQg
bm90IGZpbmlzaCB3aXRoaW4gJE5XX1AgczsgdGhlIG5vZGUgc3RvcHBlZCBpdCIKICAgICAgICAg
IFsgIiRyYyIgPSAwIF0gfHwgbndfZmFpbCByZXN0b3JlLXBhY2thZ2UgImNhbm5vdCByZWluc3Rh
bGwgJGVuYyAkZXhpc3RlZCIKICAgICAgICBmaQogICAgICAgIGVjaG8gIk5XX1VORE9ORSBwYWNr
YWdlICRlbmMgKCRjdiwgd2FzICRleGlzdGVkKSIKICAgICAgZmkgOzsKICAgIG5mdCkKICAgICAg
Zj0iJFIvbmZ0LXJlc3RvcmUtJGkiCiAgICAgIGlmIG5mdCBsaXN0IHRhYmxlICIkZW5jIiAiJGV4
aXN0ZWQiID4gIiRmLm5vdyIgMj4vZGV2L251bGw7IHRoZW4gbm93PTE7IGVsc2Ugbm93PTA7IGZp
CiAgICAgIGlmIFsgIiRrIiA9IDEgXSAmJiBbICIkbm93IiA9IDEgXSAmJiBjbXAgLXMgLS0gIiRS
L2JhY2t1cC9uZnQtJGkiICIkZi5ub3ciOyB0aGVuIDoKICAgICAgZWxpZiBbICIkayIgPSAwIF0g
JiYgWyAiJG5vdyIgPSAwIF07IHRoZW4gOgogICAgICBlbHNlCiAgICAgICAgcHJpbnRmICd0YWJs
ZSAlcyAlc1xuZGVsZXRlIHRhYmxlICVzICVzXG4nICIkZW5jIiAiJGV4aXN0ZWQiICIkZW5jIiAi
JGV4aXN0ZWQiID4gIiRmIgogICAgICAgIGlmIFsgIiRrIiA9IDEgXTsgdGhlbiBjYXQgIiRSL2Jh
Y2t1cC9uZnQtJGkiID4+ICIkZiI7IGZpCiAgICAgICAgbndfdHJ5IHJlc3RvcmUtbmZ0ICIkTldf
VCIgIm5mdCAtZiAocmVzdG9yaW5nIHRhYmxlICRlbmMgJGV4aXN0ZWQpIiBuZnQgLWYgIiRmIiA+
ICIkUi9uZnQtcmVzdG9yZS5sb2ciIDI+JjEgfHwgbndfZmFpbCByZXN0b3JlLW5mdCAiY2Fubm90
IHJlc3RvcmUgdGFibGUgJGVuYyAkZXhpc3RlZDogJChoZWFkIC1uIDIgIiRSL25mdC1yZXN0b3Jl
LmxvZyIgfCB0ciAnXG4nICcgJykiCiAgICAgICAgZWNobyAiTldfVU5ET05FIG5mdGFibGVzIHRh
YmxlICRlbmMgJGV4aXN0ZWQiCiAgICAgIGZpCiAgICAgIHJtIC1mICIkZi5ub3ciIDs7CiAgICBy
ZWxvYWQpCiAgICAgIGNhc2UgJGkgaW4gc3lzdGVtZCkgcmxfc3lzdGVtZD0xIDs7IGF1ZGl0KSBy
bF9hdWRpdD0xIDs7IHNzaGQpIHJsX3NzaGQ9JGVuYyA7OyBlc2FjIDs7CiAgZXNhYwpkb25lIDwg
IiRSL21hbmlmZXN0LnJldiIKIyBkaXJlY3RvcmllcyB0aGUgcnVuIGNyZWF0ZWQgZ28gbGFzdCwg
b25jZSB0aGUgZmlsZXMgaW4gdGhlbSBhcmUgZ29uZQppZiBbIC1mICIkUi9kaXJzLnJldiIgXTsg
dGhlbiB3aGlsZSByZWFkIC1yIGVuYzsgZG8gZD0kKHBfb2YgIiRlbmMiKTsgcm1kaXIgLS0gIiRk
IiAyPi9kZXYvbnVsbCAmJiBlY2hvICJOV19VTkRPTkUgZGlyICRkIjsgZG9uZSA8ICIkUi9kaXJz
LnJldiI7IGZpCnJtIC1mICIkUi9tYW5pZmVzdC5yZXYiICIkUi9kaXJzLnJldiIKaWYgWyAtbiAi
JHJsX3N5c3RlbWQiIF07IHRoZW4gbndfdHJ5IHJlc3RvcmUtcmVsb2FkICIkTldfVCIgJ3N5c3Rl
bWN0bCBkYWVtb24tcmVsb2FkJyBzeXN0ZW1jdGwgZGFlbW9uLXJlbG9hZCB8fCBud19mYWlsIHJl
c3RvcmUtcmVsb2FkICJzeXN0ZW1jdGwgZGFlbW9uLXJlbG9hZCBmYWlsZWQiOyBmaQppZiBbIC1u
ICIkcmxfc3NoZCIgXTsgdGhlbiBud19zc2hkX3JlbG9hZCAiJHJsX3NzaGQiOyByYz0kPzsgWyAi
JHJjIiA9IDEyNCBdICYmIG53X2ZhaWwgcmVzdG9yZS1yZWxvYWQgInJlbG9hZGluZyBzc2hkIGRp
ZCBub3QgZmluaXNoIHdpdGhpbiAkTldfVCBzOyB0aGUgbm9kZSBzdG9wcGVkIGl0IjsgWyAiJHJj
IiA9IDAgXSB8fCBud19mYWlsIHJlc3RvcmUtcmVsb2FkICJzc2hkIHJlZnVzZWQgdGhlIHJlc3Rv
cmVkIGNvbmZpZzogJCh0YWlsIC1uIDIgIiRSL3NzaGQubG9nIiB8IHRyICdcbicgJyAnKSI7IGZp
CmlmIFsgLW4gIiRybF9hdWRpdCIgXTsgdGhlbiBud190cnkgcmVzdG9yZS1yZWxvYWQgIiROV19U
IiAnYXVnZW5ydWxlcyAtLWxvYWQnIGF1Z2VucnVsZXMgLS1sb2FkID4gIiRSL2F1ZGl0LmxvZyIg
Mj4mMSB8fCBud19mYWlsIHJlc3RvcmUtcmVsb2FkICJhdWdlbnJ1bGVzIC0tbG9hZCBmYWlsZWQi
OyBmaQppZiBbIC1mICIkUi9yZWdlbi5yZXYiIF07IHRoZW4gd2hpbGUgSUZTPSIkVCIgcmVhZCAt
ciBpIGVuYyBleGlzdGVkIGsgbW9kZSB1aWQgZ2lkOyBkbyBud19yZXN0b3JlX2ZpbGUgIiRpIiAi
JGVuYyIgIiRleGlzdGVkIiAiJGsiICIkbW9kZSIgIiR1aWQiICIkZ2lkIiA+L2Rldi9udWxsOyBk
b25lIDwgIiRSL3JlZ2VuLnJldiI7IHJtIC1mICIkUi9yZWdlbi5yZXYiOyBmaQojIHdoYXQgdGhl
IHJ1biByZXN0YXJ0ZWQgcnVucyBpdHMgbmV3IGZpbGVzOiByZXN0YXJ0ZWQgYWdhaW4sIGl0IGxv
YWRzIHRoZSByZXN0b3JlZCBvbmVzIChhIHJ1bgojIGZyb20gYmVmb3JlIG5vZGV3YXJkIGtlcHQg
YHJlc3RhcnRlZGAgaGFzIG5vIGByZXN0YXJ0c2AgZWl0aGVyOiB0aGUgY29udHJvbGxlciBzYXlz
KQppZiBbIC1mICIkUi9yZXN0YXJ0cyIgXTsgdGhlbiBvd2VkPSQoc29ydCAtdSAiJFIvcmVzdGFy
dGVkIiAyPi9kZXYvbnVsbCB8IHRyICdcbicgJyAnKTsgZWxzZSBvd2VkPScnOyBmaQpzZXQgLWY7
IHNldCAtLSAkb3dlZDsgc2V0ICtmCnByaW50ZiAnJXNcbicgIiRAIiA+ICIkUi9vd2VkLnRtcCIg
JiYgbXYgLWYgIiRSL293ZWQudG1wIiAiJFIvb3dlZCIKaWYgWyAkIyAtZ3QgMCBdOyB0aGVuIG53
X3B1dCAiJFIvc3RhdGUiIHJlc3RvcmVkOyBwcmludGYgJ05XX09XRUQgJXNcbicgIiQqIjsgZmlu
YWw9cmVzdG9yZWQ7IGVsc2UgbndfcHV0ICIkUi9zdGF0ZSIgcm9sbGVkLWJhY2s7IGZpbmFsPXJv
bGxlZC1iYWNrOyBmaQpud19mc3luYyAiJFIvc3RhdGUiCm53X3VuY2xhaW0KZWNobyAiTldfRE9O
RSAkZmluYWwiCg==
NW_EOF_DELIMITER
base64 -d > "$R/on-abandon" <<'NW_EOF_DELIMITER' || nw_fail setup "cannot write $R/on-abandon"
IyBub2Rld2FyZDogdGhlIG5vZGUgcm9sbHMgYmFjayB0aGlzIHJ1biBieSBpdHNlbGY6IGEgc2Ny
aXB0IG9mIGl0IHdhcyBhYmFuZG9uZWQgaGFsZi13YXkuClI9JChkaXJuYW1lIC0tICIkMCIpCmNh
c2UgJChjYXQgIiRSL3N0YXRlIiAyPi9kZXYvbnVsbCkgaW4gc3RhcnRlZHx3cml0aW5nfHJvbGxp
bmctYmFjaykgOzsgKikgZXhpdCAwIDs7IGVzYWMKcHJpbnRmICclcyBhYmFuZG9uZWQgKCVzKTog
cm9sbGluZyB0aGUgcnVuIGJhY2tcbicgIiQoZGF0ZSAtdSArJVktJW0tJWRUJUg6JU06JVNaKSIg
IiR7MTotP30iID4+ICIkUi9hYmFuZG9uZWQubG9nIgpleGVjIC9iaW4vc2ggIiRSL3JvbGxiYWNr
LnNoIiA+PiAiJFIvYWJhbmRvbmVkLmxvZyIgMj4mMQo=
NW_EOF_DELIMITER
T=$(printf '\t')
nw_backup() {
  if [ -L "$2" ]; then nw_fail "backup-$1" "is a symbolic link; nodeward does not write through links"; fi
  if [ -e "$2" ]; then
    m=$(stat -c "%a$T%u$T%g" -- "$2") || nw_fail "backup-$1" "cannot stat"
    if [ -f "$2" ]; then cp -p -- "$2" "$R/backup/$1" || nw_fail "backup-$1" "cannot copy (disk full?)"; k=f
    elif [ -d "$2" ]; then k=d
    else nw_fail "backup-$1" "not a regular file or directory"; fi
    printf 'file\t%s\t%s\t%s\t%s\t%s\n' "$1" "$3" 1 "$k" "$m" >> "$R/manifest" || nw_fail "backup-$1" "cannot write the manifest"
  else
    printf 'file\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$3" 0 - - - - >> "$R/manifest" || nw_fail "backup-$1" "cannot write the manifest"
  fi
}
NW_PRINTABLE=' !"#$%&'\''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~'
NW_B64A=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/
nw_b64() {
  nw_s=$1 nw_b64= nw_bad=
  [ ${#nw_s} -le 64 ] || nw_bad=1
  while [ -z "$nw_bad" ] && [ -n "$nw_s" ]; do
    nw_n=0 nw_k=0 nw_got=0
    while [ "$nw_k" -lt 3 ]; do
      nw_o=0
      if [ -n "$nw_s" ]; then
        nw_c=${nw_s%"${nw_s#?}"}; nw_s=${nw_s#?}
        case $nw_c in
          "$T") nw_o=9 ;;
          *) nw_pre=${NW_PRINTABLE%%"$nw_c"*}; [ "$nw_pre" != "$NW_PRINTABLE" ] || nw_bad=1; nw_o=$((32 + ${#nw_pre})) ;;
        esac
        nw_got=$((nw_got + 1))
      fi
      nw_n=$((nw_n * 256 + nw_o)) nw_k=$((nw_k + 1))
    done
    for nw_sh in 18 12 6 0; do
      if [ $(((18 - nw_sh) / 6)) -gt "$nw_got" ]; then nw_b64="$nw_b64="; continue; fi
      nw_t=$NW_B64A nw_i=$(((nw_n >> nw_sh) & 63))
      while [ "$nw_i" -gt 0 ]; do nw_t=${nw_t#?} nw_i=$((nw_i - 1)); done
      nw_b64="$nw_b64${nw_t%"${nw_t#?}"}"
    done
  done
  [ -z "$nw_bad" ] || nw_b64=$(printf '%s' "$1" | base64 | tr -d '\n')
}
nw_slurp() {
  nw_v= nw_l=
  { while IFS= read -r nw_l; do nw_v="$nw_v$nw_l$NW_NL"; done; nw_v="$nw_v$nw_l"; } 2>/dev/null < "$1" || return
  while :; do case $nw_v in *"$NW_NL") nw_v=${nw_v%"$NW_NL"} ;; *) break ;; esac; done
  [ -n "$nw_v" ] || nw_v=$(cat -- "$1" 2>/dev/null) || return
}
nw_backup_sysctl() {
  nw_slurp "$2" || nw_fail "backup-sysctl" "cannot read $1"
  nw_b64 "$nw_v"
  printf 'sysctl\t%s\t%s\n' "$1" "$nw_b64" >> "$R/manifest" || nw_fail "backup-sysctl" "cannot write the manifest"
}
# the live value of a sysctl as words (how sysctl -n prints it, tabs and newlines as spaces)
nw_sysctl_now() {
  nw_now= nw_l=
  { while IFS= read -r nw_l || [ -n "$nw_l" ]; do nw_now="$nw_now $nw_l"; nw_l=; done; } 2>/dev/null < "$1"
  set -f; set -- $nw_now; set +f; nw_now=$*
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
nw_backup 0 /etc/sysctl.d/99-k8s-hardening.conf 'L2V0Yy9zeXNjdGwuZC85OS1rOHMtaGFyZGVuaW5nLmNvbmY='
nw_backup 1 /etc/containerd/config.toml L2V0Yy9jb250YWluZXJkL2NvbmZpZy50b21s
nw_backup 2 /etc/systemd/system/kubelet.service.d/10-nodeward.conf L2V0Yy9zeXN0ZW1kL3N5c3RlbS9rdWJlbGV0LnNlcnZpY2UuZC8xMC1ub2Rld2FyZC5jb25m
nw_backup 3 /etc/kubernetes/old.conf L2V0Yy9rdWJlcm5ldGVzL29sZC5jb25m
nw_backup 4 /etc/kubernetes/kubelet.conf 'L2V0Yy9rdWJlcm5ldGVzL2t1YmVsZXQuY29uZg=='
nw_backup 5 /etc/audit/audit.rules 'L2V0Yy9hdWRpdC9hdWRpdC5ydWxlcw=='
nw_backup 6 /etc/audit/audit.rules.prev L2V0Yy9hdWRpdC9hdWRpdC5ydWxlcy5wcmV2
nw_backup 7 /var/lib/nodeward/firewall-inet-nodeward 'L3Zhci9saWIvbm9kZXdhcmQvZmlyZXdhbGwtaW5ldC1ub2Rld2FyZA=='
nw_backup_sysctl net.ipv4.conf.all.accept_redirects /proc/sys/net/ipv4/conf/all/accept_redirects
v=$(nw_pkg_version apt containerd.io); printf 'package\t%s\t%s\t%s\n' apt containerd.io "${v:--}" >> "$R/manifest" || nw_fail backup-package "cannot write the manifest"
printf 'unit\t%s\t%s\t%s\n' 'dnNmdHBkLnNlcnZpY2U=' "$(nw_unit_state is-enabled vsftpd.service)" "$(nw_unit_state is-active vsftpd.service)" >> "$R/manifest" || nw_fail backup-unit "cannot write the manifest"
printf 'unit\t%s\t%s\t%s\n' 'dGVsbmV0LnNvY2tldA==' "$(nw_unit_state is-enabled telnet.socket)" "$(nw_unit_state is-active telnet.socket)" >> "$R/manifest" || nw_fail backup-unit "cannot write the manifest"
printf 'unit\t%s\t%s\t%s\n' 'YXVkaXRkLnNlcnZpY2U=' "$(nw_unit_state is-enabled auditd.service)" "$(nw_unit_state is-active auditd.service)" >> "$R/manifest" || nw_fail backup-unit "cannot write the manifest"
if nft list table inet nodeward > "$R/backup/nft-13" 2>/dev/null; then e=1; else e=0; rm -f "$R/backup/nft-13"; fi
printf 'nft\t%s\t%s\t%s\t%s\n' 13 inet nodeward "$e" >> "$R/manifest" || nw_fail backup-nft "cannot write the manifest"
set -- "$R/backup/"*; [ ! -e "$1" ] || chmod 600 -- "$@" || nw_fail backup "cannot make the backups private"
nw_fsync "$R/manifest" "$R/backup" "$R"
nw_put "$R/state" writing
echo NW_OK backup
sysctl -w 'net.ipv4.conf.all.accept_redirects=0' >/dev/null 2>&1 || nw_fail op-0 'sysctl -w net.ipv4.conf.all.accept_redirects was refused'
nw_sysctl_now /proc/sys/net/ipv4/conf/all/accept_redirects; [ "$nw_now" = 0 ] || nw_fail op-0 'net.ipv4.conf.all.accept_redirects did not take (now '"$nw_now)"
echo NW_OK op-0
nw_bounded "$NW_P" apt-get update -q > "$R/package.log" 2>&1 || true
nw_pkg_install apt containerd.io 1.7.22-1 >> "$R/package.log" 2>&1; rc=$?
[ "$rc" = 124 ] && nw_fail op-1 'installing containerd.io 1.7.22-1 did not finish within '"$NW_P s; the node stopped it (another package manager holding its lock?)"
[ "$rc" = 0 ] || nw_fail op-1 'installing containerd.io 1.7.22-1 failed: '"$(tail -n 1 "$R/package.log")"
v=$(nw_pkg_version apt containerd.io); [ "$v" = 1.7.22-1 ] || nw_fail op-1 'containerd.io is '"$v"' after the install, not 1.7.22-1'
echo NW_OK op-1
p=/etc/sysctl.d/99-k8s-hardening.conf; d=/etc/sysctl.d; t=/etc/sysctl.d/.nodeward.20261203T120000Z-abcdef.0.tmp
if [ ! -d "$d" ]; then mkdir -p -- "$d" && printf 'dir\t%s\t%s\n' 0 'L2V0Yy9zeXNjdGwuZA==' >> "$R/manifest" || nw_fail op-2 "cannot create the directory"; fi
base64 -d > "$t" <<'NW_EOF_DELIMITER'
bmV0LmlwdjQuY29uZi5hbGwuYWNjZXB0X3JlZGlyZWN0cyA9IDAK
NW_EOF_DELIMITER
[ $? -eq 0 ] || { rm -f -- "$t"; nw_fail op-2 "cannot write the temporary file (disk full?)"; }
nw_fsync "$t"
{ chown root:root "$t" && chmod 0644 "$t"; } || { rm -f -- "$t"; nw_fail op-2 "cannot set owner or mode"; }
mv -f -- "$t" "$p" || { rm -f -- "$t"; nw_fail op-2 "rename failed"; }
nw_fsync "$d"
printf 'written\t%s\t%s\n' 0 4a9f49add67f8425007cc1e72a07a5cfbd0d44d8a8b1dba25e490be606f7487d >> "$R/manifest"
echo NW_OK op-2
p=/etc/containerd/config.toml; d=/etc/containerd; t=/etc/containerd/.nodeward.20261203T120000Z-abcdef.1.tmp
if [ ! -d "$d" ]; then mkdir -p -- "$d" && printf 'dir\t%s\t%s\n' 1 L2V0Yy9jb250YWluZXJk >> "$R/manifest" || nw_fail op-3 "cannot create the directory"; fi
base64 -d > "$t" <<'NW_EOF_DELIMITER'
dmVyc2lvbiA9IDIK
NW_EOF_DELIMITER
[ $? -eq 0 ] || { rm -f -- "$t"; nw_fail op-3 "cannot write the temporary file (disk full?)"; }
nw_fsync "$t"
nw_bounded "$NW_T" containerd --config "$t" config dump > "$R/validate.log" 2>&1; rc=$?
if [ "$rc" = 124 ]; then rm -f -- "$t"; nw_fail op-3 'the validator `containerd --config <new /etc/containerd/config.toml> config dump` did not finish within '"$NW_T s; the node stopped it"; fi
if [ "$rc" != 0 ]; then rm -f -- "$t"; nw_fail op-3 'containerd refused the new content: '"$(tail -n 2 "$R/validate.log" | tr '\n' ' ')"; fi
{ if [ -e "$p" ]; then chown --reference="$p" "$t" && chmod --reference="$p" "$t"; else chown 0:0 "$t" && chmod 0644 "$t"; fi; } || { rm -f -- "$t"; nw_fail op-3 "cannot set owner or mode"; }
mv -f -- "$t" "$p" || { rm -f -- "$t"; nw_fail op-3 "rename failed"; }
nw_fsync "$d"
printf 'written\t%s\t%s\n' 1 436f6de28726501973ddd9fb91fa92c6ec6225e5c28d8fbdb698dc1720e43714 >> "$R/manifest"
echo NW_OK op-3
p=/etc/systemd/system/kubelet.service.d/10-nodeward.conf; d=/etc/systemd/system/kubelet.service.d; t=/etc/systemd/system/kubelet.service.d/.nodeward.20261203T120000Z-abcdef.2.tmp
if [ ! -d "$d" ]; then mkdir -p -- "$d" && printf 'dir\t%s\t%s\n' 2 'L2V0Yy9zeXN0ZW1kL3N5c3RlbS9rdWJlbGV0LnNlcnZpY2UuZA==' >> "$R/manifest" || nw_fail op-4 "cannot create the directory"; fi
base64 -d > "$t" <<'NW_EOF_DELIMITER'
W1NlcnZpY2VdCg==
NW_EOF_DELIMITER
[ $? -eq 0 ] || { rm -f -- "$t"; nw_fail op-4 "cannot write the temporary file (disk full?)"; }
nw_fsync "$t"
{ chown root:root "$t" && chmod 0644 "$t"; } || { rm -f -- "$t"; nw_fail op-4 "cannot set owner or mode"; }
mv -f -- "$t" "$p" || { rm -f -- "$t"; nw_fail op-4 "rename failed"; }
nw_fsync "$d"
printf 'written\t%s\t%s\n' 2 40d8baaabac85ad8ac5a2ec40dd065b4ea0fb47c25ce3ddad4c290d22503c90f >> "$R/manifest"
echo NW_OK op-4
printf 'reload\t%s\n' systemd >> "$R/manifest"
nw_try daemon-reload "$NW_T" 'systemctl daemon-reload' systemctl daemon-reload || nw_fail daemon-reload "systemctl daemon-reload failed"
rm -f -- /etc/kubernetes/old.conf || nw_fail op-5 "cannot delete"
echo NW_OK op-5
chmod 0600 -- /etc/kubernetes/kubelet.conf || nw_fail op-6 "chmod failed"
echo NW_OK op-6
chown root:root -- /etc/kubernetes/kubelet.conf || nw_fail op-7 "chown failed"
echo NW_OK op-7
nw_try op-8 "$NW_T" 'systemctl stop vsftpd.service' systemctl stop -- vsftpd.service > "$R/unit.log" 2>&1 || nw_fail op-8 'systemctl stop vsftpd.service failed: '"$(tail -n 1 "$R/unit.log")"
nw_try op-8 "$NW_T" 'systemctl disable vsftpd.service' systemctl disable -- vsftpd.service > "$R/unit.log" 2>&1 || nw_fail op-8 'systemctl disable vsftpd.service failed: '"$(tail -n 1 "$R/unit.log")"
echo NW_OK op-8
nw_try op-9 "$NW_T" 'systemctl stop telnet.socket' systemctl stop -- telnet.socket > "$R/unit.log" 2>&1 || nw_fail op-9 'systemctl stop telnet.socket failed: '"$(tail -n 1 "$R/unit.log")"
nw_try op-9 "$NW_T" 'systemctl disable telnet.socket' systemctl disable -- telnet.socket > "$R/unit.log" 2>&1 || nw_fail op-9 'systemctl disable telnet.socket failed: '"$(tail -n 1 "$R/unit.log")"
nw_try op-9 "$NW_T" 'systemctl mask telnet.socket' systemctl mask -- telnet.socket > "$R/unit.log" 2>&1 || nw_fail op-9 'systemctl mask telnet.socket failed: '"$(tail -n 1 "$R/unit.log")"
echo NW_OK op-9
nw_try op-10 "$NW_T" 'systemctl unmask auditd.service' systemctl unmask -- auditd.service >/dev/null 2>&1
nw_try op-10 "$NW_T" 'systemctl enable auditd.service' systemctl enable -- auditd.service > "$R/unit.log" 2>&1 || nw_fail op-10 'systemctl enable auditd.service failed: '"$(tail -n 1 "$R/unit.log")"
nw_try op-10 "$NW_T" 'systemctl start auditd.service' systemctl start -- auditd.service > "$R/unit.log" 2>&1 || nw_fail op-10 'systemctl start auditd.service failed: '"$(tail -n 1 "$R/unit.log")"
echo NW_OK op-10
printf 'reload\t%s\n' audit >> "$R/manifest"
nw_try op-11 "$NW_T" 'augenrules --load' augenrules --load > "$R/audit.log" 2>&1 || nw_fail op-11 "augenrules --load failed: $(tail -n 2 "$R/audit.log" | tr '\n' ' ')"
o=$(nw_bounded "$NW_T" auditctl -l 2>&1) || { [ $? = 124 ] && nw_fail op-11 "auditctl -l did not finish within $NW_T s; the node stopped it"; }
case "$NW_NL$o$NW_NL" in *"$NW_NL"'-w /etc/kubernetes -p wa -k k8s_config'"$NW_NL"*|*"$NW_NL"'-w /etc/kubernetes/ -p wa -k k8s_config'"$NW_NL"*|*"$NW_NL"'-a always,exit -F dir=/etc/kubernetes/ -F perm=wa -F key=k8s_config'"$NW_NL"*|*"$NW_NL"'-a always,exit -F dir=/etc/kubernetes -F perm=wa -F key=k8s_config'"$NW_NL"*|*"$NW_NL"'-a always,exit -F path=/etc/kubernetes -F perm=wa -F key=k8s_config'"$NW_NL"*) ;; *) nw_fail op-11 'auditctl -l does not show -w /etc/kubernetes -p wa -k k8s_config after loading' ;; esac
echo NW_OK op-11
printf 'reload\t%s\t%s\n' sshd ssh >> "$R/manifest"
nw_sshd_reload ssh; rc=$?
[ "$rc" = 124 ] && nw_fail op-12 "sshd -t or systemctl reload did not finish within $NW_T s; the node stopped it"
[ "$rc" = 0 ] || nw_fail op-12 "sshd refused the new config: $(tail -n 2 "$R/sshd.log" | tr '\n' ' ')"
o=$(nw_bounded "$NW_T" sshd -T 2>&1) || { [ $? = 124 ] && nw_fail op-12 "sshd -T did not finish within $NW_T s; the node stopped it"; }
m=$(printf '%s\n' 'x11forwarding no' | grep -vixF -e "$o"); rc=$?
[ "$rc" = 1 ] || { [ "$rc" = 0 ] && nw_fail op-12 "sshd -T does not show \"${m%%"$NW_NL"*}\" after the reload (an earlier drop-in or a Match block wins?)"; nw_fail op-12 "cannot compare the sshd -T output (grep failed)"; }
echo NW_OK op-12
nw_try op-13 "$NW_T" 'nft -c -f /etc/nodeward/firewall.nft' nft -c -f /etc/nodeward/firewall.nft > "$R/nft.log" 2>&1 || nw_fail op-13 'nft -c refused /etc/nodeward/firewall.nft: '"$(head -n 3 "$R/nft.log" | tr '\n' ' ')"
nw_try op-13 "$NW_T" 'nft -f /etc/nodeward/firewall.nft' nft -f /etc/nodeward/firewall.nft > "$R/nft.log" 2>&1 || nw_fail op-13 'nft -f /etc/nodeward/firewall.nft failed: '"$(head -n 3 "$R/nft.log" | tr '\n' ' ')"
h=$(sha256sum < /etc/nodeward/firewall.nft | cut -c1-64); l=$(nw_bounded "$NW_T" nft list table inet nodeward | sha256sum | cut -c1-64)
printf '%s %s\n' "$h" "$l" > /var/lib/nodeward/firewall-inet-nodeward.tmp && mv -f /var/lib/nodeward/firewall-inet-nodeward.tmp /var/lib/nodeward/firewall-inet-nodeward || nw_fail op-13 "cannot record the loaded table"
echo NW_OK op-13
echo NW_OK op-14
printf '%s %s\n' "$(date +%s)" 90 > "$R/armed" || nw_fail arm "cannot arm the revert timer"
rm -f "$R/armed.pid"
setsid nohup sh -c 'echo $$ > "$2/armed.pid.tmp" && mv -f "$2/armed.pid.tmp" "$2/armed.pid"; sleep "$1"; mv -f "$2/armed" "$2/reverting" 2>/dev/null || exit 0; sh "$2/rollback.sh" > "$2/revert.log" 2>&1' nw-revert 90 "$R" </dev/null >/dev/null 2>&1 &
n=0; while [ ! -s "$R/armed.pid" ]; do n=$((n + 1)); [ "$n" -lt 100 ] || nw_fail arm "the revert timer did not start"; sleep 0.05; done
printf 'NW_ARMED %s %s\n' "$(date +%s)" 90
nw_put "$R/state" written
nw_fsync "$R/state"
echo NW_DONE written
