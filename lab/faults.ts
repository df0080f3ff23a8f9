import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { layout, LabError, names, STANDINS_DIR } from './config.ts';
import { execIn } from './exec.ts';
import type { LabInfo, LabNode } from './info.ts';
import { nftIn } from './network.ts';
import { alive, cmdlineHas, readPid, signal } from './node-boot.ts';
import { must, sleep } from './run.ts';

export const FAULT_KINDS = ['kubelet-crash', 'containerd-refuse', 'sshd-down', 'partition', 'ssh-new-blocked', 'latency', 'bastion-restart', 'bastion-down', 'validator-hang', 'apt-lock'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface ActiveFault {
  kind: FaultKind;
  target: string;
  arg?: string;
}

/** Files the stand-ins read: nodes/NAME/faults/<kind> holds the sha256 of the only config they accept. */
const PINNED_CONFIG: Partial<Record<FaultKind, string>> = {
  'kubelet-crash': '/var/lib/kubelet/config.yaml',
  'containerd-refuse': '/etc/containerd/config.toml',
};

const faultsFile = (info: LabInfo) => path.join(info.dir, 'faults.json');

export function activeFaults(info: LabInfo): ActiveFault[] {
  try {
    return JSON.parse(readFileSync(faultsFile(info), 'utf8')) as ActiveFault[];
  } catch {
    return [];
  }
}

function saveFaults(info: LabInfo, faults: ActiveFault[]): void {
  writeFileSync(faultsFile(info), JSON.stringify(faults, null, 2) + '\n');
}

export function isFaultKind(k: string): k is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(k);
}

function findNode(info: LabInfo, name: string): LabNode {
  const n = info.nodes.find((x) => x.name === name);
  if (!n) throw new LabError(`no node named ${JSON.stringify(name)} (nodes are node-1 … node-${info.nodeCount})`);
  return n;
}

export async function injectFault(info: LabInfo, kind: FaultKind, target: string, arg?: string): Promise<void> {
  const faults = activeFaults(info);
  if (kind === 'bastion-restart' || kind === 'bastion-down') {
    if (target !== 'bastion') throw new LabError(`${kind} takes the target "bastion"`);
  } else if (kind === 'latency' && target === 'bastion') {
    // the controller–bastion link
  } else {
    findNode(info, target);
  }
  if (faults.some((f) => f.kind === kind && f.target === target)) await healFaults(info, kind, target);
  switch (kind) {
    case 'kubelet-crash':
    case 'containerd-refuse': {
      const node = findNode(info, target);
      const file = PINNED_CONFIG[kind] as string;
      const r = await execIn(node.initPid, ['cat', file]);
      if (r.code !== 0) throw new LabError(`cannot read ${file} on ${target}: ${r.stderr.trim()}`);
      const digest = createHash('sha256').update(r.stdout).digest('hex');
      writeFileSync(path.join(node.dir, 'faults', kind), `${digest}\n`);
      break;
    }
    case 'sshd-down': {
      const r = await execIn(findNode(info, target).initPid, ['systemctl', 'stop', 'ssh']);
      if (r.code !== 0) throw new LabError(`stopping sshd on ${target}: ${r.stderr.trim()}`);
      break;
    }
    case 'partition': {
      const port = names.bastionPortLink(Number(target.slice('node-'.length)));
      await nftIn(info.bastion.netns, `table bridge ${partitionTable(target)} {
  chain forward_drop { type filter hook forward priority -200; policy accept; iifname "${port}" drop; oifname "${port}" drop; }
  chain input_drop { type filter hook input priority -200; policy accept; iifname "${port}" drop; }
  chain output_drop { type filter hook output priority -200; policy accept; oifname "${port}" drop; }
}
`);
      break;
    }
    case 'ssh-new-blocked': {
      // only new connections: a session nodeward already has keeps working, a fresh login does not.
      // Matched on the SYN, not on conntrack's "new": conntrack may not be running in the bastion's
      // namespace until this table loads, and then it picks the live session up mid-stream as "new".
      await nftIn(info.bastion.netns, `table ip ${sshBlockTable(target)} {
  chain output_drop { type filter hook output priority 0; policy accept; ip daddr ${findNode(info, target).address} tcp dport 22 tcp flags & (syn | ack) == syn drop; }
}
`);
      break;
    }
    case 'latency': {
      const ms = Number(arg);
      if (!Number.isFinite(ms) || ms <= 0 || ms > 10_000) throw new LabError('latency takes a delay in ms (1-10000): fault latency bastion 50, or fault latency node-2 300');
      await startDelayLine(info, target, ms);
      break;
    }
    case 'bastion-down': {
      // the bastion's sshd dies with every session it carries, and stays down until healed
      const r = await execIn(info.bastion.pid, ['/bin/sh', '-c', 'systemctl stop ssh; for p in $(pgrep -x sshd); do kill -KILL "$p"; done; true']);
      if (r.code !== 0) throw new LabError(`stopping the bastion's sshd: ${r.stderr.trim()}`);
      break;
    }
    case 'validator-hang': {
      // node-local: a containerd started through SSH and sudo sees it too
      const r = await execIn(findNode(info, target).initPid, ['/bin/sh', '-c', `mkdir -p ${NODE_FAULTS} && : > ${NODE_FAULTS}/validator-hang`]);
      if (r.code !== 0) throw new LabError(`marking ${target}: ${r.stderr.trim()}`);
      break;
    }
    case 'apt-lock': {
      // another apt-get holding dpkg's frontend lock (an fcntl lock, as dpkg takes it) until healed
      const holder = 'import fcntl, os, signal, sys; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o640); fcntl.lockf(fd, fcntl.LOCK_EX); open(sys.argv[2], "w").write(str(os.getpid())); signal.pause()';
      const script = `mkdir -p /var/lib/dpkg ${NODE_FAULTS} && setsid python3 -c '${holder}' /var/lib/dpkg/lock-frontend ${NODE_FAULTS}/apt-lock.pid </dev/null >/dev/null 2>&1 & for i in 1 2 3 4 5 6 7 8 9 10; do [ -s ${NODE_FAULTS}/apt-lock.pid ] && exit 0; sleep 0.2; done; exit 1`;
      const r = await execIn(findNode(info, target).initPid, ['/bin/sh', '-c', script]);
      if (r.code !== 0) throw new LabError(`holding the dpkg lock on ${target}: ${r.stderr.trim()}`);
      break;
    }
    case 'bastion-restart': {
      // KillMode=process keeps sessions on a plain restart; a bastion restart drops them, so end them too.
      const r = await execIn(info.bastion.pid, ['/bin/sh', '-c',
        'systemctl stop ssh; for p in $(pgrep -x sshd); do kill "$p"; done; sleep 0.2; systemctl start ssh']);
      if (r.code !== 0) throw new LabError(`restarting the bastion's sshd: ${r.stderr.trim()}`);
      return;
    }
  }
  const entry: ActiveFault = arg === undefined ? { kind, target } : { kind, target, arg };
  saveFaults(info, [...activeFaults(info), entry]);
}

