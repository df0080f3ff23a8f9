#!/bin/bash
# Issue 16's apply node side in one figure: the node CPU one `nodeward apply --yes --limit node-1`
# costs (every bundled playbook, or the given ones, from the seeded drift), next to the restart
# floor's on the same node (bench/lib/restart-floor.mjs for one node: restart containerd and the
# kubelet, poll /healthz, wait for a fresh Ready heartbeat) and to one `nodeward plan`. Prints
# numbers; never run in CI.
#   bash bench/apply-node-cpu.sh [PLAYBOOK…]        (RUNS=3 of each, alternating; medians)
# Runs as root (the lab). Uses lab NODEWARD_LAB_ID (default 8) with 1 node, taken down at the end.
# Node CPU: the children's times the node's sshd listener and init have collected and init's own
# (it serves systemctl and auditctl and supervises the units: the restarted kubelet and containerd
# are its children, so their start-up counts, for apply as for the floor), before and after; the
# restarted services' CPU until they are reaped is not in it (the next restart reaps them).
set -euo pipefail
cd "$(dirname "$0")/.."
export NODEWARD_LAB_ID=${NODEWARD_LAB_ID:-8}
RUNS=${RUNS:-3}
npm run -s build
npx tsx lab/cli.ts up 1 >/dev/null 2>&1
trap 'npx tsx lab/cli.ts down >/dev/null 2>&1' EXIT
lab=/tmp/nodeward-lab$NODEWARD_LAB_ID
dir=$(mktemp -d)
tick=$(getconf CLK_TCK)
. bench/lib/node-cpu.sh
measure() {   # prints the node CPU ms the command cost (after a moment for the session to be reaped)
  local before; sleep 1; nodecpu_pids "$lab/lab.json"; before=$(nodecpu_ticks)
  "$@" > "$dir/last" 2>&1 || true
  sleep 1; echo $(( ($(nodecpu_ticks) - before) * 1000 / tick ))
}
cat > "$dir/floor_ssh_config" <<CFG
Host bastion
  ControlMaster auto
  ControlPath $dir/cm-%C
  ControlPersist 60
Host *
Include $lab/ssh_config
CFG
api=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).apiserver.url)' "$lab/lab.json")
reset() { npx tsx lab/cli.ts reset node-1 >/dev/null; }
: > "$dir/apply"; : > "$dir/floor"; : > "$dir/plan"
for _ in $(seq "$RUNS"); do
  reset; measure node dist/cli/main.js plan -i "$lab/inventory.yaml" "$@" --limit node-1 -q >> "$dir/plan"
  measure node dist/cli/main.js apply -i "$lab/inventory.yaml" "$@" --limit node-1 --yes -q >> "$dir/apply"
  grep -q 'applied' "$dir/last" || { echo "apply did not apply:" >&2; cat "$dir/last" >&2; }
  measure node bench/lib/restart-floor.mjs "$dir/floor_ssh_config" 1 "$api" >> "$dir/floor"
done
for k in plan apply floor; do
  echo "node CPU per $k (ms; $RUNS runs): median $(nodecpu_median < "$dir/$k") [$(tr '\n' ' ' < "$dir/$k")]"
done
rm -rf "$dir"
