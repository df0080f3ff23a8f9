import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labHeal, labReset } from '../../lab/lab.ts';
import { sshConfig } from '../../lab/info.ts';
import { run } from '../../lab/run.ts';
import { testLab } from './helpers.ts';
import { nodeward } from './nodeward.ts';

/**
 * Nodes listed by name only, reached through an OpenSSH client config (`ssh: { config }`):
 * nodeward plans through the bastion the config names (Match host … ProxyJump), and plain
 * `ssh -F` works with the very same file, so the file is a real one and not one only
 * nodeward reads.
 */

interface JsonPlan {
  nodes: { name: string; status: string; error: { message: string } | null; changes: { resource: string; target: string; summary: string[] }[] }[];
}

describe('hosts from an ssh config (lab)', () => {
  const lab = testLab();
  const info = lab.info;
  const names = info.nodes.map((n) => n.name);
  let dir = '';

  /** Names, labels and vars only: no address, user, port, key, bastion or known_hosts. */
  const namesOnly = (config: string): string =>
    [
      `ssh: { config: ${config} }`,
      'nodes:',
      ...info.nodes.map((n) => `  - { name: ${n.name}, labels: { pool: ${n.labels.pool}, zone: ${n.labels.zone} }${n.cgroupDriver === 'cgroupfs' ? ', vars: { cgroupDriver: cgroupfs, systemdCgroup: false }' : ''} }`),
    ].join('\n') + '\n';

  const summary = (plan: JsonPlan) => plan.nodes.map((n) => ({ name: n.name, status: n.status, changes: n.changes.map((c) => `${c.resource} ${c.target} ${c.summary.join('; ')}`) }));

  beforeAll(async () => {
    await labHeal();
    await labReset();
    dir = await mkdtemp(join(tmpdir(), 'nw-ssh-config-lab-'));
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('plans through the bastion the config names, the same plan as the address inventory; ssh -F reaches the nodes with the same file', async () => {
    const config = join(dir, 'ssh_config');
    await writeFile(config, sshConfig(info));
    const inventory = join(dir, 'inventory.yaml');
    await writeFile(inventory, namesOnly('./ssh_config'));

    const viaConfig = await nodeward(['plan', '-i', inventory, '--json', '--connection-stats', join(dir, 'stats.jsonl')]);
    expect(viaConfig.code, viaConfig.stderr).toBe(2);
    const viaAddresses = await nodeward(['plan', '-i', info.files.inventory, '--json']);
    expect(viaAddresses.code, viaAddresses.stderr).toBe(2);
    const plan = JSON.parse(viaConfig.stdout) as JsonPlan;
    expect(plan.nodes.map((n) => [n.name, n.status])).toEqual(names.map((n) => [n, 'changes']));
    expect(summary(plan)).toEqual(summary(JSON.parse(viaAddresses.stdout) as JsonPlan));
    // it went through the bastion: one TCP connection carried every node
    const stats = JSON.parse((await readFile(join(dir, 'stats.jsonl'), 'utf8')).trim().split('\n').at(-1) ?? '{}') as { bastionConnections: number; nodeSessions: number };
    expect(stats.bastionConnections).toBe(1);
    expect(stats.nodeSessions).toBe(names.length);

    for (const name of names.slice(0, 2)) {
      const ssh = await run('ssh', ['-F', config, '-o', 'ConnectTimeout=4', name, 'true'], { timeoutMs: 30_000 });
      expect(ssh.code, ssh.stderr).toBe(0);
    }
  });

  it("the README's shortest set-up for a real cluster: a kubeconfig, an ssh config and no node list", async () => {
    const config = join(dir, 'ssh_config_cluster');
    await writeFile(config, sshConfig(info));
    const inventory = join(dir, 'inventory-cluster.yaml');
    await writeFile(inventory, [`kubeconfig: ${info.files.kubeconfig}`, 'ssh: { config: ./ssh_config_cluster }', 'nodes:', '  fromKubernetes: { labelSelector: "node-role.kubernetes.io/worker", address: InternalIP }', ''].join('\n'));
    const result = await nodeward(['plan', '-i', inventory, 'kernel', '--json', '--connection-stats', join(dir, 'stats-cluster.jsonl')]);
    const plan = JSON.parse(result.stdout) as { nodes: (JsonPlan['nodes'][number] & { kubernetes?: { ready?: string } })[] };
    // the workers the API server lists (node-1 is the lab's control plane), each reached through the config's bastion
    const workers = JSON.parse((await run('kubectl', ['--kubeconfig', info.files.kubeconfig, 'get', 'nodes', '-l', 'node-role.kubernetes.io/worker', '-o', 'json'], { timeoutMs: 30_000 })).stdout) as { items: { metadata: { name: string } }[] };
    expect(plan.nodes.map((n) => n.name).sort()).toEqual(workers.items.map((i) => i.metadata.name).sort());
    expect(plan.nodes.filter((n) => n.status === 'error').map((n) => n.error?.message)).toEqual([]);
    expect(plan.nodes.every((n) => n.kubernetes?.ready === 'True')).toBe(true);
    const stats = JSON.parse((await readFile(join(dir, 'stats-cluster.jsonl'), 'utf8')).trim().split('\n').at(-1) ?? '{}') as { bastionConnections: number };
    expect(stats.bastionConnections).toBe(1);
  });

  it('StrictHostKeyChecking accept-new records a new key in the UserKnownHostsFile, and still refuses a changed one', async () => {
    const target = info.nodes[1]!;
    const known = join(dir, 'known_hosts_accept');
    const lines = (await readFile(info.files.knownHosts, 'utf8')).split('\n').filter((l) => l !== '');
    const targetName = target.port === 22 ? target.address : `[${target.address}]:${target.port}`;
    await writeFile(known, lines.filter((l) => l.split(' ')[0] !== targetName).join('\n') + '\n');
    const config = join(dir, 'ssh_config_accept');
    await writeFile(config, sshConfig(info).replace(`UserKnownHostsFile ${info.files.knownHosts}`, `UserKnownHostsFile ${known}`).replace('StrictHostKeyChecking yes', 'StrictHostKeyChecking accept-new'));
    const inventory = join(dir, 'inventory-accept.yaml');
    await writeFile(inventory, namesOnly('./ssh_config_accept'));

    const first = await nodeward(['plan', '-i', inventory, '--json', '--limit', target.name]);
    expect(first.code, first.stderr).toBe(2);
    const recorded = (await readFile(known, 'utf8')).split('\n').filter((l) => l.split(' ')[0] === targetName);
    expect(recorded).toHaveLength(1);
    // the recorded key is the node's own: ssh itself, checking strictly, now accepts it
    const strict = await run('ssh', ['-F', config, '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=4', target.name, 'true'], { timeoutMs: 30_000 });
    expect(strict.code, strict.stderr).toBe(0);

    // replace it with another host's key: that is a changed key, refused whatever the config says
    const other = lines.find((l) => l.split(' ')[0] === info.bastion.address && l.split(' ')[1] === recorded[0]?.split(' ')[1]);
    expect(other).toBeDefined();
    const tampered = (await readFile(known, 'utf8')).replace(recorded[0]!, `${targetName} ${other!.split(' ').slice(1).join(' ')}`);
    await writeFile(known, tampered);
    const second = await nodeward(['plan', '-i', inventory, '--json', '--limit', target.name]);
    expect(second.code).not.toBe(2);
    const refused = (JSON.parse(second.stdout) as JsonPlan).nodes[0];
    expect(refused?.status).not.toBe('changes');
    expect(refused?.error?.message).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(await readFile(known, 'utf8')).toBe(tampered);
  });

  it('refuses a node only an SSH CA vouches for (@cert-authority), saying so and what to add', async () => {
    const target = info.nodes[0]!;
    const known = join(dir, 'known_hosts_ca');
    const lines = (await readFile(info.files.knownHosts, 'utf8')).split('\n').filter((l) => l !== '');
    const targetName = target.port === 22 ? target.address : `[${target.address}]:${target.port}`;
    const caKey = lines.find((l) => l.startsWith(`${info.bastion.address} ssh-ed25519 `))!.split(' ').slice(1).join(' ');
    await writeFile(known, [...lines.filter((l) => l.split(' ')[0] !== targetName), `@cert-authority 198.19.* ${caKey}`].join('\n') + '\n');
    const config = join(dir, 'ssh_config_ca');
    await writeFile(config, sshConfig(info).replace(`UserKnownHostsFile ${info.files.knownHosts}`, `UserKnownHostsFile ${known}`));
    const inventory = join(dir, 'inventory-ca.yaml');
    await writeFile(inventory, namesOnly('./ssh_config_ca'));

    for (const flags of [[], ['--accept-new']]) {
      const result = await nodeward(['plan', '-i', inventory, '--json', '--limit', target.name, ...flags]);
      const node = (JSON.parse(result.stdout) as JsonPlan).nodes[0];
      expect(node?.status, result.stderr).not.toBe('changes');
      expect(node?.error?.message).toMatch(/vouched for only by an SSH certificate authority \(@cert-authority in .*known_hosts_ca:\d+\)/);
      expect(node?.error?.message).toContain('cannot negotiate certificate host keys');
      expect(node?.error?.message).toContain('ssh-keyscan');
    }
    expect(await readFile(known, 'utf8')).not.toContain(`${targetName} `);
  });

  it('--ssh-config refuses what nodeward cannot honour at file:line, before connecting', async () => {
    const config = join(dir, 'ssh_config_bad');
    const inventory = join(dir, 'inventory-bad.yaml');
    await writeFile(inventory, 'nodes:\n' + names.map((n) => `  - name: ${n}\n`).join(''));
    await writeFile(config, `Host ${names[0]}\n  ProxyCommand nc %h %p\n` + sshConfig(info).replace('StrictHostKeyChecking yes', 'StrictHostKeyChecking no'));
    const refused = await nodeward(['plan', '-i', inventory, '--ssh-config', config]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${config}:2:3: ProxyCommand is not supported`);
    expect(refused.stderr).toMatch(new RegExp(`${config}:\\d+:3: StrictHostKeyChecking no is refused`));
  });
});