/** Removes faults matching kind/target (all when both are omitted). Returns what was healed. */
export async function healFaults(info: LabInfo, kind?: string, target?: string): Promise<ActiveFault[]> {
  if (kind !== undefined && !isFaultKind(kind)) throw new LabError(`unknown fault kind ${JSON.stringify(kind)}; kinds: ${FAULT_KINDS.join(', ')}`);
  const all = activeFaults(info);
  const healed: ActiveFault[] = [];
  const kept: ActiveFault[] = [];
  for (const f of all) {
    if ((kind === undefined || f.kind === kind) && (target === undefined || f.target === target)) healed.push(f);
    else kept.push(f);
  }
  for (const f of healed) await healOne(info, f);
  if (kind === 'latency' || kind === undefined) await stopDelayLines(info, kind === undefined ? undefined : target);
  saveFaults(info, kept);
  return healed;
}

async function healOne(info: LabInfo, f: ActiveFault): Promise<void> {
  switch (f.kind) {
    case 'kubelet-crash':
    case 'containerd-refuse':
      rmSync(path.join(findNode(info, f.target).dir, 'faults', f.kind), { force: true });
      break;
    case 'sshd-down':
      await execIn(findNode(info, f.target).initPid, ['systemctl', 'start', 'ssh']);
      break;
    case 'partition':
      await nftIn(info.bastion.netns, `delete table bridge ${partitionTable(f.target)}\n`).catch(() => undefined);
      break;
    case 'ssh-new-blocked':
      await nftIn(info.bastion.netns, `delete table ip ${sshBlockTable(f.target)}\n`).catch(() => undefined);
      break;
    case 'latency':
      await stopDelayLine(info, f.target);
      break;
    case 'bastion-restart':
      break;
    case 'bastion-down':
      await execIn(info.bastion.pid, ['systemctl', 'start', 'ssh']);
      break;
    case 'validator-hang':
      await execIn(findNode(info, f.target).initPid, ['rm', '-f', `${NODE_FAULTS}/validator-hang`]).catch(() => undefined);
      break;
    case 'apt-lock':
      // ends only the lock holder the fault started (its pid file), checked by its command line
      await execIn(findNode(info, f.target).initPid, ['/bin/sh', '-c', `p=$(cat ${NODE_FAULTS}/apt-lock.pid 2>/dev/null); case $p in ''|*[!0-9]*) ;; *) grep -q lock-frontend /proc/$p/cmdline 2>/dev/null && kill "$p" ;; esac; rm -f ${NODE_FAULTS}/apt-lock.pid`]).catch(() => undefined);
      break;
  }
}

