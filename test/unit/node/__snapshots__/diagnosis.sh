systemctl show -p ActiveState,SubState,NRestarts,Result -- kubelet.service 2>/dev/null | tr '\n' ' '; echo
(journalctl -u kubelet.service -n 5 --no-pager 2>/dev/null || systemctl status kubelet.service --no-pager 2>/dev/null | tail -n 5) | tail -n 5
exit 0
