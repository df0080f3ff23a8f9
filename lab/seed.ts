import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { standin } from './config.ts';
import { hostKeyFiles, type Pki } from './keys.ts';
import * as D from './seed-data.ts';
import { seedNodeServices } from './seed-services.ts';

export type Role = 'node' | 'bastion';

export interface Machine {
  name: string;
  index: number;
  role: Role;
  dir: string;
  /** sshd ports when the machine carries several nodes (lab up --per-machine). */
  sshPorts?: readonly number[];
  /** Only sshd starts (lab up --light): every seeded file is there, no kubelet or other daemon runs. */
  light?: boolean;
}

export interface SeedContext {
  labDir: string;
  pki: Pki;
  operatorPub: string;
  apiserverSock: string;
  kubeServer: string;
  host: { passwd: string; shadow: string; group: string; gshadow: string; hosts: string };
  uid: { ops: number; pwuser: number };
  hostSysctls: Record<string, string>;
  /** The lab's build of standins/ctl-client.c: the nodes' systemctl, journalctl and auditctl. */
  ctlClient: string;
}

export interface BootJson {
  name: string;
  role: Role;
  nodeDir: string;
  labDir: string;
  apiserverSock: string;
  overlays: string[];
  sysctlKeys: string[];
  liveSysctls: Record<string, string>;
  whiteouts: string[];
  opaqueDirs: string[];
  privateTmp: boolean;
  tmpBinds: string[];
}

const OVERLAYS = ['etc', 'var', 'usr', 'opt', 'home', 'root'];
const WANTS = 'etc/systemd/system/multi-user.target.wants';

export function seedContext(labDir: string, pki: Pki, operatorPub: string, kubeServer: string, ctlClient: string): SeedContext {
  const read = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : '');
  const passwd = read('/etc/passwd');
  const used = new Set(passwd.split('\n').map((l) => Number(l.split(':')[2])).filter((n) => !Number.isNaN(n)));
  const group = read('/etc/group');
  for (const l of group.split('\n')) used.add(Number(l.split(':')[2]));
  let next = 1001;
  const take = () => {
    while (used.has(next)) next++;
    used.add(next);
    return next;
  };
  const ops = take();
  const pwuser = take();
  const hostSysctls: Record<string, string> = {};
  for (const key of D.NODE_SYSCTL_KEYS) {
    const p = '/proc/sys/' + key.replaceAll('.', '/');
    if (existsSync(p)) hostSysctls[key] = readFileSync(p, 'utf8').trim();
  }
  return {
    labDir, pki, operatorPub, kubeServer,
    apiserverSock: path.join(labDir, 'apiserver.sock'),
    host: { passwd, shadow: read('/etc/shadow'), group, gshadow: read('/etc/gshadow'), hosts: read('/etc/hosts') },
    uid: { ops, pwuser },
    hostSysctls,
    ctlClient,
  };
}

/** Writes into a node's overlay upper dir, creating parent dirs with the host's modes and owners. */
class Upper {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  async dir(rel: string, mode?: number, uid = 0, gid = 0): Promise<string> {
    const parts = rel.split('/').filter(Boolean);
    let cur = '';
    for (const [k, part] of parts.entries()) {
      cur = cur ? `${cur}/${part}` : part;
      const target = path.join(this.root, cur);
      if (existsSync(target)) continue;
      await mkdir(target);
      const last = k === parts.length - 1;
      let st: { mode: number; uid: number; gid: number } | undefined;
      try {
        st = statSync('/' + cur);
      } catch {
        st = undefined;
      }
      if (st && !(last && mode !== undefined)) {
        await chmod(target, st.mode & 0o7777);
        await chown(target, st.uid, st.gid);
      } else {
        await chmod(target, last && mode !== undefined ? mode : 0o755);
        if (last) await chown(target, uid, gid);
      }
    }
    return path.join(this.root, rel);
  }

  async file(rel: string, content: string, mode = 0o644, uid = 0, gid = 0): Promise<void> {
    await this.dir(path.dirname(rel));
    const p = path.join(this.root, rel);
    await writeFile(p, content);
    await chmod(p, mode);
    if (uid || gid) await chown(p, uid, gid);
  }

  async copy(rel: string, from: string, mode: number): Promise<void> {
    await this.dir(path.dirname(rel));
    const p = path.join(this.root, rel);
    await copyFile(from, p);
    await chmod(p, mode);
  }

