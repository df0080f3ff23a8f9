#!/bin/bash
# Issue 16's apply node side: how many programs the write script of `nodeward apply` starts on one
# node, and which, for the given playbooks (default: every bundled one). Prints numbers; never run in CI.
#   bash bench/write-processes.sh [PLAYBOOK…]        (LOOPS=5 script runs for the CPU figure)
# Runs as root (the lab). Uses lab NODEWARD_LAB_ID (default 8) with 1 node, taken down at the end
# (KEEP=1 leaves it up; a lab already up with node-1 is reused and left up).
#
# 1. programs: the write script `nodeward plan --show-scripts` writes for node-1 (03-write.sh:
#    what apply would send after the lock and the backup of the same plan), run under strace -f as
#    nodeward runs it (sh reading it on stdin), inside the node's namespaces, on a node just reset
#    to its seeded state (`lab reset node-1`) so every change is still to be made.
# 2. script CPU: the same script run LOOPS times, the node reset before each, by one sh whose
#    `times` gives its children's user+system CPU; divided by LOOPS (USER_HZ ticks).
# The lab's systemctl, auditctl, dpkg-query are Python stand-ins (~19 ms each): a real node's
# C binaries cost less, so the count of programs is the figure to compare.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODEWARD_LAB_ID=${NODEWARD_LAB_ID:-8}
LOOPS=${LOOPS:-5}
command -v strace >/dev/null || apt-get install -y -qq strace >/dev/null
npm run -s build
lab=/tmp/nodeward-lab$NODEWARD_LAB_ID
if ! npx tsx lab/cli.ts status 2>/dev/null | grep -q '^node-1'; then
  npx tsx lab/cli.ts up 1 >/dev/null 2>&1
  [ "${KEEP:-}" = 1 ] || trap 'npx tsx lab/cli.ts down >/dev/null 2>&1' EXIT
fi
dir=$(mktemp -d)
npx tsx lab/cli.ts reset node-1 >/dev/null
node dist/cli/main.js plan -i "$lab/inventory.yaml" "$@" --limit node-1 --show-scripts "$dir" -q >/dev/null || true
script=$(ls "$dir"/node-1/*-write.sh)
confirm=$(ls "$dir"/node-1/*-confirm.sh 2>/dev/null || true)
# strace -f follows the revert timer the script arms (it sleeps, then rolls the run back): confirm
# the run as apply does once the script is done, so that only the write script is counted
npx tsx lab/cli.ts exec node-1 -- strace -f -qq -e trace=execve,clone,clone3,fork,vfork sh -s < "$script" > "$dir/out" 2> "$dir/strace" &
tracer=$!
for _ in $(seq 600); do grep -qE '^NW_(DONE|FAIL)' "$dir/out" 2>/dev/null && break; sleep 0.1; done
[ -z "$confirm" ] || npx tsx lab/cli.ts exec node-1 -- sh -s < "$confirm" > /dev/null || true
wait "$tracer" || true
echo "playbooks: ${*:-every bundled one}; write script $(wc -c < "$script") bytes, $(grep -c '^echo NW_OK op-' "$script") operations"
echo "outcome: $(grep -E '^NW_(DONE|FAIL)' "$dir/out" | head -n 1)"
echo "programs started (successful execve): $(awk -f bench/lib/execs.awk "$dir/strace" | awk '{ n += $1 } END { print n + 0 }')"
echo "execve calls (with the PATH lookups that failed): $(grep -c 'execve(' "$dir/strace")"
echo "processes forked (clone/fork): $(grep -cE '(clone3?|v?fork)\(' "$dir/strace")"
awk -f bench/lib/execs.awk "$dir/strace" | sort -rn

# 2. the script's own CPU on the node, reset before each run (the reset removes the run directory too)
: > "$dir/cpu"
for i in $(seq "$LOOPS"); do
  npx tsx lab/cli.ts reset node-1 >/dev/null
  npx tsx lab/cli.ts exec node-1 -- sh -c 'cat > /run/nw-bench-write.sh' < "$script"
  npx tsx lab/cli.ts exec node-1 -- sh -c 'sh -s < /run/nw-bench-write.sh > /dev/null 2>&1; times' < /dev/null | awk 'NR == 2 { u = $1; s = $2; gsub(/s$/, "", u); gsub(/s$/, "", s); split(u, a, "m"); split(s, b, "m"); printf "%.0f\n", (a[1] * 60 + a[2] + b[1] * 60 + b[2]) * 1000 }' >> "$dir/cpu"
  [ -z "$confirm" ] || npx tsx lab/cli.ts exec node-1 -- sh -s < "$confirm" > /dev/null || true
done
echo "write script CPU on the node (user+system of its processes, ms; $LOOPS runs): median $(sort -n "$dir/cpu" | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }') [$(tr '\n' ' ' < "$dir/cpu")]"
npx tsx lab/cli.ts reset node-1 >/dev/null
rm -rf "$dir"
