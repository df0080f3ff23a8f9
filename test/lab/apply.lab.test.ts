import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { labFault, labHeal, labReset } from '../../lab/lab.ts';
import { testLab } from './helpers.ts';
import { nodeSnapshot, nodeward, onNode, tempFilesOn } from './nodeward.ts';

interface ApplyJson {
  runId: string;
  stopped: string | null;
  nodes: { name: string; status: string; reason: string | null; restarted: string[]; changes: number }[];
}

const lab = testLab();
const inventory = lab.info.files.inventory;
const names = lab.info.nodes.map((n) => n.name);
const [n1 = 'node-1', n2 = 'node-2', n3 = 'node-3', n4 = 'node-4'] = names;
// Apply's mechanics with the playbooks that restart the kubelet; all playbooks: test/lab/playbooks*.lab.test.ts.
const PLAYBOOKS = ['kubelet', 'kernel', 'files'];

async function kubeletStarts(node: string): Promise<number> {
  return Number((await onNode(node, 'journalctl -u kubelet --no-pager | grep -c "Kubelet version" || true')).trim());
}

/** Node Ready conditions straight from the API server's REST (not through nodeward's client). */
async function readyNodes(): Promise<Record<string, string>> {
  const list = (await (await fetch(`${lab.info.apiserver.url}/api/v1/nodes`)).json()) as { items: { metadata: { name: string }; status: { conditions: { type: string; status: string }[] } }[] };
  return Object.fromEntries(list.items.map((i) => [i.metadata.name, i.status.conditions.find((c) => c.type === 'Ready')?.status ?? '?']));
}

async function runsOn(node: string): Promise<number> {
  return Number((await onNode(node, 'ls /var/lib/nodeward/runs 2>/dev/null | wc -l')).trim());
}

async function playbook(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nw-pb-'));
  await writeFile(join(dir, 'test.yaml'), text);
  return join(dir, 'test.yaml');
}

function outcome(json: ApplyJson, node: string) {
  return json.nodes.find((n) => n.name === node);
}

