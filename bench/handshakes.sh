#!/bin/sh
# `nodeward plan` under different handshake settings, alternating their order every repetition
# (the machine is shared): wall, the controller's CPU (user+sys) and peak RSS from GNU time, the
# load average and CPU pressure at the start of each run, the nodes in error, and the connector's
# stats (handshakes in flight across the fleet, at one bastion, at one node).
#
#   sh bench/handshakes.sh INVENTORY REPS LABEL=DIST[,FLAG,VALUE...] ...
#   e.g. sh bench/handshakes.sh /tmp/nodeward-lab31/inventory.yaml 6 k8=dist,--max-handshakes,8 default=dist
#
# DIST is a built dist/ (a copy of another commit's, with its package.json and playbooks/ next to
# it, compares two versions). Rows go to stdout as tab-separated values. Lab: `NODEWARD_LAB_ID=31
# npx tsx lab/cli.ts up 50` (root); plan changes nothing on the nodes, so runs need no reset.
set -eu
inventory=$1; reps=$2; shift 2
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
printf 'rep\tsetting\twall_s\tuser_s\tsys_s\tmaxrss_kib\texit\tload1\tcpu_some_avg10\terrors\tstats\n'
r=0
while [ "$r" -lt "$reps" ]; do
  r=$((r + 1))
  if [ $((r % 2)) -eq 1 ]; then order="$*"; else order=$(printf '%s\n' "$@" | tac | tr '\n' ' '); fi
  for setting in $order; do
    label=${setting%%=*}; rest=${setting#*=}; dist=${rest%%,*}
    flags=$(printf '%s' "$rest" | cut -s -d, -f2- | tr ',' ' ')
    load=$(cut -d' ' -f1 /proc/loadavg)
    pressure=$(sed -n 's/^some avg10=\([0-9.]*\).*/\1/p' /proc/pressure/cpu)
    rm -f "$work/stats"
    # shellcheck disable=SC2086 # flags are words
    /usr/bin/time -o "$work/time" -f '%e\t%U\t%S\t%M\t%x' node "$dist/cli/main.js" plan -i "$inventory" -q --json $flags \
      --connection-stats "$work/stats" >"$work/plan.json" 2>"$work/stderr" || true
    errors=$(node -e 'const p=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(p.nodes.filter(n=>n.status==="error").length+"/"+p.nodes.length)' "$work/plan.json" 2>/dev/null || echo unreadable)
    stats=$(tail -1 "$work/stats" 2>/dev/null | sed 's/"execs":{[^}]*},\{0,1\}//')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$label" "$(tail -1 "$work/time")" "$load" "$pressure" "$errors" "$stats"
  done
done
