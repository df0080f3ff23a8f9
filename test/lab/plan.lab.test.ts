import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labFault, labHeal, labReset } from '../../lab/lab.ts';
import { loadInventory } from '../../src/config/load-inventory.ts';
import { selectHosts } from '../../src/config/select.ts';
import { loadPlaybook } from '../../src/config/load-playbook.ts';
import { validatePlaybooksForHosts } from '../../src/config/validate-playbooks.ts';
import { resolvePlaybookArgs } from '../../src/config/playbook-args.ts';
import { planFleet } from '../../src/run/plan-fleet.ts';
import { createSshConnector } from '../../src/transport/ssh-connector.ts';
import { BUNDLED_PLAYBOOKS } from '../../src/run/inputs.ts';
import { execIn } from '../../lab/exec.ts';
import { testLab } from './helpers.ts';
import { nodeward } from './nodeward.ts';

interface JsonPlan {
  nodes: { name: string; status: string; error: { message: string } | null; changes: { resource: string; target: string; action: string; summary: string[]; diff: string | null; restarts: string[] }[] }[];
}

describe('nodeward plan through the bastion (lab)', () => {
  const lab = testLab();
  const inventory = lab.info.files.inventory;
  const names = lab.info.nodes.map((n) => n.name);

  beforeAll(async () => {
    await labHeal();
    await labReset();
  });

  afterAll(async () => {
    await labHeal();
  });

  it('shows the seeded drift on every node and exits 2', async () => {
    const result = await nodeward(['plan', '-i', inventory, '--json']);
    expect(result.code, result.stderr).toBe(2);
    const plan = JSON.parse(result.stdout) as JsonPlan;
    expect(plan.nodes.map((n) => n.name)).toEqual(lab.info.nodes.map((n) => n.name));
    for (const node of plan.nodes) {
      expect(node.status).toBe('changes');
      const kubelet = node.changes.find((c) => c.resource === 'kubeletConfig');
      expect(kubelet?.target).toBe('/var/lib/kubelet/config.yaml');
      expect(kubelet?.summary).toEqual(expect.arrayContaining(['readOnlyPort: 10255 → 0', 'authentication.anonymous.enabled: true → false', 'authorization.mode: AlwaysAllow → Webhook']));
      expect(kubelet?.restarts).toEqual(['kubelet']);
      expect(kubelet?.diff).toContain('-readOnlyPort: 10255');
      expect(node.changes.find((c) => c.target === '/etc/kubernetes/kubelet.conf')?.summary).toEqual(['mode 0644 → 0600']);
      expect(node.changes.find((c) => c.target === 'net.ipv4.conf.all.accept_redirects')?.summary[0]).toBe('live 1 → 0');
    }
    // nodes differ: the vendor file that shadows a key is seeded on every third node only
    const shadowed = plan.nodes.filter((n) => n.changes.some((c) => c.resource === 'sysctlFile' && c.target.includes('99-zz-vendor')));
    expect(shadowed.map((n) => n.name)).toEqual(plan.nodes.filter((_, i) => (i + 1) % 3 === 0).map((n) => n.name));
    // secrets never leave the node
    for (const secret of lab.info.secrets) expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it('prints a grouped plan for humans: summary first, each change once, a footer that counts', async () => {
    const result = await nodeward(['plan', '-i', inventory]);
    expect(result.code).toBe(2);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^node-1: \d+ changes, restarts containerd, kubelet$/);
    expect(result.stdout.match(/~ kubeletConfig \/var\/lib\/kubelet\/config\.yaml/g)).toHaveLength(1);
    expect(result.stdout).toContain('+readOnlyPort: 0');
    // the vendor file that shadows a key is seeded on every third node: shown once, marked with its node
    expect(result.stdout).toMatch(/sysctlFile \/etc\/sysctl\.d\/99-zz-vendor\.conf {2}\[SYS-04\] {2}\(on node-3\)/);
    expect(lines.at(-1)).toMatch(new RegExp(`^Plan: ${names.length} nodes, \\d+ changes, ${2 * names.length} restarts; ${names.length} with changes, 0 in sync, 0 refused, 0 locked, 0 errors$`));
    expect(result.stderr).toMatch(/node-1: \d+ change\(s\)/);
    // the whole plan of the 5-node lab was 1,596 lines when every node was shown in full
    expect(lines.length).toBeLessThan(400);
    const none = await nodeward(['plan', '-i', inventory, '--diff', 'none']);
    expect(none.stdout).not.toContain('+readOnlyPort: 0');
    expect(none.stdout).toContain('readOnlyPort: 10255 → 0');
    const full = await nodeward(['plan', '-i', inventory, '--diff', 'full', 'kubelet']);
    expect(full.stdout).toMatch(/^ +@@ -\d+,\d+ \+\d+,\d+ @@/m);
  });

  it('reads each node with one exec over one bastion connection', async () => {
    const inv = await loadInventory(inventory);
    const hosts = selectHosts(inv, []);
    const playbooks = await Promise.all((await resolvePlaybookArgs([], BUNDLED_PLAYBOOKS)).map((f) => loadPlaybook(f)));
    const byHost = validatePlaybooksForHosts(playbooks, hosts);
    const connector = createSshConnector(inv);
    try {
      const plans = await planFleet(hosts, new Map(hosts.map((h) => [h.name, (byHost.get(h.name) ?? []).flatMap((p) => p.entries)])), connector, { concurrency: 50 });
      expect(plans.every((p) => p.status === 'changes')).toBe(true);
      const stats = connector.stats();
      expect(stats.bastionConnections).toBe(1);
      expect(stats.nodeSessions).toBe(hosts.length);
      expect(Object.values(stats.execs)).toEqual(hosts.map(() => 1));
      // independently, while our sessions are still open: the bastion's sshd has exactly one TCP connection
      const ss = await execIn(lab.info.bastion.pid, ['sh', '-c', 'ss -Htn state established "( sport = :22 )" | wc -l']);
      expect(Number(ss.stdout.trim())).toBe(1);
    } finally {
      await connector.closeAll();
    }
  });

  it('refuses a node whose host key changed while the others plan', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nw-hk-'));
    const knownHosts = (await readFile(lab.info.files.knownHosts, 'utf8')).split('\n');
    const victim = lab.info.nodes[1];
    if (!victim) throw new Error('need 2 nodes');
    // node-2's entry now carries node-3's key: what a re-imaged or spoofed node looks like
    const other = knownHosts.find((l) => l.startsWith(`${lab.info.nodes[2]?.address ?? ''} `))?.split(' ').slice(1).join(' ');
    const changed = knownHosts.map((line) => (line.startsWith(`${victim.address} `) ? `${victim.address} ${other ?? ''}` : line));
    await writeFile(join(dir, 'known_hosts'), changed.join('\n'));
    await copyFile(lab.info.files.identityFile, join(dir, 'id_ed25519'));
    await copyFile(lab.info.files.kubeconfig, join(dir, 'kubeconfig'));
    await writeFile(join(dir, 'inventory.yaml'), (await readFile(inventory, 'utf8')));
    const result = await nodeward(['plan', '-i', join(dir, 'inventory.yaml'), '--json']);
    expect(result.code).toBe(1);
    const plan = JSON.parse(result.stdout) as JsonPlan;
    const refused = plan.nodes.find((n) => n.name === victim.name);
    expect(refused?.status).toBe('error');
    expect(refused?.error?.message).toMatch(/changed/i);
    expect(refused?.error?.message).toContain(victim.address);
    expect(refused?.error?.message).toMatch(/SHA256:[A-Za-z0-9+/]{20,}/);
    expect(plan.nodes.filter((n) => n.name !== victim.name).every((n) => n.status === 'changes')).toBe(true);
  });

  it('refuses a changed key even with --accept-new, and checks the bastion key the same way', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nw-hk2-'));
    const lines = (await readFile(lab.info.files.knownHosts, 'utf8')).split('\n');
    const keyOf = (address: string) => lines.find((l) => l.startsWith(`${address} `))?.split(' ').slice(1).join(' ') ?? '';
    const node1 = lab.info.nodes[0]?.address ?? '';
    const node2 = lab.info.nodes[1]?.address ?? '';
    const swap = (line: string, victim: string, donor: string) => (line.startsWith(`${victim} `) ? `${victim} ${keyOf(donor)}` : line);
    await copyFile(lab.info.files.identityFile, join(dir, 'id_ed25519'));
    await copyFile(lab.info.files.kubeconfig, join(dir, 'kubeconfig'));
    await writeFile(join(dir, 'inventory.yaml'), await readFile(inventory, 'utf8'));
    // a node's key changed: --accept-new must not accept it
    await writeFile(join(dir, 'known_hosts'), lines.map((l) => swap(l, node1, node2)).join('\n'));
    const accepted = await nodeward(['plan', '-i', join(dir, 'inventory.yaml'), '--json', '--accept-new']);
    expect(accepted.code).toBe(1);
    const plan = JSON.parse(accepted.stdout) as JsonPlan;
    expect(plan.nodes[0]?.error?.message).toMatch(/changed/i);
    expect(await readFile(join(dir, 'known_hosts'), 'utf8')).not.toContain(`${node1} ${keyOf(node1)}`);
    // the bastion's key changed: every node is refused at the bastion hop, none is contacted
    await writeFile(join(dir, 'known_hosts'), lines.map((l) => swap(l, lab.info.bastion.address, node2)).join('\n'));
    const bastion = await nodeward(['plan', '-i', join(dir, 'inventory.yaml'), '--json']);
    expect(bastion.code).toBe(1);
    const refused = JSON.parse(bastion.stdout) as JsonPlan;
    for (const node of refused.nodes) {
      expect(node.status).toBe('error');
      expect(node.error?.message).toContain(lab.info.bastion.address);
      expect(node.error?.message).toMatch(/changed/i);
    }
  });

  it('reports an unreachable node with exit 1 while the others plan', async () => {
    const victim = lab.info.nodes[3]?.name ?? 'node-4';
    await labFault('partition', victim);
    try {
      const started = Date.now();
      const result = await nodeward(['plan', '-i', inventory, '--json', '--connect-timeout', '3']);
      expect(result.code).toBe(1);
      const plan = JSON.parse(result.stdout) as JsonPlan;
      expect(plan.nodes.find((n) => n.name === victim)?.status).toBe('error');
      expect(plan.nodes.filter((n) => n.name !== victim).every((n) => n.status === 'changes')).toBe(true);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await labHeal('partition', victim);
    }
  });

  it('added latency on one node: a connect timeout shorter than its login fails it alone; the default one plans it, slower', async () => {
    const slow = lab.info.nodes[1]?.name ?? 'node-2';
    await labFault('latency', slow, '300'); // 300 ms each way: an SSH login through it takes seconds
    try {
      const started = Date.now();
      const short = await nodeward(['plan', '-i', inventory, 'kernel', '--json', '--connect-timeout', '2']);
      expect(short.code).toBe(1);
      const cut = JSON.parse(short.stdout) as JsonPlan;
      expect(cut.nodes.find((n) => n.name === slow)).toMatchObject({ status: 'error', error: { code: expect.stringMatching(/timeout/), hop: 'node' } });
      expect(cut.nodes.filter((n) => n.name !== slow).every((n) => n.status === 'changes')).toBe(true);
      expect(Date.now() - started).toBeLessThan(15_000);
      const patient = await nodeward(['plan', '-i', inventory, 'kernel', '--json']);
      expect(patient.code, patient.stderr).toBe(2);
      expect((JSON.parse(patient.stdout) as JsonPlan).nodes.every((n) => n.status === 'changes')).toBe(true);
    } finally {
      await labHeal('latency', slow);
    }
  });

  it('rejects bad input before contacting any node, naming file, line and column', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nw-bad-'));
    await writeFile(join(dir, 'bad.yaml'), 'name: bad\nresources:\n  - name: x\n    permissions: { paths: [/etc/../etc/passwd], mode: "0999" }\n');
    const result = await nodeward(['plan', '-i', inventory, join(dir, 'bad.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bad\.yaml:4:\d+: .*(\.\.|mode)/);
    expect(result.stdout).toBe('');
  });
});
