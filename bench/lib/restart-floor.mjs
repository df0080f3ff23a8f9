// The restart floor (issue 16): what any tool must wait for to restart containerd and the kubelet
// on every node and see them healthy, with nothing of nodeward in it. In parallel, every node through
// the floor's ssh config (one multiplexed bastion connection): restart containerd, then the kubelet,
// note the node's clock, poll the kubelet's /healthz on the node until it answers; then from here,
// poll the API server until every Node is Ready with a heartbeat newer than its restart.
//   node restart-floor.mjs SSH_CONFIG N API_URL
// Prints "FAIL node-N …" per failure and one line "phases restart+healthz=S ready=S".
import { spawn } from 'node:child_process';

const [config, count, api] = process.argv.slice(2);
const n = Number(count);
const started = performance.now();
const remote = 'sudo -n sh -c \'systemctl restart containerd && systemctl restart kubelet || exit 1; t=$(date +%s); i=0; until curl -fsS -m 2 http://127.0.0.1:10248/healthz >/dev/null 2>&1; do i=$((i+1)); [ $i -gt 600 ] && exit 2; sleep 0.1; done; echo "$t"\'';

function restart(name) {
  return new Promise((resolve) => {
    const child = spawn('ssh', ['-F', config, name, remote], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => resolve(code === 0 ? { name, at: Number(out.trim()) } : { name, error: `exit ${code}` }));
  });
}

const ssh = spawn('ssh', ['-F', config, '-o', 'ControlMaster=yes', '-fN', 'bastion'], { stdio: 'inherit' });
await new Promise((r) => ssh.on('close', r));
const names = Array.from({ length: n }, (_, i) => `node-${i + 1}`);
const restarted = await Promise.all(names.map(restart));
const healthy = performance.now();
for (const r of restarted) if (r.error) console.log(`FAIL ${r.name} ${r.error}`);
const since = new Map(restarted.filter((r) => !r.error).map((r) => [r.name, r.at]));
const deadline = Date.now() + 300_000;
for (;;) {
  const list = await (await fetch(`${api}/api/v1/nodes`)).json();
  const waiting = [...since].filter(([name, at]) => {
    const ready = list.items.find((i) => i.metadata.name === name)?.status?.conditions?.find((c) => c.type === 'Ready');
    return !(ready?.status === 'True' && Math.floor(Date.parse(ready.lastHeartbeatTime) / 1000) > at);
  });
  if (waiting.length === 0) break;
  if (Date.now() > deadline) {
    for (const [name] of waiting) console.log(`FAIL ${name} not Ready with a fresh heartbeat`);
    break;
  }
  await new Promise((r) => setTimeout(r, 250));
}
const done = performance.now();
spawn('ssh', ['-F', config, '-O', 'exit', 'bastion'], { stdio: 'ignore' });
console.log(`phases restart+healthz=${((healthy - started) / 1000).toFixed(2)} ready=${((done - healthy) / 1000).toFixed(2)}`);
