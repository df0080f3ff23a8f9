#!/bin/bash
# Issue 16's node-side count: how many programs the facts script starts on one node, and which,
# for the given playbooks (default: every bundled one). Prints numbers; never run in CI.
#   bash bench/facts-processes.sh [PLAYBOOK…]
# Runs as root (the lab). Uses lab NODEWARD_LAB_ID (default 8) with 1 node, taken down at the end.
# The script is the one `nodeward plan --show-scripts` writes for node-1, run under strace -f as
# nodeward runs it (sh reading it on stdin), inside the node's namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODEWARD_LAB_ID=${NODEWARD_LAB_ID:-8}
command -v strace >/dev/null || apt-get install -y -qq strace >/dev/null
npm run -s build
npx tsx lab/cli.ts up 1 >/dev/null 2>&1
trap 'npx tsx lab/cli.ts down >/dev/null 2>&1' EXIT
dir=$(mktemp -d)
node dist/cli/main.js plan -i "/tmp/nodeward-lab$NODEWARD_LAB_ID/inventory.yaml" "$@" --show-scripts "$dir" -q >/dev/null || true
npx tsx lab/cli.ts exec node-1 -- strace -f -qq -e trace=execve,clone,clone3,fork,vfork sh -s < "$dir/node-1/01-facts.sh" > "$dir/out" 2> "$dir/strace"
echo "playbooks: ${*:-every bundled one}; facts script $(wc -c < "$dir/node-1/01-facts.sh") bytes, answer $(wc -c < "$dir/out") bytes"
echo "programs started (execve): $(grep -c 'execve(' "$dir/strace")"
echo "processes forked (clone/fork): $(grep -cE '(clone3?|v?fork)\(' "$dir/strace")"
grep -o 'execve("[^"]*"' "$dir/strace" | sed 's/execve("//; s/"$//' | sort | uniq -c | sort -rn
rm -rf "$dir"
