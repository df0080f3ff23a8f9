set -u
umask 077
S=/var/lib/nodeward
R=/var/lib/nodeward/runs/20261203T120000Z-abcdef
RID=20261203T120000Z-abcdef
NW_T=120 NW_P=600
nw_fail() { printf 'NW_FAIL %s %s\n' "$1" "$2"; exit 10; }
nw_put() { printf '%s\n' "$2" > "$1.tmp" && mv -f "$1.tmp" "$1"; }
nw_fsync() { sync -- "$@" 2>/dev/null || sync; }
nw_bounded() {
  nw_bs=$1; shift
  command -v timeout >/dev/null 2>&1 || { "$@"; return; }
  nw_b0=$(date +%s)
  timeout -k 5 "$nw_bs" "$@"; nw_brc=$?
  if [ "$nw_brc" = 137 ] && [ $(($(date +%s) - nw_b0)) -ge "$nw_bs" ]; then nw_brc=124; fi
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
printf '%s\n' containerd kubelet > "$R/owed.tmp" && mv -f "$R/owed.tmp" "$R/owed" && cp -- "$R/owed" "$R/restarts" || nw_fail setup "cannot write $R"
base64 -d > "$R/rollback.sh" <<'NW_EOF_DELIMITER' || nw_fail setup "cannot write $R/rollback.sh"
c2V0IC11CnVtYXNrIDA3NwpTPS92YXIvbGliL25vZGV3YXJkClI9L3Zhci9saWIvbm9kZXdhcmQv
cnVucy8yMDI2MTIwM1QxMjAwMDBaLWFiY2RlZgpSSUQ9MjAyNjEyMDNUMTIwMDAwWi1hYmNkZWYK
TldfVD0xMjAgTldfUD02MDAKbndfZmFpbCgpIHsgcHJpbnRmICdOV19GQUlMICVzICVzXG4nICIk
MSIgIiQyIjsgZXhpdCAxMDsgfQpud19wdXQoKSB7IHByaW50ZiAnJXNcbicgIiQyIiA+ICIkMS50
bXAiICYmIG12IC1mICIkMS50bXAiICIkMSI7IH0KbndfZnN5bmMoKSB7IHN5bmMgLS0gIiRAIiAy
Pi9kZXYvbnVsbCB8fCBzeW5jOyB9Cm53X2JvdW5kZWQoKSB7CiAgbndfYnM9JDE7IHNoaWZ0CiAg
Y29tbWFuZCAtdiB0aW1lb3V0ID4vZGV2L251bGwgMj4mMSB8fCB7ICIkQCI7IHJldHVybjsgfQog
IG53X2IwPSQoZGF0ZSArJXMpCiAgdGltZW91dCAtayA1ICIkbndfYnMiICIkQCI7IG53X2JyYz0k
PwogIGlmIFsgIiRud19icmMiID0gMTM3IF0gJiYgWyAkKCgkKGRhdGUgKyVzKSAtIG53X2IwKSkg
LWdlICIkbndfYnMiIF07IHRoZW4gbndfYnJjPTEyNDsgZmkKICByZXR1cm4gIiRud19icmMiCn0K
bndfdHJ5KCkgewogIG53X3RzPSQxIG53X3R0PSQyIG53X3RsPSQzOyBzaGlmdCAzCiAgbndfYm91
bmRlZCAiJG53X3R0IiAiJEAiOyBud190cmM9JD8KICBpZiBbICIkbndfdHJjIiA9IDEyNCBdOyB0
aGVuIG53X2ZhaWwgIiRud190cyIgIiRud190bCBkaWQgbm90IGZpbmlzaCB3aXRoaW4gJG53X3R0
IHM7IHRoZSBub2RlIHN0b3BwZWQgaXQiOyBmaQogIHJldHVybiAiJG53X3RyYyIKfQpbIC1mICIk
Ui9tYW5pZmVzdCIgXSB8fCB7IGVjaG8gTldfTk9USElORzsgbndfZmFpbCByb2xsYmFjayAibm8g
bWFuaWZlc3QgZm9yIHJ1biAkUklEIG9uIHRoaXMgbm9kZSI7IH0KVD0kKHByaW50ZiAnXHQnKQpw
X29mKCkgeyBwcmludGYgJyVzJyAiJDEiIHwgYmFzZTY0IC1kOyB9Cm53X3Byb2MoKSB7CiAgbndf
cGw9CiAgSUZTPSByZWFkIC1yIG53X3BsIDI+L2Rldi9udWxsIDwgIi9wcm9jLyQxL3N0YXQiIHx8
IHJldHVybiAxCiAgbndfcGw9JHtud19wbCMjKikgfQogIG53X29pZnM9JElGUzsgSUZTPScgJzsg
c2V0IC1mOyBzZXQgLS0gJG53X3BsOyBzZXQgK2Y7IElGUz0kbndfb2lmcwogIG53X3BzdGF0ZT0k
MSBud19wc2Vzcz0kNCBud19wc3RhcnQ9JHsyMH0KfQpud19hbGl2ZSgpIHsgbndfcHJvYyAiJDEi
ICYmIFsgIiRud19wc3RhdGUiICE9IFogXSAmJiBbICIkbndfcHN0YXJ0IiA9ICIkMiIgXTsgfQpu
d19raWxsX3Nlc3Npb24oKSB7CiAgbndfa3M9JDEgbndfa3I9MAogIGNhc2UgJG53X2tzIGluICcn
fCpbITAtOV0qfDB8MSkgcmV0dXJuIDEgOzsgZXNhYwogIG53X3Byb2Mgc2VsZiAmJiBbICIkbndf
cHNlc3MiID0gIiRud19rcyIgXSAmJiByZXR1cm4gMQogIHdoaWxlIFsgIiRud19rciIgLWx0IDEw
MCBdOyBkbwogICAgbndfa2Y9CiAgICAjIHN0b3AgdGhlbSBhbGwgZmlyc3Q6IGEgc2hlbGwgd2hv
c2UgY2hpbGQgZGllcyBmaXJzdCB3b3VsZCBvdGhlcndpc2UgcnVuIGl0cyBuZXh0IGNvbW1hbmQK
ICAgIGZvciBud19rc2lnIGluIFNUT1AgS0lMTDsgZG8KICAgICAgZm9yIG53X2twIGluIC9wcm9j
L1swLTldKjsgZG8KICAgICAgICBud19rcD0ke253X2twIy9wcm9jL30KICAgICAgICBud19wcm9j
ICIkbndfa3AiIHx8IGNvbnRpbnVlCiAgICAgICAgWyAiJG53X3BzZXNzIiA9ICIkbndfa3MiIF0g
JiYgWyAiJG53X3BzdGF0ZSIgIT0gWiBdIHx8IGNvbnRpbnVlCiAgICAgICAga2lsbCAtIiRud19r
c2lnIiAiJG53X2twIiAyPi9kZXYvbnVsbCAmJiBud19rZj0xCiAgICAgIGRvbmUKICAgIGRvbmUK
ICAgIFsgLW4gIiRud19rZiIgXSB8fCByZXR1cm4gMAogICAgbndfa3I9JCgobndfa3IgKyAxKSkK
ICAgIHNsZWVwIDAuMDUgMj4vZGV2L251bGwgfHwgc2xlZXAgMQogIGRvbmUKICByZXR1cm4gMQp9
Cm53X3BrZ192ZXJzaW9uKCkgewogIGNhc2UgJDEgaW4KICAgIGFwdCkgcz0kKGRwa2ctcXVlcnkg
LVcgLWY9JyR7U3RhdHVzfXwke1ZlcnNpb259JyAiJDIiIDI+L2Rldi9udWxsKTsgY2FzZSAkcyBp
biAnaW5zdGFsbCBvayBpbnN0YWxsZWR8JyopIHByaW50ZiAnJXMnICIke3MjKnx9IiA7OyBlc2Fj
IDs7CiAgICAqKSB2PSQocnBtIC1xIC0tcWYgJyV7RVBPQ0h9OiV7VkVSU0lPTn0tJXtSRUxFQVNF
fScgIiQyIiAyPi9kZXYvbnVsbCkgJiYgcHJpbnRmICclcycgIiR7diMnKG5vbmUpOid9IiA7Owog
IGVzYWMKfQpud19wa2dfaW5zdGFsbCgpIHsKICBjYXNlICQxIGluCiAgICBhcHQpIG53X2JvdW5k
ZWQgIiROV19QIiBlbnYgREVCSUFOX0ZST05URU5EPW5vbmludGVyYWN0aXZlIGFwdC1nZXQgaW5z
dGFsbCAteSAtcSAtLWFsbG93LWRvd25ncmFkZXMgLW8gIkRQa2c6OkxvY2s6OlRpbWVvdXQ9JCgo
TldfUCAvIDIpKSIgLW8gRHBrZzo6T3B0aW9uczo6PS0tZm9yY2UtY29uZmRlZiAtbyBEcGtnOjpP
cHRpb25zOjo9LS1mb3JjZS1jb25mb2xkICIkMj0kMyIgOzsKICAgICopIG53X2JvdW5kZWQgIiRO
V19QIiAiJDEiIC15IGluc3RhbGwgIiQyLSQzIjsgbndfcHJjPSQ/OyBbICIkbndfcHJjIiA9IDAg
XSB8fCBbICIkbndfcHJjIiA9IDEyNCBdIHx8IHsgbndfYm91bmRlZCAiJE5XX1AiICIkMSIgLXkg
ZG93bmdyYWRlICIkMi0kMyI7IG53X3ByYz0kPzsgfTsgcmV0dXJuICIkbndfcHJjIiA7OwogIGVz
YWMKfQpud19wa2dfcmVtb3ZlKCkgewogIGNhc2UgJDEgaW4gYXB0KSBud19ib3VuZGVkICIkTldf
UCIgZW52IERFQklBTl9GUk9OVEVORD1ub25pbnRlcmFjdGl2ZSBhcHQtZ2V0IHJlbW92ZSAteSAt
cSAtbyAiRFBrZzo6TG9jazo6VGltZW91dD0kKChOV19QIC8gMikpIiAiJDIiIDs7ICopIG53X2Jv
dW5kZWQgIiROV19QIiAiJDEiIC15IHJlbW92ZSAiJDIiIDs7IGVzYWMKfQpud191bml0X3N0YXRl
KCkgeyBzPSQoc3lzdGVtY3RsICIkMSIgLS0gIiQyIiAyPi9kZXYvbnVsbCB8IGhlYWQgLW4gMSk7
IHByaW50ZiAnJXMnICIke3M6LS19IjsgfQpud19zc2hkX3JlbG9hZCgpIHsKICBud19ib3VuZGVk
ICIkTldfVCIgc3NoZCAtdCA+ICIkUi9zc2hkLmxvZyIgMj4mMSB8fCByZXR1cm4KICBpZiBbICIk
MSIgIT0gLSBdICYmIFsgIiQoc3lzdGVtY3RsIGlzLWFjdGl2ZSAtLSAiJDEiIDI+L2Rldi9udWxs
KSIgPSBhY3RpdmUgXTsgdGhlbiBud19ib3VuZGVkICIkTldfVCIgc3lzdGVtY3RsIHJlbG9hZCAt
LSAiJDEiID4+ICIkUi9zc2hkLmxvZyIgMj4mMSB8fCByZXR1cm47IGZpCn0KbndfY2xhaW0oKSB7
CiAgbndfY249MAogIHdoaWxlICEgbWtkaXIgIiRSL3JvbGxiYWNrLmNsYWltIiAyPi9kZXYvbnVs
bDsgZG8KICAgIG53X2NwPSBud19jc3Q9CiAgICByZWFkIC1yIG53X2NwIG53X2NzdCA8ICIkUi9y
b2xsYmFjay5jbGFpbS9ieSIgMj4vZGV2L251bGwKICAgIGlmIFsgLW4gIiRud19jcCIgXSAmJiBu
d19hbGl2ZSAiJG53X2NwIiAiJG53X2NzdCI7IHRoZW4KICAgICAgbndfY249JCgobndfY24gKyAx
KSkKICAgICAgWyAiJG53X2NuIiAtbHQgJCgoTldfVCAqIDUpKSBdIHx8IG53X2ZhaWwgYnVzeSAi
YW5vdGhlciByb2xsYmFjayBvZiBydW4gJFJJRCBpcyBzdGlsbCBydW5uaW5nIG9uIHRoZSBub2Rl
IChwaWQgJG53X2NwKSIKICAgICAgc2xlZXAgMC4yCiAgICBlbGlmIFsgLXogIiRud19jcCIgXSAm
JiBbICIkbndfY24iIC1sdCA1IF07IHRoZW4KICAgICAgbndfY249JCgobndfY24gKyAxKSk7IHNs
ZWVwIDAuMiAgICMganVzdCBjbGFpbWVkOiBpdHMgaG9sZGVyIGlzIGFib3V0IHRvIHdyaXRlIGl0
cyBuYW1lCiAgICBlbHNlCiAgICAgIHJtIC1yZiAiJFIvcm9sbGJhY2suY2xhaW0iCiAgICBmaQog
IGRvbmUKICBud19wcm9jICQkOyBwcmludGYgJyVzICVzXG4nICIkJCIgIiRud19wc3RhcnQiID4g
IiRSL3JvbGxiYWNrLmNsYWltL2J5Igp9Cm53X3VuY2xhaW0oKSB7IHJtIC1yZiAiJFIvcm9sbGJh
Y2suY2xhaW0iOyB9Cm53X3Jlc3RvcmVfZmlsZSgpIHsKICBpPSQxIGVuYz0kMiBleGlzdGVkPSQz
IGs9JDQgbW9kZT0kNSB1aWQ9JDYgZ2lkPSQ3CiAgcD0kKHBfb2YgIiRlbmMiKTsgZD0kKGRpcm5h
bWUgLS0gIiRwIikKICBybSAtZiAtLSAiJGQvLm5vZGV3YXJkLiRSSUQuJGkudG1wIiAiJGQvLm5v
ZGV3YXJkLiRSSUQuJGkucmVzdG9yZSIKICBpZiBbICIkZXhpc3RlZCIgPSAxIF0gJiYgWyAiJGsi
ID0gZiBdOyB0aGVuCiAgICBpZiBbICEgLUwgIiRwIiBdICYmIFsgLWYgIiRwIiBdICYmIGNtcCAt
cyAtLSAiJFIvYmFja3VwLyRpIiAiJHAiOyB0aGVuCiAgICAgICMgdGhlIGNvbnRlbnQgd2FzIG5l
dmVyIHJlcGxhY2VkICh0aGUgcnVuIHN0b3BwZWQgYmVmb3JlIGl0LCBlLmcuIG9uIGEgZnVsbCBk
aXNrKTogb25seSB0aGUKICAgICAgIyBtb2RlIGFuZCBvd25lciBtYXkgbmVlZCByZXN0b3Jpbmcs
IGFuZCB3cml0aW5nIGEgY29weSBjb3VsZCBmYWlsIGZvciB0aGUgc2FtZSByZWFzb24KICAgICAg
aWYgWyAiJChzdGF0IC1jICIlYSRUJXUkVCVnIiAtLSAiJHAiKSIgIT0gIiRtb2RlJFQkdWlkJFQk
Z2lkIiBdOyB0aGVuCiAgICAgICAgY2hvd24gIiR1aWQ6JGdpZCIgLS0gIiRwIiAmJiBjaG1vZCAi
JG1vZGUiIC0tICIkcCIgfHwgbndfZmFpbCAicmVzdG9yZS0kaSIgImNhbm5vdCByZXN0b3JlIHRo
ZSBtb2RlIG9mICRwIgogICAgICAgIGVjaG8gIk5XX1VORE9ORSBtb2RlICRwIgogICAgICBmaQog
ICAgZWxzZQogICAgICB0PSIkZC8ubm9kZXdhcmQuJFJJRC4kaS5yZXN0b3JlIgogICAgICBjcCAt
cCAtLSAiJFIvYmFja3VwLyRpIiAiJHQiICYmIGNob3duICIkdWlkOiRnaWQiICIkdCIgJiYgY2ht
b2QgIiRtb2RlIiAiJHQiICYmIG12IC1mIC0tICIkdCIgIiRwIiB8fCB7IHJtIC1mIC0tICIkdCI7
IG53X2ZhaWwgInJlc3RvcmUtJGkiICJjYW5ub3QgcmVzdG9yZSAkcCI7IH0KICAgICAgc3luYyAt
LSAiJHAiICIkZCIgMj4vZGV2L251bGwKICAgICAgZWNobyAiTldfVU5ET05FIGZpbGUgJHAiCiAg
ICBmaQogIGVsaWYgWyAiJGV4aXN0ZWQiID0gMSBdICYmIFsgIiRrIiA9IGQgXTsgdGhlbgogICAg
aWYgWyAiJChzdGF0IC1jICIlYSRUJXUkVCVnIiAtLSAiJHAiKSIgIT0gIiRtb2RlJFQkdWlkJFQk
Z2lkIiBdOyB0aGVuCiAgICAgIGNob3duICIkdWlkOiRnaWQiIC0tICIkcCIgJiYgY2htb2QgIiRt
b2RlIiAtLSAiJHAiIHx8IG53X2ZhaWwgInJlc3RvcmUtJGkiICJjYW5ub3QgcmVzdG9yZSB0aGUg
bW9kZSBvZiAkcCIKICAgICAgZWNobyAiTldfVU5ET05FIG1vZGUgJHAiCiAgICBmaQogIGVsaWYg
WyAtZSAiJHAiIF0gfHwgWyAtTCAiJHAiIF07IHRoZW4KICAgIHJtIC1mIC0tICIkcCIgfHwgbndf
ZmFpbCAicmVzdG9yZS0kaSIgImNhbm5vdCByZW1vdmUgJHAiCiAgICBlY2hvICJOV19VTkRPTkUg
Y3JlYXRlZCAkcCIKICBmaQp9Cm53X3JlZ2VuZXJhdGVkPScvZXRjL2F1ZGl0L2F1ZGl0LnJ1bGVz
IC9ldGMvYXVkaXQvYXVkaXQucnVsZXMucHJldicKbndfY2xhaW0Kc3Q9JChjYXQgIiRSL3N0YXRl
IiAyPi9kZXYvbnVsbCkKaWYgWyAiJHN0IiA9IHJvbGxlZC1iYWNrIF07IHRoZW4gbndfdW5jbGFp
bTsgcHJpbnRmICdOV19BTFJFQURZICVzXG4nICIkKHN0YXQgLWMgJVkgLS0gIiRSL3N0YXRlIiki
OyBlY2hvIE5XX0RPTkUgcm9sbGVkLWJhY2s7IGV4aXQgMDsgZmkKCm53X3B1dCAiJFIvc3RhdGUi
IHJvbGxpbmctYmFjawppZiBtdiAtZiAiJFIvYXJtZWQiICIkUi9kaXNhcm1lZCIgMj4vZGV2L251
bGw7IHRoZW4KICBwPSQoY2F0ICIkUi9hcm1lZC5waWQiIDI+L2Rldi9udWxsKQogIGNhc2UgJHAg
aW4gJyd8KlshMC05XSopIDs7ICopIGtpbGwgLVRFUk0gIi0kcCIgMj4vZGV2L251bGwgfHwga2ls
bCAtVEVSTSAiJHAiIDI+L2Rldi9udWxsIDs7IGVzYWMKZmkKcm0gLWYgIiRSL2RpcnMucmV2IiAi
JFIvcmVnZW4ucmV2IgpybF9zeXN0ZW1kPTsgcmxfc3NoZD07IHJsX2F1ZGl0PQpzZWQgLW4gJzEh
RztoOyRwJyAiJFIvbWFuaWZlc3QiID4gIiRSL21hbmlmZXN0LnJldiIgfHwgbndfZmFpbCByb2xs
YmFjayAiY2Fubm90IHJlYWQgdGhlIG1hbmlmZXN0Igp3aGlsZSBJRlM9IiRUIiByZWFkIC1yIGtp
bmQgaSBlbmMgZXhpc3RlZCBrIG1vZGUgdWlkIGdpZDsgZG8KICBjYXNlICRraW5kIGluCiAgICBm
aWxlKQogICAgICBud19yZXN0b3JlX2ZpbGUgIiRpIiAiJGVuYyIgIiRleGlzdGVkIiAiJGsiICIk
bW9kZSIgIiR1aWQiICIkZ2lkIgogICAgICBjYXNlICIgJG53X3JlZ2VuZXJhdGVkICIgaW4gKiIg
JHAgIiopIHByaW50ZiAnJXNcdCVzXHQlc1x0JXNcdCVzXHQlc1x0JXNcbicgIiRpIiAiJGVuYyIg
IiRleGlzdGVkIiAiJGsiICIkbW9kZSIgIiR1aWQiICIkZ2lkIiA+PiAiJFIvcmVnZW4ucmV2IiA7
OyBlc2FjIDs7CiAgICBkaXIpCiAgICAgIHByaW50ZiAnJXNcbicgIiRlbmMiID4+ICIkUi9kaXJz
LnJldiIgOzsKICAgIHN5c2N0bCkKICAgICAgdj0kKHBfb2YgIiRlbmMiKTsgZj0vcHJvYy9zeXMv
JChwcmludGYgJyVzJyAiJGkiIHwgdHIgLiAvKQogICAgICBub3c9JChjYXQgLS0gIiRmIiAyPi9k
ZXYvbnVsbCkKICAgICAgc2V0IC1mOyBzZXQgLS0gJG5vdzsgbm93PSQqOyBzZXQgLS0gJHY7IHdh
cz0kKjsgc2V0ICtmCiAgICAgIGlmIFsgIiRub3ciICE9ICIkd2FzIiBdOyB0aGVuCiAgICAgICAg
c3lzY3RsIC13ICIkaT0kdiIgPi9kZXYvbnVsbCAyPiYxIHx8IG53X2ZhaWwgInJlc3RvcmUtc3lz
Y3RsIiAic3lzY3RsIC13ICRpIHdhcyByZWZ1c2VkIgogICAgICAgIGVjaG8gIk5XX1VORE9ORSBz
eXNjdGwgJGkiCiAgICAgIGZpIDs7CiAgICB1bml0KQogICAgICB1PSQocF9vZiAiJGkiKQogICAg
ICBjZT0kKG53X3VuaXRfc3RhdGUgaXMtZW5hYmxlZCAiJHUiKTsgY2E9JChud191bml0X3N0YXRl
IGlzLWFjdGl2ZSAiJHUiKQogICAgICBpZiBbICIkY2UiICE9ICIkZW5jIiBdOyB0aGVuCiAgICAg
ICAgY2FzZSAkZW5jIGluCiAgICAgICAgICBtYXNrZWR8bWFza2VkLXJ1bnRpbWUpIG53X3RyeSBy
ZXN0b3JlLXVuaXQgIiROV19UIiAic3lzdGVtY3RsIG1hc2sgJHUiIHN5c3RlbWN0bCBtYXNrIC0t
ICIkdSIgPi9kZXYvbnVsbCAyPiYxIHx8IG53X2ZhaWwgcmVzdG9yZS11bml0ICJjYW5ub3QgbWFz
ayAkdSBhZ2FpbiIgOzsKICAgICAgICAgIGVuYWJsZWR8ZW5hYmxlZC1ydW50aW1lKSBud190cnkg
cmVzdG9yZS11bml0ICIkTldfVCIgInN5c3RlbWN0bCB1bm1hc2sgJHUiIHN5c3RlbWN0bCB1bm1h
c2sgLS0gIiR1IiA+L2Rldi9udWxsIDI+JjE7IG53X3RyeSByZXN0b3JlLXVuaXQgIiROV19UIiAi
c3lzdGVtY3RsIGVuYWJsZSAkdSIgc3lzdGVtY3RsIGVuYWJsZSAtLSAiJHUiID4vZGV2L251bGwg
Mj4mMSB8fCBud19mYWlsIHJlc3RvcmUtdW5pdCAiY2Fubm90IGVuYWJsZSAkdSBhZ2FpbiIgOzsK
ICAgICAgICAgIGRpc2FibGVkKSBud190cnkgcmVzdG9yZS11bml0ICIkTldfVCIgInN5c3RlbWN0
bCB1bm1hc2sgJHUiIHN5c3RlbWN0bCB1bm1hc2sgLS0gIiR1IiA+L2Rldi9udWxsIDI+JjE7IG53
X3RyeSByZXN0b3JlLXVuaXQgIiROV19UIiAic3lzdGVtY3RsIGRpc2FibGUgJHUiIHN5c3RlbWN0
bCBkaXNhYmxlIC0tICIkdSIgPi9kZXYvbnVsbCAyPiYxIHx8IG53X2ZhaWwgcmVzdG9yZS11bml0
ICJjYW5ub3QgZGlzYWJsZSAkdSBhZ2FpbiIgOzsKICAgICAgICAgICopIG53X3RyeSByZXN0b3Jl
LXVuaXQgIiROV19UIiAic3lzdGVtY3RsIHVubWFzayAkdSIgc3lzdGVtY3RsIHVubWFzayAtLSAi
JHUiID4vZGV2L251bGwgMj4mMSA7OwogICAgICAgIGVzYWMKICAgICAgICBlY2hvICJOV19VTkRP
TkUgdW5pdCAkdSAoJGNlLCB3YXMgJGVuYykiCiAgICAgIGZpCiAgICAgIGNhc2UgJGV4aXN0ZWQg
aW4KICAgICAgICBhY3RpdmV8cmVsb2FkaW5nfGFjdGl2YXRpbmcpCiAgICAgICAgICBpZiBbICIk
Y2EiICE9IGFjdGl2ZSBdICYmIFsgIiRjYSIgIT0gcmVsb2FkaW5nIF0gJiYgWyAiJGNhIiAhPSBh
Y3RpdmF0aW5nIF07IHRoZW4KICAgICAgICAgICAgbndfdHJ5IHJlc3RvcmUtdW5pdCAiJE5XX1Qi
ICJzeXN0ZW1jdGwgc3RhcnQgJHUiIHN5c3RlbWN0bCBzdGFydCAtLSAiJHUiID4vZGV2L251bGwg
Mj4mMSB8fCBud19mYWlsIHJlc3RvcmUtdW5pdCAiY2Fubm90IHN0YXJ0ICR1IGFnYWluIgogICAg
ICAgICAgICBlY2hvICJOV19VTkRPTkUgdW5pdCAkdSAoc3RvcHBlZCwgd2FzIHJ1bm5pbmcpIgog
ICAgICAgICAgZmkgOzsKICAgICAgICAqKQogICAgICAgICAgaWYgWyAiJGNhIiA9IGFjdGl2ZSBd
IHx8IFsgIiRjYSIgPSByZWxvYWRpbmcgXSB8fCBbICIkY2EiID0gYWN0aXZhdGluZyBdOyB0aGVu
CiAgICAgICAgICAgIG53X3RyeSByZXN0b3JlLXVuaXQgIiROV19UIiAic3lzdGVtY3RsIHN0b3Ag
JHUiIHN5c3RlbWN0bCBzdG9wIC0tICIkdSIgPi9kZXYvbnVsbCAyPiYxIHx8IFsgIiRlbmMiID0g
LSBdIHx8IG53X2ZhaWwgcmVzdG9yZS11bml0ICJjYW5ub3Qgc3RvcCAkdSBhZ2FpbiIKICAgICAg
ICAgICAgZWNobyAiTldfVU5ET05FIHVuaXQgJHUgKHJ1bm5pbmcsIHdhcyBzdG9wcGVkKSIKICAg
ICAgICAgIGZpIDs7CiAgICAgIGVzYWMgOzsKICAgIHBhY2thZ2UpCiAgICAgIGN2PSQobndfcGtn
X3ZlcnNpb24gIiRpIiAiJGVuYyIpCiAgICAgIGlmIFsgIiR7Y3Y6LS19IiAhPSAiJGV4aXN0ZWQi
IF07IHRoZW4KICAgICAgICBpZiBbICIkZXhpc3RlZCIgPSAtIF07IHRoZW4KICAgICAgICAgIG53
X3BrZ19yZW1vdmUgIiRpIiAiJGVuYyIgPiAiJFIvcGFja2FnZS1yZXN0b3JlLmxvZyIgMj4mMTsg
cmM9JD8KICAgICAgICAgIFsgIiRyYyIgPSAxMjQgXSAmJiBud19mYWlsIHJlc3RvcmUtcGFja2Fn
ZSAicmVtb3ZpbmcgJGVuYyBkaWQgbm90IGZpbmlzaCB3aXRoaW4gJE5XX1AgczsgdGhlIG5vZGUg
c3RvcHBlZCBpdCIKICAgICAgICAgIFsgIiRyYyIgPSAwIF0gfHwgbndfZmFpbCByZXN0b3JlLXBh
Y2thZ2UgImNhbm5vdCByZW1vdmUgJGVuYyBhZ2FpbiIKICAgICAgICBlbHNlCiAgICAgICAgICBu
d19wa2dfaW5zdGFsbCAiJGkiICIkZW5jIiAiJGV4aXN0ZWQiID4gIiRSL3BhY2thZ2UtcmVzdG9y
ZS5sb2ciIDI+JjE7IHJjPSQ/CiAgICAgICAgICBbICIkcmMiID0gMTI0IF0gJiYgbndfZmFpbCBy
ZXN0b3JlLXBhY2thZ2UgInJlaW5zdGFsbGluZyAkZW5jICRleGlzdGVkIGRpZCBub3QgZmluaXNo
IHdpdGhpbiAkTldfUCBzOyB0aGUgbm9kZSBzdG9wcGVkIGl0IgogICAgICAgICAgWyAiJHJjIiA9
IDAgXSB8fCBud19mYWlsIHJlc3RvcmUtcGFja2FnZSAiY2Fubm90IHJlaW5zdGFsbCAkZW5jICRl
eGlzdGVkIgogICAgICAgIGZpCiAgICAgICAgZWNobyAiTldfVU5ET05FIHBhY2thZ2UgJGVuYyAo
JGN2LCB3YXMgJGV4aXN0ZWQpIgogICAgICBmaSA7OwogICAgbmZ0KQogICAgICBmPSIkUi9uZnQt
cmVzdG9yZS0kaSIKICAgICAgaWYgbmZ0IGxpc3QgdGFibGUgIiRlbmMiICIkZXhpc3RlZCIgPiAi
JGYubm93IiAyPi9kZXYvbnVsbDsgdGhlbiBub3c9MTsgZWxzZSBub3c9MDsgZmkKICAgICAgaWYg
WyAiJGsiID0gMSBdICYmIFsgIiRub3ciID0gMSBdICYmIGNtcCAtcyAtLSAiJFIvYmFja3VwL25m
dC0kaSIgIiRmLm5vdyI7IHRoZW4gOgogICAgICBlbGlmIFsgIiRrIiA9IDAgXSAmJiBbICIkbm93
IiA9IDAgXTsgdGhlbiA6CiAgICAgIGVsc2UKICAgICAgICBwcmludGYgJ3RhYmxlICVzICVzXG5k
ZWxldGUgdGFibGUgJXMgJXNcbicgIiRlbmMiICIkZXhpc3RlZCIgIiRlbmMiICIkZXhpc3RlZCIg
PiAiJGYiCiAgICAgICAgaWYgWyAiJGsiID0gMSBdOyB0aGVuIGNhdCAiJFIvYmFja3VwL25mdC0k
aSIgPj4gIiRmIjsgZmkKICAgICAgICBud190cnkgcmVzdG9yZS1uZnQgIiROV19UIiAibmZ0IC1m
IChyZXN0b3JpbmcgdGFibGUgJGVuYyAkZXhpc3RlZCkiIG5mdCAtZiAiJGYiID4gIiRSL25mdC1y
ZXN0b3JlLmxvZyIgMj4mMSB8fCBud19mYWlsIHJlc3RvcmUtbmZ0ICJjYW5ub3QgcmVzdG9yZSB0
YWJsZSAkZW5jICRleGlzdGVkOiAkKGhlYWQgLW4gMiAiJFIvbmZ0LXJlc3RvcmUubG9nIiB8IHRy
ICdcbicgJyAnKSIKICAgICAgICBlY2hvICJOV19VTkRPTkUgbmZ0YWJsZXMgdGFibGUgJGVuYyAk
ZXhpc3RlZCIKICAgICAgZmkKICAgICAgcm0gLWYgIiRmLm5vdyIgOzsKICAgIHJlbG9hZCkKICAg
ICAgY2FzZSAkaSBpbiBzeXN0ZW1kKSBybF9zeXN0ZW1kPTEgOzsgYXVkaXQpIHJsX2F1ZGl0PTEg
Ozsgc3NoZCkgcmxfc3NoZD0kZW5jIDs7IGVzYWMgOzsKICBlc2FjCmRvbmUgPCAiJFIvbWFuaWZl
c3QucmV2IgojIGRpcmVjdG9yaWVzIHRoZSBydW4gY3JlYXRlZCBnbyBsYXN0LCBvbmNlIHRoZSBm
aWxlcyBpbiB0aGVtIGFyZSBnb25lCmlmIFsgLWYgIiRSL2RpcnMucmV2IiBdOyB0aGVuIHdoaWxl
IHJlYWQgLXIgZW5jOyBkbyBkPSQocF9vZiAiJGVuYyIpOyBybWRpciAtLSAiJGQiIDI+L2Rldi9u
dWxsICYmIGVjaG8gIk5XX1VORE9ORSBkaXIgJGQiOyBkb25lIDwgIiRSL2RpcnMucmV2IjsgZmkK
cm0gLWYgIiRSL21hbmlmZXN0LnJldiIgIiRSL2RpcnMucmV2IgppZiBbIC1uICIkcmxfc3lzdGVt
ZCIgXTsgdGhlbiBud190cnkgcmVzdG9yZS1yZWxvYWQgIiROV19UIiAnc3lzdGVtY3RsIGRhZW1v
bi1yZWxvYWQnIHN5c3RlbWN0bCBkYWVtb24tcmVsb2FkIHx8IG53X2ZhaWwgcmVzdG9yZS1yZWxv
YWQgInN5c3RlbWN0bCBkYWVtb24tcmVsb2FkIGZhaWxlZCI7IGZpCmlmIFsgLW4gIiRybF9zc2hk
IiBdOyB0aGVuIG53X3NzaGRfcmVsb2FkICIkcmxfc3NoZCI7IHJjPSQ/OyBbICIkcmMiID0gMTI0
IF0gJiYgbndfZmFpbCByZXN0b3JlLXJlbG9hZCAicmVsb2FkaW5nIHNzaGQgZGlkIG5vdCBmaW5p
c2ggd2l0aGluICROV19UIHM7IHRoZSBub2RlIHN0b3BwZWQgaXQiOyBbICIkcmMiID0gMCBdIHx8
IG53X2ZhaWwgcmVzdG9yZS1yZWxvYWQgInNzaGQgcmVmdXNlZCB0aGUgcmVzdG9yZWQgY29uZmln
OiAkKHRhaWwgLW4gMiAiJFIvc3NoZC5sb2ciIHwgdHIgJ1xuJyAnICcpIjsgZmkKaWYgWyAtbiAi
JHJsX2F1ZGl0IiBdOyB0aGVuIG53X3RyeSByZXN0b3JlLXJlbG9hZCAiJE5XX1QiICdhdWdlbnJ1
bGVzIC0tbG9hZCcgYXVnZW5ydWxlcyAtLWxvYWQgPiAiJFIvYXVkaXQubG9nIiAyPiYxIHx8IG53
X2ZhaWwgcmVzdG9yZS1yZWxvYWQgImF1Z2VucnVsZXMgLS1sb2FkIGZhaWxlZCI7IGZpCmlmIFsg
LWYgIiRSL3JlZ2VuLnJldiIgXTsgdGhlbiB3aGlsZSBJRlM9IiRUIiByZWFkIC1yIGkgZW5jIGV4
aXN0ZWQgayBtb2RlIHVpZCBnaWQ7IGRvIG53X3Jlc3RvcmVfZmlsZSAiJGkiICIkZW5jIiAiJGV4
aXN0ZWQiICIkayIgIiRtb2RlIiAiJHVpZCIgIiRnaWQiID4vZGV2L251bGw7IGRvbmUgPCAiJFIv
cmVnZW4ucmV2Ijsgcm0gLWYgIiRSL3JlZ2VuLnJldiI7IGZpCiMgd2hhdCB0aGUgcnVuIHJlc3Rh
cnRlZCBydW5zIGl0cyBuZXcgZmlsZXM6IHJlc3RhcnRlZCBhZ2FpbiwgaXQgbG9hZHMgdGhlIHJl
c3RvcmVkIG9uZXMgKGEgcnVuCiMgZnJvbSBiZWZvcmUgbm9kZXdhcmQga2VwdCBgcmVzdGFydGVk
YCBoYXMgbm8gYHJlc3RhcnRzYCBlaXRoZXI6IHRoZSBjb250cm9sbGVyIHNheXMpCmlmIFsgLWYg
IiRSL3Jlc3RhcnRzIiBdOyB0aGVuIG93ZWQ9JChzb3J0IC11ICIkUi9yZXN0YXJ0ZWQiIDI+L2Rl
di9udWxsIHwgdHIgJ1xuJyAnICcpOyBlbHNlIG93ZWQ9Jyc7IGZpCnNldCAtZjsgc2V0IC0tICRv
d2VkOyBzZXQgK2YKcHJpbnRmICclc1xuJyAiJEAiID4gIiRSL293ZWQudG1wIiAmJiBtdiAtZiAi
JFIvb3dlZC50bXAiICIkUi9vd2VkIgppZiBbICQjIC1ndCAwIF07IHRoZW4gbndfcHV0ICIkUi9z
dGF0ZSIgcmVzdG9yZWQ7IHByaW50ZiAnTldfT1dFRCAlc1xuJyAiJCoiOyBmaW5hbD1yZXN0b3Jl
ZDsgZWxzZSBud19wdXQgIiRSL3N0YXRlIiByb2xsZWQtYmFjazsgZmluYWw9cm9sbGVkLWJhY2s7
IGZpCm53X2ZzeW5jICIkUi9zdGF0ZSIKbndfdW5jbGFpbQplY2hvICJOV19ET05FICRmaW5hbCIK
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
    if [ -f "$2" ]; then cp -p -- "$2" "$R/backup/$1" && chmod 600 "$R/backup/$1" || nw_fail "backup-$1" "cannot copy (disk full?)"; k=f
    elif [ -d "$2" ]; then k=d
    else nw_fail "backup-$1" "not a regular file or directory"; fi
    printf 'file\t%s\t%s\t%s\t%s\t%s\n' "$1" "$3" 1 "$k" "$m" >> "$R/manifest" || nw_fail "backup-$1" "cannot write the manifest"
  else
    printf 'file\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$3" 0 - - - - >> "$R/manifest" || nw_fail "backup-$1" "cannot write the manifest"
  fi
}
nw_backup_sysctl() {
  v=$(cat -- "$2" 2>/dev/null) || nw_fail "backup-sysctl" "cannot read $1"
  printf 'sysctl\t%s\t%s\n' "$1" "$(printf '%s' "$v" | base64 | tr -d '\n')" >> "$R/manifest" || nw_fail "backup-sysctl" "cannot write the manifest"
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
nw_unit_state() { s=$(systemctl "$1" -- "$2" 2>/dev/null | head -n 1); printf '%s' "${s:--}"; }
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
nw_fsync "$R/manifest" "$R/backup" "$R"
nw_put "$R/state" writing
echo NW_OK backup
sysctl -w 'net.ipv4.conf.all.accept_redirects=0' >/dev/null 2>&1 || nw_fail op-0 'sysctl -w net.ipv4.conf.all.accept_redirects was refused'
v=$(cat -- /proc/sys/net/ipv4/conf/all/accept_redirects); set -f; set -- $v; set +f
[ "$*" = 0 ] || nw_fail op-0 'net.ipv4.conf.all.accept_redirects did not take (now '"$*)"
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
printf '%s\n' "$o" | grep -qxF -e '-w /etc/kubernetes -p wa -k k8s_config' -e '-w /etc/kubernetes/ -p wa -k k8s_config' -e '-a always,exit -F dir=/etc/kubernetes/ -F perm=wa -F key=k8s_config' -e '-a always,exit -F dir=/etc/kubernetes -F perm=wa -F key=k8s_config' -e '-a always,exit -F path=/etc/kubernetes -F perm=wa -F key=k8s_config' || nw_fail op-11 'auditctl -l does not show -w /etc/kubernetes -p wa -k k8s_config after loading'
echo NW_OK op-11
printf 'reload\t%s\t%s\n' sshd ssh >> "$R/manifest"
nw_sshd_reload ssh; rc=$?
[ "$rc" = 124 ] && nw_fail op-12 "sshd -t or systemctl reload did not finish within $NW_T s; the node stopped it"
[ "$rc" = 0 ] || nw_fail op-12 "sshd refused the new config: $(tail -n 2 "$R/sshd.log" | tr '\n' ' ')"
o=$(nw_bounded "$NW_T" sshd -T 2>&1) || { [ $? = 124 ] && nw_fail op-12 "sshd -T did not finish within $NW_T s; the node stopped it"; }
printf '%s\n' "$o" | grep -qixF -- 'x11forwarding no' || nw_fail op-12 'sshd -T does not show "x11forwarding no" after the reload (an earlier drop-in or a Match block wins?)'
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
