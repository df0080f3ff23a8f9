systemctl show -p Id,ActiveState,SubState,NRestarts,Result -- containerd.service 2>/dev/null; echo
systemctl show -p Id,ActiveState,SubState,NRestarts,Result -- kubelet.service 2>/dev/null; echo
printf 'NW_NOW %s\n' "$(date +%s)"
if command -v curl >/dev/null 2>&1; then h=$(curl -fsS -m 3 http://127.0.0.1:10248/healthz 2>&1)
elif command -v wget >/dev/null 2>&1; then h=$(wget -qO- -T 3 http://127.0.0.1:10248/healthz 2>&1)
elif command -v python3 >/dev/null 2>&1; then h=$(python3 -c 'import sys,urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=3).read().decode())' http://127.0.0.1:10248/healthz 2>&1 | tail -n 1)
else h='no http client (curl, wget or python3) on the node'; fi
printf 'NW_HEALTHZ %s\n' "$(printf '%s' "$h" | head -c 200 | tr '\n' ' ')"
exit 0