  async link(rel: string, target: string): Promise<void> {
    await this.dir(path.dirname(rel));
    await symlink(target, path.join(this.root, rel));
  }
}

/** Puts a node (or the bastion) in its seeded state. Host keys in hostkeys/ are kept. */
export async function seedMachine(ctx: SeedContext, m: Machine): Promise<BootJson> {
  for (const sub of ['upper', 'work', 'log', 'faults', 'sysctl', 'ready', 'control.sock']) {
    await rm(path.join(m.dir, sub), { recursive: true, force: true });
  }
  for (const sub of ['work', 'log', 'faults', 'sysctl']) await mkdir(path.join(m.dir, sub), { recursive: true });
  const u = new Upper(path.join(m.dir, 'upper'));
  await mkdir(u.root, { recursive: true });
  for (const d of OVERLAYS) await u.dir(d);

  await seedUsers(ctx, u, m);
  await u.file('etc/hostname', `${m.name}\n`);
  await u.file('etc/hosts', `${ctx.host.hosts.trimEnd()}\n127.0.1.1\t${m.name}\n`);
  for (const f of hostKeyFiles) {
    await u.copy(`etc/ssh/${f}`, path.join(m.dir, 'hostkeys', f), 0o600);
    await u.copy(`etc/ssh/${f}.pub`, path.join(m.dir, 'hostkeys', `${f}.pub`), 0o644);
  }
  await u.copy('usr/bin/systemctl', ctx.ctlClient, 0o755);
  await u.copy('usr/bin/journalctl', ctx.ctlClient, 0o755);
  await u.dir(WANTS);
  await u.link(`${WANTS}/ssh.service`, '/lib/systemd/system/ssh.service');

  const sysctlValues: Record<string, string> = { ...ctx.hostSysctls };
  const live: Record<string, string> = {};
  if (m.role === 'node') {
    await seedKubernetes(ctx, u, m);
    Object.assign(sysctlValues, pick(D.KUBELET_TUNABLES_SEEDED, Object.keys(ctx.hostSysctls)));
    Object.assign(live, D.LIVE_NET_SYSCTLS);
  } else {
    live['net.ipv4.ip_forward'] = '0';
    live['net.ipv6.conf.all.forwarding'] = '0';
  }
  if (m.sshPorts !== undefined && m.sshPorts.length > 1) {
    await u.file('etc/default/ssh', `SSHD_OPTS="${m.sshPorts.map((port) => `-p ${port}`).join(' ')}"\n`);
  }
  if (m.light) {
    for (const link of readdirSync(path.join(u.root, WANTS))) if (link !== 'ssh.service') await rm(path.join(u.root, WANTS, link));
  }
  for (const [key, value] of Object.entries(sysctlValues)) {
    await writeFile(path.join(m.dir, 'sysctl', key), value + '\n');
  }
  const boot: BootJson = {
    name: m.name,
    role: m.role,
    nodeDir: m.dir,
    labDir: ctx.labDir,
    apiserverSock: ctx.apiserverSock,
    overlays: OVERLAYS,
    sysctlKeys: Object.keys(sysctlValues),
    liveSysctls: live,
    whiteouts: ['etc/ssh/ssh_host_rsa_key', 'etc/ssh/ssh_host_rsa_key.pub'],
    opaqueDirs: [WANTS],
    privateTmp: true,
    tmpBinds: m.role === 'node' && existsSync(ctx.apiserverSock) ? [ctx.apiserverSock] : [],
  };
  await writeFile(path.join(m.dir, 'boot.json'), JSON.stringify(boot, null, 2) + '\n');
  return boot;
}

function pick(values: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([k]) => keys.includes(k)));
}

