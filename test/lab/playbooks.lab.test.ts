import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labHeal, labReset } from '../../lab/lab.ts';
import { labSsh, testLab } from './helpers.ts';
import { nodeward, onNode } from './nodeward.ts';
import { HARDENED_AUDIT, sshAudit } from './playbooks-audit.ts';

interface ApplyJson {
  runId: string;
  nodes: { name: string; status: string; reason: string | null; restarted: string[]; changes: number }[];
}

const lab = testLab();
const names = lab.info.nodes.map((n) => n.name);
const [controlPlane, worker, other] = lab.info.nodes;
const BASTION_INNER = '198.19.0.1';

/** The lab's inventory with the firewall's variables set: SSH from the bastion, the kubelet API from node-1 as "the control plane". */
async function firewallInventory(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nw-playbooks-'));
  const text = await readFile(lab.info.files.inventory, 'utf8');
  const vars = `vars: { firewallSshFrom: [${BASTION_INNER}], firewallKubeletFrom: [${controlPlane?.address ?? ''}], sshAllowUsers: [ops] }\n`;
  const file = join(dir, 'inventory.yaml');
  // paths in the inventory are relative to it: keep them pointing at the lab's files
  await writeFile(file, text.replaceAll('./', `${lab.info.dir}/`) + vars);
  return file;
}

async function kubeletStarts(node: string): Promise<number> {
  return Number((await onNode(node, 'journalctl -u kubelet --no-pager | grep -c "Kubelet version" || true')).trim());
}

async function readyNodes(): Promise<Record<string, string>> {
  const list = (await (await fetch(`${lab.info.apiserver.url}/api/v1/nodes`)).json()) as { items: { metadata: { name: string }; status: { conditions: { type: string; status: string }[] } }[] };
  return Object.fromEntries(list.items.map((i) => [i.metadata.name, i.status.conditions.find((c) => c.type === 'Ready')?.status ?? '?']));
}

/** A TCP connect from inside a node: `open`, `refused`, or `dropped` (no answer within 2 s). */
async function connectFrom(node: string, address: string, port: number): Promise<string> {
  const py = `import socket\ntry:\n socket.create_connection(("${address}", ${port}), timeout=2); print("open")\nexcept ConnectionRefusedError: print("refused")\nexcept OSError: print("dropped")`;
  return (await onNode(node, `python3 -c '${py}'`)).trim();
}

describe('the bundled playbooks (lab)', () => {
  let inventory: string;

  beforeAll(async () => {
    await labHeal();
    await labReset();
    inventory = await firewallInventory();
    // a table of someone else's (kube-proxy, the CNI): the firewall must never flush it
    for (const name of names) {
      await onNode(name, "nft add table inet othertable && nft add chain inet othertable input '{ type filter hook input priority 10; policy accept; }' && nft add rule inet othertable input tcp dport 9999 counter accept");
    }
  });

  afterAll(async () => {
    await labHeal();
    await labReset();
  });

  it('apply of every playbook (firewall on) brings every node Ready and hardened, checked by plain-shell audits over SSH', async () => {
    const started = Date.now();
    const result = await nodeward(['apply', '-i', inventory, '--yes', '--json', '--batch', '1,100%', '--health-timeout', '60']);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as ApplyJson;
    for (const name of names) expect(json.nodes.find((n) => n.name === name)).toMatchObject({ status: 'applied', restarted: ['containerd', 'kubelet'] });
    process.stderr.write(`[playbooks] first apply of every playbook on ${names.length} nodes: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    await expect.poll(async () => Object.values(await readyNodes()).every((s) => s === 'True'), { timeout: 30_000 }).toBe(true);

    for (const [i, node] of lab.info.nodes.entries()) {
      const a = await sshAudit(lab.info, node.address, HARDENED_AUDIT);
      const where = `${node.name}: ${JSON.stringify(a)}`;
      expect(a, where).toMatchObject({
        'net.ipv4.ip_forward': '1',
        'net.ipv4.conf.all.rp_filter': '1',
        'net.ipv4.conf.all.accept_redirects': '0',
        'net.ipv4.conf.all.send_redirects': '0',
        'net.ipv4.conf.all.accept_source_route': '0',
        'net.ipv4.tcp_syncookies': '1',
        'kernel.randomize_va_space': '2',
        'net.bridge.bridge-nf-call-iptables': '1',
        'vm.overcommit_memory': '1',
        'vm.panic_on_oom': '0',
        'kernel.panic': '10',
        'kernel.panic_on_oops': '1',
        'kernel.keys.root_maxkeys': '1000000',
        'kernel.keys.root_maxbytes': '25000000',
        persisted: '25',
        modes: '600 600 600 600 644 600',
        anonymous: 'false',
        authz: 'Webhook',
        readOnlyPort: '0',
        protectKernelDefaults: 'true',
        seccompDefault: 'true',
        rotateCertificates: 'true',
        podPidsLimit: '4096',
        // the cgroupfs node keeps its driver (inventory vars), on both sides
        cgroupDriver: node.cgroupDriver ?? 'systemd',
        kubeletComment: '1',
        passwordauthentication: 'no',
        permitrootlogin: 'no',
        kbdinteractiveauthentication: 'no',
        maxauthtries: '2',
        x11forwarding: 'no',
        allowusers: 'ops',
        ctdOom: '1',
        ctdSystemd: node.cgroupDriver === 'cgroupfs' ? '0' : '1',
        ctdSandbox: '1',
        ctdDump: 'ok',
        nftDrop: '1',
        nftSsh: '1',
        otherTable: '1',
        vsftpd: 'disabled/inactive',
        inetd: i % 2 === 1 ? 'disabled/inactive' : '/inactive',
        auditd: 'enabled/active',
        'nodeward-firewall': 'enabled/inactive',
        auditWatch: '1',
        auditKubelet: '1',
      });
    }
  });

  it('the firewall lets the bastion in on 22 and drops 10250 from a node that is not the control plane', async () => {
    if (!controlPlane || !worker || !other) throw new Error('the lab needs three nodes');
    for (const node of lab.info.nodes) {
      const ssh = await labSsh(lab.info, node.address, 'echo reached');
      expect(ssh.stdout.trim(), `${node.name}: ${ssh.stderr}`).toBe('reached');
    }
    expect(await connectFrom(worker.name, other.address, 10250)).toBe('dropped');
    expect(await connectFrom(controlPlane.name, other.address, 10250)).toBe('open');
    expect(await connectFrom(worker.name, other.address, 22)).toBe('dropped');
  });

  it('a second apply changes nothing: exit 0, every node in sync, no restart', async () => {
    const starts = await Promise.all(names.map(kubeletStarts));
    const started = Date.now();
    const result = await nodeward(['apply', '-i', inventory, '--yes', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as ApplyJson;
    expect(json.nodes.map((n) => [n.name, n.status, n.restarted.length])).toEqual(names.map((n) => [n, 'in-sync', 0]));
    process.stderr.write(`[playbooks] second apply (in sync) on ${names.length} nodes: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    expect(await Promise.all(names.map(kubeletStarts))).toEqual(starts);
  });
});