/** Faults that stand-ins started through SSH must see: under the node's own /run (a tmpfs of its own). */
const NODE_FAULTS = '/run/nwlab/faults';

const sshBlockTable = (node: string) => `nwlab_sshblock_${node.replace('-', '_')}`;

const partitionTable = (node: string) => `nwlab_partition_${node.replace('-', '_')}`;
/**
 * A delay line is a userspace forwarder (`standins/delayline.py`, the kernel has no netem) put in
 * the middle of one link: the controller–bastion link ("bastion": wan-a and wan-b off br-wan in
 * the wan namespace), or one node's link (its port on the bastion's br0 taken off the bridge and
 * joined to a new veth on br0 through the forwarder, in the bastion's namespace).
 */
type DelayInfo = Pick<LabInfo, 'dir' | 'id' | 'layout'>;

interface DelayLink {
  readonly netns: string;
  readonly a: string;
  readonly b: string;
  /** `ip -batch` lines that take the link apart for the forwarder, and those that put it back. */
  readonly open: string;
  readonly close: string;
}

function delayLink(info: DelayInfo, target: string): DelayLink {
  if (target === 'bastion') {
    return {
      netns: names.wanNs(info.id),
      a: 'wan-a',
      b: 'wan-b',
      open: 'link set wan-a nomaster\nlink set wan-b nomaster\n',
      close: 'link set wan-a master br-wan\nlink set wan-b master br-wan\n',
    };
  }
  const index = Number(target.slice('node-'.length));
  const machine = layout.machineOf(index, info.layout?.perMachine ?? 1);
  const port = names.bastionPortLink(machine);
  const [near, far] = [`dl${machine}a`, `dl${machine}b`];
  return {
    netns: names.bastionNs(info.id),
    a: port,
    b: far,
    open: `link add ${near} type veth peer name ${far}\nlink set ${near} master br0\nlink set ${near} up\nlink set ${far} up\nlink set ${port} nomaster\n`,
    close: `link set ${port} master br0\nlink del ${near}\n`,
  };
}

const delayPidFile = (dir: string, target: string) => path.join(dir, target === 'bastion' ? 'delayline.pid' : `delayline-${target}.pid`);

async function startDelayLine(info: LabInfo, target: string, ms: number): Promise<void> {
  const link = delayLink(info, target);
  await must('ip', ['-n', link.netns, '-batch', '-'], { input: link.open });
  const log = openSync(path.join(info.dir, 'delayline.log'), 'a');
  const child = spawn('ip', ['netns', 'exec', link.netns, '/usr/bin/python3', path.join(STANDINS_DIR, 'delayline.py'), link.a, link.b, String(ms), info.dir], {
    detached: true, stdio: ['ignore', log, log], cwd: '/',
  });
  closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new LabError('could not start the delay line');
  writeFileSync(delayPidFile(info.dir, target), `${child.pid}\n`);
  await sleep(200);
  if (!alive(child.pid)) throw new LabError(`delay line exited; see ${path.join(info.dir, 'delayline.log')}`);
}

/** Ends the delay line on `target`'s link (by its recorded PID) and puts the link back as it was. */
export async function stopDelayLine(info: DelayInfo, target: string): Promise<void> {
  const file = delayPidFile(info.dir, target);
  const pid = readPid(file);
  if (pid !== undefined && cmdlineHas(pid, 'delayline.py') && cmdlineHas(pid, info.dir)) {
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + 2000;
    while (alive(pid) && Date.now() < deadline) await sleep(20);
    if (alive(pid)) signal(pid, 'SIGKILL');
  }
  if (existsSync(file)) {
    rmSync(file, { force: true });
    const link = delayLink(info, target);
    await must('ip', ['-n', link.netns, '-batch', '-'], { input: link.close }).catch(() => undefined);
  }
}

/** Every delay line the lab runs (or the one on `target`'s link). */
export async function stopDelayLines(info: DelayInfo, target?: string): Promise<void> {
  if (target !== undefined) return stopDelayLine(info, target);
  const targets = ['bastion', ...readdirSync(info.dir).flatMap((name) => /^delayline-(node-\d+)\.pid$/.exec(name)?.slice(1) ?? [])];
  for (const each of targets) await stopDelayLine(info, each);
}
