# The CPU a lab node spent, as its own processes account for it (sourced by bench/*.sh, bash).
#   nodecpu_pids LAB_JSON   sets nc_init and nc_listener for node-1 (again after a lab reset: the node reboots)
#   nodecpu_ticks           the listener's and init's children's times (/proc/PID/stat fields 16,
#                           17 after pid and comm) and init's own (fields 14, 15: the init answers
#                           the nodes' systemctl and auditctl and supervises the units), in USER_HZ ticks
#   nodecpu_median          the median of the numbers on stdin
nodecpu_pids() {
  nc_init=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).nodes[0].initPid)' "$1")
  nc_listener=$(ps -o pid=,comm= --ppid "$nc_init" | awk '$2 == "sshd" { print $1; exit }')
}
nodecpu_ticks() {
  { awk '{ sub(/^.*\) /, ""); print $14 + $15 }' "/proc/$nc_listener/stat"
    awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$nc_init/stat"; } | awk '{ t += $1 } END { print t }'
}
nodecpu_median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
