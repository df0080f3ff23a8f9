import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { labFault, labHeal, labReset } from '../../lab/lab.ts';
import { testLab } from './helpers.ts';
import { leftoverProcesses, nodeSnapshot, nodeward, onNode, tempFilesOn } from './nodeward.ts';

interface ApplyJson {
  stopped: string | null;
  nodes: { name: string; status: string; reason: string | null; restarted: string[] }[];
}

const lab = testLab();
const inventory = lab.info.files.inventory;
const names = lab.info.nodes.map((n) => n.name);
const [n1 = 'node-1', n2 = 'node-2', n3 = 'node-3'] = names;
// Short node-lock expiry so a run that died leaves a lock the next run may take over within the test.
const LOCK_TTL = 8;
// The focused set of playbooks these faults are exercised with (kubelet restarts, files, sysctls).
const PLAYBOOKS = ['kubelet', 'kernel', 'files'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function status(json: ApplyJson, node: string): string | undefined {
  return json.nodes.find((n) => n.name === node)?.status;
}

async function kubeletStarts(node: string): Promise<number> {
  return Number((await onNode(node, 'journalctl -u kubelet --no-pager | grep -c "Kubelet version" || true')).trim());
}

async function runStates(node: string): Promise<string> {
  return onNode(node, 'for d in /var/lib/nodeward/runs/*/; do [ -f "$d/state" ] && printf "%s:%s\\n" "$(cat "$d/state")" "$(tr "\\n" " " < "$d/owed" 2>/dev/null)"; done; true');
}

async function expectConverged(): Promise<void> {
  const plan = await nodeward(['plan', '-i', inventory, ...PLAYBOOKS, '-q']);
  expect(plan.code, plan.stdout).toBe(0);
  for (const name of names) expect(await tempFilesOn(name)).toBe('');
}

describe('faults (lab): nothing lost, everything reported', () => {
  beforeEach(async () => {
    await labHeal();
    await labReset();
  });

  afterAll(async () => {
    await labHeal();
    await labReset();
  });

  it("a node's sshd down during plan is reported while the others plan", async () => {
    await labFault('sshd-down', n2);
    const result = await nodeward(['plan', '-i', inventory, ...PLAYBOOKS, '--json']);
    expect(result.code).toBe(1);
    const plan = JSON.parse(result.stdout) as { nodes: { name: string; status: string; error: { message: string } | null }[] };
    expect(plan.nodes.find((n) => n.name === n2)).toMatchObject({ status: 'error', error: { message: expect.stringMatching(/refused|closed|connect/i) } });
    expect(plan.nodes.filter((n) => n.name !== n2).every((n) => n.status === 'changes')).toBe(true);
  });

  it('a node lost after its backup and writes, before the restart: reported; the rerun finds the owed restart, does it, converges', async () => {
    let cut = false;
    const result = await nodeward(['apply', '-i', inventory, ...PLAYBOOKS, '--yes', '--json', '--batch', '100%', '--command-timeout', '6', '--connect-timeout', '4', '--lock-ttl', String(LOCK_TTL), '--health-timeout', '20'], {
      onStderr: (text) => {
        if (!cut && text.includes(`${n2}: writing`)) {
          cut = true;
          void labFault('partition', n2);
        }
      },
    });
    expect(cut).toBe(true);
    const json = JSON.parse(result.stdout) as ApplyJson;
    expect(['failed', 'unreachable']).toContain(status(json, n2));
    expect(json.nodes.find((n) => n.name === n2)?.reason).toMatch(/did not finish|closed|connect|keepalive/i);
    for (const name of names.filter((n) => n !== n2)) expect(status(json, name)).toBe('applied');
    await labHeal('partition', n2);

    // on the node: the files are written whole, no temp file, the restart still owed
    expect(await tempFilesOn(n2)).toBe('');
    expect(await runStates(n2)).toMatch(/^(written|restarting):kubelet $/m);
    const starts = await kubeletStarts(n2);
    await sleep(LOCK_TTL * 1000 + 1000);
    const rerun = await nodeward(['apply', '-i', inventory, ...PLAYBOOKS, '--yes', '--json', '--limit', n2, '--health-timeout', '30']);
    expect(rerun.code, rerun.stderr).toBe(0);
    // its controller (this test's child) is gone: the lock is taken over
    expect(rerun.stderr).toMatch(/took over (an expired lock|the lock of run \S+, whose nodeward process)/);
    expect(rerun.stderr).toMatch(/finished run \S+, interrupted before its restarts \(kubelet\)/);
    expect(await kubeletStarts(n2)).toBeGreaterThan(starts);
    expect(await runStates(n2)).toMatch(/^done: $/m);
    await expectConverged();
  });

  it("the bastion's sshd restarting mid-run: affected nodes fail with a clear cause, nothing hangs, the rerun converges", async () => {
    let restarted = false;
    const started = Date.now();
    const result = await nodeward(['apply', '-i', inventory, ...PLAYBOOKS, '--yes', '--json', '--batch', '100%', '--command-timeout', '8', '--lock-ttl', String(LOCK_TTL), '--health-timeout', '20'], {
      onStderr: (text) => {
        if (!restarted && text.includes('waiting for health')) {
          restarted = true;
          void labFault('bastion-restart', 'bastion');
        }
      },
    });
    expect(restarted).toBe(true);
    expect(Date.now() - started).toBeLessThan(90_000);
    const json = JSON.parse(result.stdout) as ApplyJson;
    for (const node of json.nodes) {
      if (node.status !== 'applied') expect(node.reason, node.name).toMatch(/bastion|closed|connect|timed out/i);
    }
    await sleep(LOCK_TTL * 1000 + 1000);
    const rerun = await nodeward(['apply', '-i', inventory, ...PLAYBOOKS, '--yes', '--json', '--batch', '100%', '--health-timeout', '30']);
    expect(rerun.code, rerun.stderr).toBe(0);
    await expectConverged();
  });

  it('added latency on the controller–bastion link slows but does not break a run', async () => {
    await labFault('latency', 'bastion', '50');
    try {
      const result = await nodeward(['plan', '-i', inventory, ...PLAYBOOKS, '--json']);
      expect(result.code).toBe(2);
      expect((JSON.parse(result.stdout) as { nodes: { status: string }[] }).nodes.every((n) => n.status === 'changes')).toBe(true);
    } finally {
      await labHeal('latency', 'bastion');
    }
  });

  it('the controller killed (SIGKILL) mid-apply: nothing of it runs on the nodes, a half-written node rolls itself back, the next run takes the lock over at once and converges', async () => {
    const result = await nodeward(['apply', '-i', inventory, ...PLAYBOOKS, '--yes', '--json', '--batch', '100%'], {
      onStderr: (text, child) => {
        if (text.includes(`${n3}: writing`) && !child.killed) child.kill('SIGKILL');
      },
    });
    expect(result.stdout).toBe('');
    for (const name of names) {
      // the node saw its lifeline close: its scripts are gone, a run cut off half-way was rolled back there
      await expect.poll(() => leftoverProcesses(name), { timeout: 20_000 }).toBe('');
      await expect.poll(() => runStates(name), { timeout: 20_000 }).not.toMatch(/^(started|writing|rolling-back):/m);
    }
    const rerun = await nodeward(['apply', '-i', inventory, ...PLAYBOOKS, '--yes', '--json', '--batch', '100%', '--health-timeout', '30']);
    expect(rerun.code, rerun.stderr).toBe(0);
    // this machine can tell that the controller holding the locks is gone: no waiting for their expiry
    expect(rerun.stderr).toMatch(/took over the lock of run \S+, whose nodeward process \(pid \d+ on this machine\) is gone/);
    for (const name of names) {
      expect(await runStates(name)).not.toMatch(/^(started|writing|written|restarting|rolling-back|restored):/m);
      expect(await leftoverProcesses(name)).toBe('');
    }
    await expectConverged();
  });

  it('containerd refusing its new config: rolled back byte for byte, containerd active again', async () => {
    const config = await onNode(n1, 'cat /etc/containerd/config.toml');
    const dir = await mkdtemp(join(tmpdir(), 'nw-ctd-'));
    await writeFile(join(dir, 'containerd.yaml'), `name: ctd\nresources:\n  - name: config\n    file: { path: /etc/containerd/config.toml, mode: "0644", owner: root, group: root, restarts: [containerd], source: ./config.toml }\n`);
    await writeFile(join(dir, 'config.toml'), `${config}\n# tuned by the platform team\n`);
    const before = await onNode(n1, 'sha256sum /etc/containerd/config.toml; stat -c %a:%U:%G /etc/containerd/config.toml');
    await labFault('containerd-refuse', n1);
    const result = await nodeward(['apply', '-i', inventory, join(dir, 'containerd.yaml'), '--yes', '--json', '--limit', n1, '--health-timeout', '25']);
    expect(result.code, result.stderr).toBe(3);
    expect((JSON.parse(result.stdout) as ApplyJson).nodes[0]).toMatchObject({ status: 'rolled-back', reason: expect.stringMatching(/containerd/) });
    expect(await onNode(n1, 'sha256sum /etc/containerd/config.toml; stat -c %a:%U:%G /etc/containerd/config.toml')).toBe(before);
    expect(await onNode(n1, 'systemctl is-active containerd')).toBe('active\n');
  });

  it('a run left half-written is rolled back first; the plan that announced it is re-planned, not refused as stale', async () => {
    const first = await nodeward(['apply', '-i', inventory, 'kernel', '--yes', '--json', '--limit', n2]);
    expect(first.code, first.stderr).toBe(0);
    const runId = (JSON.parse(first.stdout) as { runId: string }).runId;
    // as a controller killed mid-write leaves it: every change made, the run still marked writing
    await onNode(n2, `echo writing > /var/lib/nodeward/runs/${runId}/state`);
    const again = await nodeward(['apply', '-i', inventory, 'kernel', '--yes', '--json', '--limit', n2]);
    expect(again.stdout + again.stderr).toContain(`run ${runId} was interrupted (writing): apply rolls it back first and re-plans this node`);
    expect(again.stderr).toMatch(new RegExp(`rolled back run ${runId}, interrupted while writing`));
    expect(again.stderr).toMatch(/re-planned after rolling back .*(needed now that the plan does not have|changed on the node since the plan)/);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as ApplyJson).nodes[0]?.status).toBe('applied');
    const plan = await nodeward(['plan', '-i', inventory, 'kernel', '-q', '--limit', n2]);
    expect(plan.code, plan.stdout).toBe(0);
  });

  it("a validator that never answers (the issue's case): the node stops it at --command-timeout, the run is rolled back and says what it undid, nothing of it is left and the node is free", async () => {
    const before = await nodeSnapshot(n1);
    await labFault('validator-hang', n1);
    const started = Date.now();
    const result = await nodeward(['apply', '-i', inventory, 'kernel', 'containerd', '--yes', '--json', '--limit', n1, '--command-timeout', '5']);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(result.code, result.stderr).toBe(3);
    const json = JSON.parse(result.stdout) as ApplyJson & { runId: string; nodes: { undone?: string[] }[] };
    const outcome = json.nodes[0];
    expect(outcome).toMatchObject({ status: 'rolled-back', reason: expect.stringMatching(/the validator `containerd --config <new \/etc\/containerd\/config.toml> config dump` did not finish within 5 s; the node stopped it/) });
    // the kernel tunables it had set live first are named among what was undone
    expect(outcome?.undone).toEqual(expect.arrayContaining(['sysctl net.ipv4.conf.all.accept_redirects']));
    expect(result.stderr).not.toMatch(/Undo it with/);
    expect(await nodeSnapshot(n1)).toBe(before);
    expect(await leftoverProcesses(n1)).toBe('');
    expect(await onNode(n1, 'test -e /var/lib/nodeward/lock && echo locked || echo free')).toBe('free\n');
    await labHeal('validator-hang', n1);
    const next = await nodeward(['apply', '-i', inventory, 'kernel', 'containerd', '--yes', '--json', '--limit', n1]);
    expect(next.code, next.stderr).toBe(0);
  });

  it('a package manager waiting on a lock another apt-get holds is bounded: the node gives up after --package-timeout, names the lock, rolls back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nw-aptlock-'));
    await writeFile(join(dir, 'patch.yaml'), 'name: patch\nresources:\n  - name: containerd-fix\n    package: { versions: { containerd.io: 1.7.22-1 }, restarts: [containerd] }\n');
    await labFault('apt-lock', n2);
    const result = await nodeward(['apply', '-i', inventory, join(dir, 'patch.yaml'), '--yes', '--json', '--limit', n2, '--package-timeout', '6']);
    const outcome = (JSON.parse(result.stdout) as ApplyJson).nodes[0];
    expect(['rolled-back', 'refused']).toContain(outcome?.status);
    expect(outcome?.reason).toMatch(/installing containerd\.io 1\.7\.22-1 failed: E: Unable to acquire the dpkg frontend lock/);
    expect(await onNode(n2, "dpkg-query -W -f='${Version}' containerd.io")).toBe('1.7.20-1');
    await labHeal('apt-lock', n2); // the lab's own lock holder goes first: what is left is nodeward's
    expect(await leftoverProcesses(n2)).toBe('');
  });

  it('a full disk fails the atomic write cleanly: the original is untouched, no temp file', async () => {
    // a small tmpfs over /etc/kubernetes inside node-1 only, filled up
    await onNode(n1, 'mkdir -p /run/nw-k && cp -a /etc/kubernetes/. /run/nw-k/ && mount -t tmpfs -o size=256k tmpfs /etc/kubernetes && cp -a /run/nw-k/. /etc/kubernetes/ && printf original > /etc/kubernetes/extra.conf && (dd if=/dev/zero of=/etc/kubernetes/filler bs=4k 2>/dev/null; true)');
    try {
      const dir = await mkdtemp(join(tmpdir(), 'nw-full-'));
      await writeFile(join(dir, 'full.yaml'), `name: full\nresources:\n  - name: extra\n    file: { path: /etc/kubernetes/extra.conf, content: "${'x'.repeat(20000)}" }\n`);
      const before = await nodeSnapshot(n1);
      const result = await nodeward(['apply', '-i', inventory, join(dir, 'full.yaml'), '--yes', '--json', '--limit', n1]);
      expect(result.code).not.toBe(0);
      const outcome = (JSON.parse(result.stdout) as ApplyJson).nodes[0];
      expect(['rolled-back', 'refused']).toContain(outcome?.status);
      expect(outcome?.reason).toMatch(/disk full|No space|cannot write/i);
      expect(await onNode(n1, 'cat /etc/kubernetes/extra.conf')).toBe('original');
      expect(await tempFilesOn(n1)).toBe('');
      expect(await nodeSnapshot(n1)).toBe(before);
    } finally {
      await onNode(n1, 'umount /etc/kubernetes; rm -rf /run/nw-k');
    }
  });
});