describe('nodeward apply (lab)', () => {
  beforeAll(async () => {
    await labHeal();
  });

  beforeEach(async () => {
    await labHeal();
    await labReset();
  });

  afterAll(async () => {
    await labHeal();
    await labReset();
  });

  it('converges every node, restarts kubelet once per node, Nodes Ready; a second apply changes and restarts nothing', async () => {
    const startsBefore = await Promise.all(names.map(kubeletStarts));
    const first = await nodeward(['apply', '-i', inventory, ...PLAYBOOKS, '--yes', '--json', '--batch', '1,100%', '--health-timeout', '60']);
    expect(first.code, first.stderr).toBe(0);
    const json = JSON.parse(first.stdout) as ApplyJson;
    for (const name of names) expect(outcome(json, name)).toMatchObject({ status: 'applied', restarted: ['kubelet'] });
    const startsAfter = await Promise.all(names.map(kubeletStarts));
    expect(startsAfter.map((n, i) => n - (startsBefore[i] ?? 0))).toEqual(names.map(() => 1));
    expect(Object.values(await readyNodes()).every((s) => s === 'True')).toBe(true);

    // independent audits, plain shell on the node
    for (const name of names) {
      expect((await onNode(name, 'sysctl -n net.ipv4.conf.all.accept_redirects net.ipv4.tcp_syncookies')).split('\n').slice(0, 2)).toEqual(['0', '1']);
      expect((await onNode(name, 'stat -c %a /etc/kubernetes/kubelet.conf /var/lib/kubelet/config.yaml')).trim().split('\n')).toEqual(['600', '600']);
      expect(await onNode(name, 'grep -E "^(readOnlyPort|  mode):" /var/lib/kubelet/config.yaml')).toMatch(/mode: Webhook[\s\S]*readOnlyPort: 0/);
      expect(await onNode(name, 'grep -h accept_redirects /etc/sysctl.d/99-k8s-hardening.conf')).toContain('net.ipv4.conf.all.accept_redirects = 0');
      expect(await tempFilesOn(name)).toBe('');
      expect(await onNode(name, 'stat -c %a /var/lib/nodeward; ls /var/lib/nodeward')).toMatch(/^700\n/);
    }

    const second = await nodeward(['apply', '-i', inventory, ...PLAYBOOKS, '--yes', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect((JSON.parse(second.stdout) as ApplyJson).nodes.every((n) => n.status === 'in-sync' && n.restarted.length === 0)).toBe(true);
    expect(await Promise.all(names.map(kubeletStarts))).toEqual(startsAfter);

    const plan = await nodeward(['plan', '-i', inventory, ...PLAYBOOKS, '-q']);
    expect(plan.code).toBe(0);
  });

  it('rolls a node whose kubelet crash-loops back byte for byte, Ready again; --max-failures 0 stops the next batch', async () => {
    const before = await Promise.all(names.map(nodeSnapshot));
    await labFault('kubelet-crash', n1);
    const result = await nodeward(['apply', '-i', inventory, ...PLAYBOOKS, '--yes', '--json', '--batch', '1,100%', '--max-failures', '0', '--health-timeout', '40']);
    expect(result.code, result.stderr).toBe(3);
    const json = JSON.parse(result.stdout) as ApplyJson;
    expect(outcome(json, n1)?.status).toBe('rolled-back');
    expect(outcome(json, n1)?.reason).toMatch(/kubelet/);
    for (const name of names.slice(1)) expect(outcome(json, name)?.status).toBe('skipped');
    expect(json.stopped).toMatch(/failure budget/);
    expect(result.stdout).not.toContain('"status": "applied"');
    // the canary is exactly as before, and so is every node of the batch that never started
    expect(await Promise.all(names.map(nodeSnapshot))).toEqual(before);
    expect(await tempFilesOn(n1)).toBe('');
    expect(await onNode(n1, 'systemctl is-active kubelet')).toBe('active\n');
    await expect.poll(async () => (await readyNodes())[n1], { timeout: 20_000 }).toBe('True');
  });

  it('refuses a kubelet cgroupDriver that does not match containerd, with nothing written', async () => {
    const file = await playbook('name: drivers\nresources:\n  - name: cgroupfs\n    kubeletConfig: { set: { cgroupDriver: cgroupfs } }\n');
    const before = await nodeSnapshot(n2);
    const runsBefore = await runsOn(n2);
    const result = await nodeward(['apply', '-i', inventory, file, '--yes', '--json', '--limit', n2]);
    expect(result.code).toBe(1);
    expect(outcome(JSON.parse(result.stdout) as ApplyJson, n2)).toMatchObject({ status: 'refused', reason: expect.stringMatching(/cgroup-driver/) });
    expect(await nodeSnapshot(n2)).toBe(before);
    expect(await runsOn(n2)).toBe(runsBefore);
  });

  it('moves a cgroupfs node to the systemd driver on both sides in one run: containerd is gated on its unit, the node on the kubelet restarted after it', async () => {
    const n5 = names[4] ?? 'node-5';
    const file = await playbook(
      [
        'name: to-systemd',
        'resources:',
        '  - name: kubelet-driver',
        '    kubeletConfig: { set: { cgroupDriver: systemd } }',
        '  - name: containerd-driver',
        '    tomlConfig:',
        '      path: /etc/containerd/config.toml',
        '      validate: containerd',
        '      restarts: [containerd]',
        '      set:',
        '        \'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options.SystemdCgroup\': true',
        '',
      ].join('\n'),
    );
    expect(await onNode(n5, 'grep -c "SystemdCgroup = false" /etc/containerd/config.toml')).toMatch(/^1/);
    const result = await nodeward(['apply', '-i', inventory, file, '--yes', '--json', '--limit', n5, '--health-timeout', '60']);
    expect(outcome(JSON.parse(result.stdout) as ApplyJson, n5)).toMatchObject({ status: 'applied', restarted: ['containerd', 'kubelet'] });
    expect(result.code).toBe(0);
    expect((await readyNodes())[n5]).toBe('True');
  });

  it('refuses protectKernelDefaults without the kernel tunables, with nothing written', async () => {
    const file = await playbook('name: pkd\nresources:\n  - name: pkd\n    kubeletConfig: { set: { protectKernelDefaults: true } }\n');
    const before = await nodeSnapshot(n2);
    const result = await nodeward(['apply', '-i', inventory, file, '--yes', '--json', '--limit', n2]);
    expect(result.code).toBe(1);
    expect(outcome(JSON.parse(result.stdout) as ApplyJson, n2)).toMatchObject({ status: 'refused', reason: expect.stringMatching(/protect-kernel-defaults.*vm\.overcommit_memory/) });
    expect(await nodeSnapshot(n2)).toBe(before);
  });

  it('applies a saved plan, refusing the node edited after planning', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nw-saved-'));
    const planFile = join(dir, 'plan.json');
    const plan = await nodeward(['plan', '-i', inventory, ...PLAYBOOKS, '--out', planFile, '-q']);
    expect(plan.code).toBe(2);
    expect(((await stat(planFile)).mode & 0o777).toString(8)).toBe('600');
    for (const secret of lab.info.secrets) expect(await readFile(planFile, 'utf8')).not.toContain(secret);
    await onNode(n3, "echo '# hand edit at 3 a.m.' >> /var/lib/kubelet/config.yaml");
    const edited = await nodeSnapshot(n3);
    const result = await nodeward(['apply', '--plan', planFile, '-i', inventory, '--json', '--batch', '100%']);
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout) as ApplyJson;
    expect(outcome(json, n3)).toMatchObject({ status: 'refused', reason: expect.stringMatching(/changed on the node since the plan: (.*, )?\/var\/lib\/kubelet\/config.yaml/) });
    for (const name of names.filter((n) => n !== n3)) expect(outcome(json, name)?.status).toBe('applied');
    expect(await nodeSnapshot(n3)).toBe(edited);

    // the same plan again: each applied node says so once, with a count, not once per change
    const again = await nodeward(['apply', '--plan', planFile, '-i', inventory, '--batch', '100%']);
    expect(again.code).toBe(1);
    for (const name of names.filter((n) => n !== n3)) expect(again.stdout).toMatch(new RegExp(`^${name} +refused `, 'm'));
    expect(again.stdout).toMatch(/stale plan: \d+ of its changes are no longer needed \(applied since the plan was made\?\)/);
    expect(again.stdout.match(/no longer needed/g)?.length).toBeLessThanOrEqual(names.length - 1);
    for (const line of again.stdout.split('\n')) expect(line.length).toBeLessThan(400);
  });

  it('refuses a second concurrent apply on the same node by its lock', async () => {
    await labFault('kubelet-crash', n4); // keeps the first apply busy (gate, then rollback) for a while
    const first = nodeward(['apply', '-i', inventory, ...PLAYBOOKS, '--yes', '--json', '--limit', n4, '--health-timeout', '40']);
    await new Promise((r) => setTimeout(r, 2500));
    const second = await nodeward(['apply', '-i', inventory, ...PLAYBOOKS, '--yes', '--json', '--limit', n4]);
    expect(second.code).toBe(1);
    expect(outcome(JSON.parse(second.stdout) as ApplyJson, n4)).toMatchObject({ status: 'refused', reason: expect.stringMatching(/locked by run \S+ \(.*pid \d+/) });
    const firstResult = await first;
    expect(outcome(JSON.parse(firstResult.stdout) as ApplyJson, n4)?.status).toBe('rolled-back');
  });

  it('on SIGINT finishes the nodes in flight, starts no other, leaves every node applied or untouched and no temp file', async () => {
    const before = await Promise.all(names.map(nodeSnapshot));
    const result = await nodeward(['apply', '-i', inventory, ...PLAYBOOKS, '--yes', '--json', '--batch', '1', '--health-timeout', '60'], {
      onStderr: (text, child) => {
        if (text.includes(`${n1}: applied`) && !child.killed) child.kill('SIGINT');
      },
    });
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('interrupted');
    const json = JSON.parse(result.stdout) as ApplyJson;
    expect(outcome(json, n1)?.status, JSON.stringify(json.nodes)).toBe('applied');
    const skipped = json.nodes.filter((n) => n.status === 'skipped').map((n) => n.name);
    expect(skipped.length).toBeGreaterThanOrEqual(names.length - 2);
    const after = await Promise.all(names.map(nodeSnapshot));
    for (const [i, name] of names.entries()) {
      const status = outcome(json, name)?.status;
      if (status === 'skipped') expect(after[i]).toBe(before[i]);
      else expect(status).toBe('applied');
      expect(await tempFilesOn(name)).toBe('');
    }
  });
});