async function seedUsers(ctx: SeedContext, u: Upper, m: Machine): Promise<void> {
  const days = Math.floor(Date.now() / 86_400_000);
  const users: { name: string; uid: number; hash: string }[] = [{ name: 'ops', uid: ctx.uid.ops, hash: '*' }];
  if (m.role === 'node') users.push({ name: 'pwuser', uid: ctx.uid.pwuser, hash: ctx.pki.pwuserHash });
  const add = (base: string, lines: string[]) => `${base.trimEnd()}\n${lines.join('\n')}\n`;
  await u.file('etc/passwd', add(ctx.host.passwd, users.map((x) => `${x.name}:x:${x.uid}:${x.uid}::/home/${x.name}:/bin/bash`)));
  await u.file('etc/group', add(ctx.host.group, users.map((x) => `${x.name}:x:${x.uid}:`)));
  await u.file('etc/shadow', add(ctx.host.shadow, users.map((x) => `${x.name}:${x.hash}:${days}:0:99999:7:::`)), 0o640, 0, shadowGid(ctx));
  await u.file('etc/gshadow', add(ctx.host.gshadow, users.map((x) => `${x.name}:!::`)), 0o640, 0, shadowGid(ctx));
  await u.file('etc/sudoers.d/90-lab-users', m.role === 'node' ? D.SUDOERS_LAB : 'ops ALL=(ALL:ALL) NOPASSWD:ALL\n', 0o440);
  for (const x of users) {
    const home = `home/${x.name}`;
    await u.dir(home, 0o750, x.uid, x.uid);
    for (const f of existsSync('/etc/skel') ? readdirSync('/etc/skel') : []) {
      const src = path.join('/etc/skel', f);
      if (statSync(src).isFile()) {
        await u.copy(`${home}/${f}`, src, 0o644);
        await chown(path.join(u.root, home, f), x.uid, x.uid);
      }
    }
    await u.dir(`${home}/.ssh`, 0o700, x.uid, x.uid);
    await u.file(`${home}/.ssh/authorized_keys`, ctx.operatorPub + '\n', 0o600, x.uid, x.uid);
  }
}

function shadowGid(ctx: SeedContext): number {
  const line = ctx.host.group.split('\n').find((l) => l.startsWith('shadow:'));
  return line ? Number(line.split(':')[2]) : 0;
}

async function seedKubernetes(ctx: SeedContext, u: Upper, m: Machine): Promise<void> {
  const { pki } = ctx;
  await u.file('etc/ssh/sshd_config.d/50-cloud-init.conf', D.SSHD_CLOUD_INIT, 0o600);
  await u.copy('usr/bin/kubelet', standin('kubelet'), 0o755);
  await u.copy('usr/bin/containerd', standin('containerd'), 0o755);
  await u.copy('usr/lib/nwlab/cmdline.py', standin('lib/cmdline.py'), 0o644);
  await u.file('usr/lib/systemd/system/kubelet.service', D.KUBELET_SERVICE);
  await u.file('usr/lib/systemd/system/containerd.service', D.CONTAINERD_SERVICE);
  await u.file('etc/systemd/system/kubelet.service.d/10-kubeadm.conf', D.KUBEADM_DROPIN);
  await u.link(`${WANTS}/containerd.service`, '/lib/systemd/system/containerd.service');
  await u.link(`${WANTS}/kubelet.service`, '/lib/systemd/system/kubelet.service');
  await u.file('etc/default/kubelet', D.DEFAULT_KUBELET);
  await u.dir('var/lib/kubelet', 0o700);
  await u.file('var/lib/kubelet/config.yaml', D.kubeletConfig(m.index));
  await u.file('var/lib/kubelet/kubeadm-flags.env', D.KUBEADM_FLAGS_ENV);
  await u.dir('var/lib/kubelet/pki', 0o755);
  await u.file('var/lib/kubelet/pki/kubelet.crt', pki.kubeletCrt);
  await u.file('var/lib/kubelet/pki/kubelet.key', pki.kubeletKey, 0o644);
  await u.dir('etc/kubernetes', 0o755);
  await u.dir('etc/kubernetes/manifests', 0o755);
  await u.file('etc/kubernetes/kubelet.conf', D.kubeletKubeconfig(ctx.kubeServer, pki.caCrt, pki.clientCrt, pki.clientKey), 0o644);
  await u.file('etc/kubernetes/bootstrap-kubelet.conf', D.bootstrapKubeconfig(ctx.kubeServer, pki.caCrt, pki.bootstrapToken), 0o600);
  await u.file('etc/kubernetes/pki/ca.crt', pki.caCrt, m.index % 2 === 1 ? 0o666 : 0o644);
  await u.file('etc/containerd/config.toml', D.containerdConfig(m.index));
  await u.dir('var/lib/containerd', 0o711);
  await u.file('etc/sysctl.d/10-lab-legacy.conf', D.SYSCTL_LEGACY);
  if (m.index % 3 === 0) await u.file('etc/sysctl.d/99-zz-vendor.conf', D.SYSCTL_VENDOR);
  await seedNodeServices(u, m.index, ctx.ctlClient);
}
