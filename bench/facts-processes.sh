#!/bin/bash
# Issue 16's node side: how many programs the facts script starts on one node, and which, and
# how much CPU the node spends on it, for the given playbooks (default: every bundled one).
# Prints numbers; never run in CI.
#   bash bench/facts-processes.sh [PLAYBOOK…]        (RUNS=5 plans, LOOPS=20 script runs)
# Runs as root (the lab). Uses lab NODEWARD_LAB_ID (default 8) with 1 node, taken down at the end.
#
# 1. programs: the script `nodeward plan --show-scripts` writes for node-1, run under strace -f
#    as nodeward runs it (sh reading it on stdin), inside the node's namespaces.
# 2. script CPU: the same script run LOOPS times in a row on the node by one sh, whose `times`
#    gives its children's user+system CPU; divided by LOOPS (USER_HZ ticks, so many runs). The
#    node's init answers systemctl and auditctl for their C clients: its CPU is not in this figure,
#    it is in the next.
# 3. node CPU per plan: the node's sshd listener collects the CPU of every process of a connection
#    when its session child exits (cutime+cstime, /proc/PID/stat fields 16 and 17), the node's init
#    what outlived its parent there (nodeward's session processes do) and its own (utime+stime:
#    serving systemctl and auditctl, and its idle work): all read before and after one
#    `nodeward plan --limit node-1` (sshd, sudo, the job supervisor, the script), and around one
#    `ssh node-1 true` (the OpenSSH floor: sshd and a login shell); RUNS of each, alternating,
#    medians printed. The lab's dpkg-query (the packages playbook) is a Python stand-in (~15 ms):
#    a real node's costs less.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODEWARD_LAB_ID=${NODEWARD_LAB_ID:-8}
RUNS=${RUNS:-5}
LOOPS=${LOOPS:-20}
command -v strace >/dev/null || apt-get install -y -qq strace >/dev/null
npm run -s build
npx tsx lab/cli.ts up 1 >/dev/null 2>&1
trap 'npx tsx lab/cli.ts down >/dev/null 2>&1' EXIT
lab=/tmp/nodeward-lab$NODEWARD_LAB_ID
dir=$(mktemp -d)
node dist/cli/main.js plan -i "$lab/inventory.yaml" "$@" --show-scripts "$dir" -q >/dev/null || true
script=$dir/node-1/01-facts.sh
npx tsx lab/cli.ts exec node-1 -- strace -f -qq -e trace=execve,clone,clone3,fork,vfork sh -s < "$script" > "$dir/out" 2> "$dir/strace"
echo "playbooks: ${*:-every bundled one}; facts script $(wc -c < "$script") bytes, answer $(wc -c < "$dir/out") bytes"
echo "programs started (execve): $(grep -c 'execve(' "$dir/strace")"
echo "processes forked (clone/fork): $(grep -cE '(clone3?|v?fork)\(' "$dir/strace")"
grep -o 'execve("[^"]*"' "$dir/strace" | sed 's/execve("//; s/"$//' | sort | uniq -c | sort -rn

# 2. the script's own CPU on the node: `times` prints the shell's, then its children's, user and system time
npx tsx lab/cli.ts exec node-1 -- sh -c 'cat > /run/nw-bench-facts.sh' < "$script"
npx tsx lab/cli.ts exec node-1 -- sh -c "i=0; while [ \$i -lt $LOOPS ]; do sh -s < /run/nw-bench-facts.sh > /dev/null 2>&1; i=\$((i + 1)); done; times" > "$dir/times"
awk -v n="$LOOPS" 'NR == 2 { u = $1; s = $2; gsub(/s$/, "", u); gsub(/s$/, "", s); split(u, a, "m"); split(s, b, "m")
  printf "facts script CPU on the node: %.1f ms per run (user+system of its processes, %d runs)\n", (a[1] * 60 + a[2] + b[1] * 60 + b[2]) * 1000 / n, n }' "$dir/times"

# 3. node CPU per plan and per `ssh true`: the children's times the node's sshd listener and its
# init (PID 1, which reaps what outlives its parent: nodeward's session processes end up there)
# have collected, and init's own (it serves the node's systemctl, journalctl, auditctl), before and after
. bench/lib/node-cpu.sh
nodecpu_pids "$lab/lab.json"
init=$nc_init listener=$nc_listener
services=$(ps -o pid= --ppid "$init" | wc -l)
tick=$(getconf CLK_TCK)
settled() {   # every process of the session has ended and been reaped: its times are collected
  for _ in $(seq 100); do
    [ -z "$(cat /proc/"$listener"/task/*/children 2>/dev/null | tr -d ' ')" ] && [ "$(ps -o pid= --ppid "$init" | wc -l)" -le "$services" ] && return 0
    sleep 0.05
  done
  echo "node-1 still runs processes of the last session" >&2
}
measure() {   # prints the node CPU ms the command cost
  settled; local before; before=$(nodecpu_ticks)
  "$@" > /dev/null 2>&1 || true
  settled; echo $(( ($(nodecpu_ticks) - before) * 1000 / tick ))
}
: > "$dir/plan"; : > "$dir/floor"
for _ in $(seq "$RUNS"); do
  measure node dist/cli/main.js plan -i "$lab/inventory.yaml" "$@" --limit node-1 -q >> "$dir/plan"
  measure ssh -F "$lab/ssh_config" node-1 true >> "$dir/floor"
done
echo "node CPU per plan (its sshd listener's children's times, init's own and its children's, ms; $RUNS runs): median $(nodecpu_median < "$dir/plan") [$(tr '\n' ' ' < "$dir/plan")]"
echo "node CPU per ssh node-1 true (the floor, ms; $RUNS runs): median $(nodecpu_median < "$dir/floor") [$(tr '\n' ' ' < "$dir/floor")]"
rm -rf "$dir"
