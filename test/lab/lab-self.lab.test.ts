import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { labDown, labExec, labFault, labHeal, labReset, labUp, readLabInfo } from '../../lab/lab.ts';
import { run, sleep } from '../../lab/run.ts';
import { labSsh, testLab } from './helpers.ts';

const sh = async (node: string, script: string) => labExec(node, ['/bin/sh', '-c', script]);
const out = async (node: string, script: string) => {
  const r = await sh(node, script);
  expect(r.code, `${node}: ${script}\n${r.stderr}`).toBe(0);
  return r.stdout.trim();
};

async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await fn();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(200);
    last = await fn();
  }
  return last;
}

function tcpConnectMs(host: string, port: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const s = net.connect({ host, port, timeout: timeoutMs });
    s.on('connect', () => {
      s.destroy();
      resolve(Number(process.hrtime.bigint() - t0) / 1e6);
    });
    s.on('timeout', () => {
      s.destroy();
      reject(new Error('timeout'));
    });
    s.on('error', reject);
  });
}

async function hostNetSysctls(): Promise<Map<string, string>> {
  const r = await run('sysctl', ['-a', '--pattern', '^net\\.']);
  const m = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf(' = ');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 3));
  }
  return m;
}

describe('lab self-checks', () => {
  const { info } = testLab();
  const node1 = info.nodes[0]!;

  it('gives the host no way to a node except SSH through the bastion', async () => {
    expect(info.nodes.length).toBeGreaterThanOrEqual(5);
    const link = `nwl${info.id}host`;
    const routes = (await run('ip', ['-4', '-o', 'route', 'show', 'table', 'all', 'dev', link])).stdout.trim().split('\n');
    for (const r of routes) expect(r).toMatch(new RegExp(`^(local |broadcast )?198\\.18\\.${info.id}\\.`));
    expect((await run('ip', ['route', 'get', node1.address])).stdout).not.toContain(link);
    expect(await out('bastion', 'sysctl -n net.ipv4.ip_forward')).toBe('0');
    // Even with a route through the lab's own veth, the bastion does not forward to the nodes.
    const route = ['198.19.0.0/16', 'via', info.bastion.address, 'dev', link];
    expect((await run('ip', ['route', 'add', ...route])).code).toBe(0);
    try {
      await expect(tcpConnectMs(node1.address, 22, 1500)).rejects.toThrow();
    } finally {
      await run('ip', ['route', 'del', ...route]);
    }
    expect(await tcpConnectMs(info.bastion.address, 22, 3000)).toBeGreaterThan(0);
  });

  it('reaches node-1 as ops through the bastion with strict host keys, and sudo works', async () => {
    expect(readFileSync(info.files.sshConfig, 'utf8')).toMatch(/StrictHostKeyChecking yes/);
    const r = await labSsh(info, node1.address, 'hostname; id -un; sudo -n true && echo sudo-ok');
    expect(r.stderr).not.toMatch(/warning|denied/i);
    expect(r.stdout.split('\n')).toEqual(['node-1', 'ops', 'sudo-ok', '']);
    const j = await labSsh(info, node1.address, 'hostname');
    expect(j.stdout.trim()).toBe('node-1');
  });

  it('refuses passwordless sudo to pwuser', async () => {
    const r = await labSsh(info, node1.address, 'sudo -n true', { user: 'pwuser' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a password is required/);
  });

  it('keeps file and sysctl writes inside the node', async () => {
    const keys = (await out('node-1', 'ls /proc/sys/kernel /proc/sys/vm >/dev/null; mount | grep -o "on /proc/sys/[^ ]*" | cut -c4-'))
      .split('\n').filter((p) => p !== '/proc/sys' && p !== '/proc/sys/net');
    expect(keys).toContain('/proc/sys/kernel/panic');
    expect(keys).toContain('/proc/sys/vm/overcommit_memory');
    const hostBefore = new Map(keys.map((k) => [k, readFileSync(k, 'utf8')]));
    const netBefore = await hostNetSysctls();
    const dotted = keys.map((k) => k.slice('/proc/sys/'.length).replaceAll('/', '.'));
    const script = dotted.map((k) => `sysctl -q -w ${k}=4242`).join('; ') +
      '; sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.accept_redirects=0 net.ipv4.tcp_syncookies=1 net.core.somaxconn=1234' +
      '; echo x > /etc/nw-selftest; echo y > /usr/local/nw-selftest';
    await out('node-1', script);
    for (const k of dotted) expect(await out('node-1', `sysctl -n ${k}`)).toBe('4242');
    expect(await out('node-1', 'sysctl -n net.ipv4.ip_forward')).toBe('1');
    expect((await sh('node-1', 'echo 1 > /proc/sys/kernel/hostname')).code).not.toBe(0);
    for (const [k, v] of hostBefore) expect(readFileSync(k, 'utf8'), k).toBe(v);
    const netAfter = await hostNetSysctls();
    const volatile = /(count|_mem$|\.stats|hash|rt_cache|nf_conntrack_buckets)/;
    for (const [k, v] of netBefore) {
      if (netAfter.has(k) && !volatile.test(k)) expect(netAfter.get(k), k).toBe(v);
    }
    expect(existsSync('/etc/nw-selftest')).toBe(false);
    expect(existsSync('/usr/local/nw-selftest')).toBe(false);
    expect(existsSync(path.join(node1.dir, 'upper/etc/nw-selftest'))).toBe(true);
  });

  it('shows the kubelet and containerd as the real programs do in ps and /proc (what process-based tools match)', async () => {
    const cmdline = (prog: string) => out('node-1', `tr '\\0' '|' < /proc/$(pidof ${prog})/cmdline`);
    expect(await cmdline('kubelet')).toBe(
      '/usr/bin/kubelet|--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf|--kubeconfig=/etc/kubernetes/kubelet.conf|' +
        '--config=/var/lib/kubelet/config.yaml|--container-runtime-endpoint=unix:///run/containerd/containerd.sock|' +
        '--pod-infra-container-image=registry.k8s.io/pause:3.10|',
    );
    expect(await cmdline('containerd')).toBe('/usr/bin/containerd|');
    // kube-bench's findExecutable: `ps -C kubelet -o cmd --no-headers`, the binary as the first word
    expect(await out('node-1', 'ps -C kubelet -o cmd --no-headers')).toMatch(/^\/usr\/bin\/kubelet --bootstrap-kubeconfig=\S+ --kubeconfig=\S+ --config=\S+ /);
    expect(await out('node-1', 'ps -o cmd= -p "$(pidof containerd)"')).toBe('/usr/bin/containerd');
  });

  it('seeds every fifth node with the cgroupfs driver on both sides, and the inventory keeps it so', async () => {
    for (const node of info.nodes) {
      const driver = node.name === 'node-5' ? 'cgroupfs' : 'systemd';
      expect(node.cgroupDriver, node.name).toBe(driver);
      expect(await out(node.name, 'sed -n "s/^cgroupDriver: //p" /var/lib/kubelet/config.yaml; sed -n "s/^ *SystemdCgroup = //p" /etc/containerd/config.toml'), node.name).toBe(`${driver}\n${String(driver === 'systemd')}`);
      expect(await out(node.name, 'systemctl is-active kubelet containerd')).toBe('active\nactive');
    }
    expect(readFileSync(info.files.inventory, 'utf8')).toMatch(/name: node-5, .*vars: \{ cgroupDriver: cgroupfs, systemdCgroup: false \}/);
  });

  it("answers systemctl, journalctl and auditctl through one C client of the node's init, as the real tools do", async () => {
    const n = 'node-1';
    // ELF binaries (ps and /proc show `systemctl …`, not an interpreter), one program under three names
    expect(await out(n, 'for t in /usr/bin/systemctl /usr/bin/journalctl /usr/sbin/auditctl; do head -c 4 "$t" | od -An -c | tr -d " "; done')).toBe('177ELF\n177ELF\n177ELF');
    // output passes byte for byte (leading blanks of the first line too) and exit codes are the tools'
    expect((await sh(n, 'systemctl list-units | head -n 1')).stdout).toMatch(/^ {2}UNIT +LOAD +ACTIVE/);
    expect((await sh(n, 'systemctl is-active kubelet nosuch-unit')).stdout).toBe('active\ninactive\n');
    expect((await sh(n, 'systemctl is-active nosuch-unit')).code).toBe(3);
    // an argument with quotes, a backslash, a newline and a byte that is not UTF-8 reaches the init as it was
    const odd = await sh(n, "systemctl status \"$(printf 'a\"b\\\\c\\nd\\377')\"; echo \"rc=$?\"");
    expect(odd.stdout.trim()).toBe('rc=4');
    expect(Buffer.from(odd.stderr, 'latin1').includes(Buffer.from('Unit a"b\\c\nd', 'latin1'))).toBe(true);
    expect(await out(n, 'journalctl -u kubelet --no-pager -n 50 | grep -c "Kubelet version" || true')).not.toBe('0');
    // auditctl: root only (exit 4), rules files relative to the caller's directory, -e 2 locks the rules
    const user = await sh(n, "su -s /bin/sh nobody -c 'auditctl -l'");
    expect([user.code, user.stderr.trim()]).toEqual([4, 'You must be root to run this program.']);
    await out(n, "printf '%s\\n' '-w /etc/nwlab-x -p wa -k nwlab_x' > /run/nw-audit-test.rules");
    expect(await out(n, 'cd /run && auditctl -R nw-audit-test.rules >/dev/null && auditctl -l')).toContain('-w /etc/nwlab-x -p wa -k nwlab_x');
    expect(await out(n, "auditctl -W /etc/nwlab-x >/dev/null; rm -f /run/nw-audit-test.rules; auditctl -l | grep -c nwlab_x || true")).toBe('0');
  });

  it('restarts the kubelet like systemd: 0 now, activating while it crash-loops', async () => {
    const n = 'node-2';
    const before = Number(await out(n, 'systemctl show -p ActiveEnterTimestampMonotonic --value kubelet'));
    expect((await sh(n, 'systemctl restart kubelet')).code).toBe(0);
    expect(await out(n, 'systemctl is-active kubelet')).toBe('active');
    expect(Number(await out(n, 'systemctl show -p ActiveEnterTimestampMonotonic --value kubelet'))).toBeGreaterThan(before);
    expect(await out(n, 'systemctl show -p ActiveEnterTimestamp --value kubelet')).toMatch(/^\w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \w+$/);

    await labFault('kubelet-crash', n);
    await out(n, 'echo "# touched" >> /var/lib/kubelet/config.yaml');
    expect((await sh(n, 'systemctl restart kubelet')).code).toBe(0);
    await until('kubelet crash-looping', () => sh(n, 'systemctl is-active kubelet'), (r) => r.stdout.trim() === 'activating' && r.code === 3, 5000);
    expect(await out(n, 'systemctl show -p SubState,Result --value kubelet')).toBe('auto-restart\nexit-code');
    expect(await out(n, 'journalctl -u kubelet --no-pager -n 20')).toMatch(/Failed to start ContainerManager/);
    await labHeal('kubelet-crash', n);
    await until('kubelet back', () => sh(n, 'systemctl is-active kubelet'), (r) => r.stdout.trim() === 'active', 15_000);
    expect(Number(await out(n, 'systemctl show -p NRestarts --value kubelet'))).toBeGreaterThanOrEqual(1);

    const unknown = await sh(n, 'systemctl is-active nosuch');
    expect([unknown.code, unknown.stdout]).toEqual([3, 'inactive\n']);
    const unknownEnabled = await sh(n, 'systemctl is-enabled nosuch.service');
    expect([unknownEnabled.code, unknownEnabled.stderr]).toEqual([1, 'Failed to get unit file state for nosuch.service: No such file or directory\n']);
    expect(await out(n, 'systemctl is-enabled kubelet')).toBe('enabled');
    await out(n, 'sed -i "s/RestartSec=10/RestartSec=3/" /lib/systemd/system/kubelet.service');
    expect(await out(n, 'systemctl show -p NeedDaemonReload,RestartUSec --value kubelet')).toBe('yes\n10s');
    await out(n, 'systemctl daemon-reload');
    expect(await out(n, 'systemctl show -p NeedDaemonReload,RestartUSec --value kubelet')).toBe('no\n3s');
    await out(n, 'sed -i "s/RestartSec=3/RestartSec=10/" /lib/systemd/system/kubelet.service; systemctl daemon-reload');
  });

  it('injects and heals faults', async () => {
    const [, , n3, n4, n5] = info.nodes;
    await labFault('partition', n3!.name);
    expect((await labSsh(info, n3!.address, 'true', { timeoutMs: 15_000 })).code).not.toBe(0);
    expect((await labSsh(info, node1.address, 'hostname')).stdout.trim()).toBe('node-1');
    await labHeal('partition', n3!.name);
    expect((await labSsh(info, n3!.address, 'hostname')).stdout.trim()).toBe(n3!.name);

    await labFault('sshd-down', n4!.name);
    const down = await labSsh(info, n4!.address, 'true');
    expect(down.code).not.toBe(0);
    expect(down.stderr).toMatch(/refused/);
    await labHeal('sshd-down');
    expect((await labSsh(info, n4!.address, 'hostname')).stdout.trim()).toBe(n4!.name);

    await labFault('containerd-refuse', n5!.name);
    await out(n5!.name, 'echo "# touched" >> /etc/containerd/config.toml');
    expect((await sh(n5!.name, 'systemctl restart containerd')).code).toBe(0);
    await until('containerd refusing', () => sh(n5!.name, 'systemctl is-active containerd'), (r) => r.stdout.trim() === 'activating', 5000);
    await labHeal('containerd-refuse', n5!.name);
    await until('containerd back', () => sh(n5!.name, 'systemctl is-active containerd'), (r) => r.stdout.trim() === 'active', 10_000);

    const base = await tcpConnectMs(info.bastion.address, 22, 3000);
    await labFault('latency', 'bastion', '150');
    const slow = await tcpConnectMs(info.bastion.address, 22, 5000);
    expect(slow).toBeGreaterThan(280);
    await labHeal('latency');
    expect(await tcpConnectMs(info.bastion.address, 22, 3000)).toBeLessThan(Math.max(100, base * 5));

    const session = labSsh(info, info.bastion.address, 'sleep 30; echo survived');
    await sleep(1500);
    await labFault('bastion-restart', 'bastion');
    const ended = await session;
    expect(ended.stdout).not.toMatch(/survived/);
    expect((await labSsh(info, node1.address, 'hostname')).stdout.trim()).toBe('node-1');
  });

  it('reset puts a node back in its seeded state with the same host keys', async () => {
    await out('node-1', 'chmod 600 /etc/kubernetes/pki/ca.crt; echo "readOnlyPort: 0" >> /var/lib/kubelet/config.yaml; sysctl -q -w kernel.panic=77');
    const seeded = readFileSync(path.join(node1.dir, 'upper/var/lib/kubelet/config.yaml'), 'utf8');
    await labReset(['node-1']);
    expect(existsSync(path.join(node1.dir, 'upper/etc/nw-selftest'))).toBe(false);
    expect(await out('node-1', 'test ! -e /etc/nw-selftest && stat -c %a /etc/kubernetes/pki/ca.crt')).toBe('666');
    expect(await out('node-1', 'cat /var/lib/kubelet/config.yaml')).not.toMatch(/readOnlyPort: 0/);
    expect(seeded).toMatch(/readOnlyPort: 0/);
    expect(await out('node-1', 'sysctl -n net.ipv4.conf.all.accept_redirects')).toBe('1');
    expect((await labSsh(info, node1.address, 'hostname')).stdout.trim()).toBe('node-1');
    expect(readLabInfo().nodes[0]!.initPid).not.toBe(node1.initPid);
  });

  it('down leaves no namespace, process, mount or link behind (then comes back up)', async () => {
    const n = info.nodeCount;
    await labDown();
    await labDown();
    const ns = await run('ip', ['netns', 'list']);
    expect(ns.stdout).not.toMatch(new RegExp(`^nwl${info.id}-`, 'm'));
    const ps = await run('ps', ['-eo', 'pid,args']);
    expect(ps.stdout.split('\n').filter((l) => l.includes(info.dir))).toEqual([]);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(info.dir);
    expect((await run('ip', ['link', 'show', 'dev', `nwl${info.id}host`])).code).not.toBe(0);
    await expect(tcpConnectMs('127.0.0.1', info.apiserver.port, 1000)).rejects.toThrow();
    const again = await labUp(n);
    expect(again.nodes.map((x) => x.address)).toEqual(info.nodes.map((x) => x.address));
    expect((await labSsh(again, node1.address, 'hostname')).stdout.trim()).toBe('node-1');
  });
});
