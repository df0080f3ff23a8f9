import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { addresses, apiserverPort, labDir, labId, LabError, layout, MAX_NODES, names, nodeIndex } from './config.ts';
import { startApiserver, stopApiserver } from './apiserver.ts';
import { control } from './control.ts';
import { ensureCtlClient } from './ctl-client.ts';
import { execIn } from './exec.ts';
import { healFaults, injectFault, isFaultKind, stopDelayLines, activeFaults, FAULT_KINDS, type ActiveFault } from './faults.ts';
import { labelLabNodes } from './node-labels.ts';
import { inventoryYaml, kubeconfigYaml, sshConfig, labJsonPath, readLabInfo, tryReadLabInfo, writeLabInfo, type LabInfo, type LabNode } from './info.ts';
import { ensureHostKeys, ensureOperatorKey, ensurePki, secretStrings } from './keys.ts';
import { createNetwork, deleteNetwork, labNamespaces, nftIn } from './network.ts';
import { bootMachine, stopMachine, waitReady } from './node-boot.ts';
import { mapLimit, run, type RunResult } from './run.ts';
import { seedContext, seedMachine, type Machine, type SeedContext } from './seed.ts';
import { cgroupDriverOf } from './seed-data.ts';

export { readLabInfo } from './info.ts';
export type { LabInfo, LabNode } from './info.ts';
export { FAULT_KINDS } from './faults.ts';

export interface UpOptions {
  log?: (message: string) => void;
  /** Nodes per machine: one namespace set, init and sshd (one port per node) for this many nodes. Default 1. */
  perMachine?: number;
  /** Nodes start only sshd (no kubelet, containerd or other daemons); their files are seeded all the same. */
  light?: boolean;
}

interface Layout {
  readonly nodes: number;
  readonly perMachine: number;
  readonly light: boolean;
}

const SINGLE: Layout = { nodes: 0, perMachine: 1, light: false };

function machineOf(dir: string, i: number, lay: Layout = SINGLE): Machine {
  if (i === 0) return { name: 'bastion', index: 0, role: 'bastion', dir: path.join(dir, 'bastion') };
  const name = layout.machineName(i, lay.perMachine);
  const first = (i - 1) * lay.perMachine + 1;
  const count = Math.max(1, Math.min(lay.perMachine, lay.nodes - first + 1));
  const sshPorts = Array.from({ length: count }, (_, k) => layout.port(first + k, lay.perMachine));
  return { name, index: i, role: 'node', dir: path.join(dir, 'nodes', name), sshPorts, light: lay.light };
}

function layoutOf(info: LabInfo): Layout {
  return { nodes: info.nodeCount, perMachine: info.layout?.perMachine ?? 1, light: info.layout?.light ?? false };
}

async function makeSeedContext(dir: string): Promise<SeedContext> {
  const [pki, op, ctlClient] = await Promise.all([ensurePki(dir), ensureOperatorKey(dir), ensureCtlClient(dir)]);
  // Only a name in kubelet.conf: kubelets reach the API stand-in through NWLAB_APISERVER_SOCK.
  return seedContext(dir, pki, op.publicKey, `https://${addresses.host(labId())}:6443`, ctlClient);
}

/** (Re)creates the lab with n nodes. Returns its info (also in lab.json). */
/** Fails before anything starts when a program the lab runs is not installed (sshd above all). */
async function checkPrereqs(): Promise<void> {
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), 'prereqs.sh');
  const result = await run('bash', [script, '--check']);
  if (result.code !== 0) throw new LabError(result.stderr.trim() || `${script} --check exited ${result.code}`);
}

export async function labUp(n: number, opts: UpOptions = {}): Promise<LabInfo> {
  const log = opts.log ?? (() => {});
  if (!Number.isInteger(n) || n < 1 || n > MAX_NODES) throw new LabError(`node count must be 1-${MAX_NODES}, got ${n}`);
  const lay: Layout = { nodes: n, perMachine: opts.perMachine ?? 1, light: opts.light ?? false };
  if (!Number.isInteger(lay.perMachine) || lay.perMachine < 1 || lay.perMachine > 50) throw new LabError(`nodes per machine must be 1-50, got ${lay.perMachine}`);
  if (process.getuid?.() !== 0) throw new LabError('the lab needs root (network namespaces, mounts)');
  await checkPrereqs();
  const id = labId();
  const dir = labDir(id);
  if (existsSync(labJsonPath(dir)) || (await labNamespaces(id)).length > 0 || existsSync(path.join(dir, 'apiserver.pid'))) {
    log(`lab ${id} exists: taking it down first`);
    await labDown();
  }
  mkdirSync(path.join(dir, 'nodes'), { recursive: true });
  const port = apiserverPort(id);
  const machines = Array.from({ length: Math.ceil(n / lay.perMachine) + 1 }, (_, i) => machineOf(dir, i, lay));
  try {
    log('keys and certificates');
    const [ctxBase] = await Promise.all([
      makeSeedContext(dir),
      mapLimit(machines, 8, async (m) => ensureHostKeys(path.join(m.dir, 'hostkeys'), m.name)),
    ]);
    log(`network: ${machines.length + 1} namespaces`);
    await createNetwork(id, machines.slice(1).map((m) => m.index));
    log('API server stand-in');
    const api = await startApiserver(dir, port);
    const ctx = seedContext(dir, ctxBase.pki, ctxBase.operatorPub, ctxBase.kubeServer, ctxBase.ctlClient);
    log('seeding');
    await mapLimit(machines, 16, (m) => seedMachine(ctx, m));
    log('booting');
    const bootedAt = Math.floor(Date.now() / 1000);
    const booted = await mapLimit(machines, 16, (m) => bootMachine(m.index === 0 ? names.bastionNs(id) : names.nodeNs(id, m.index), m.dir));
    const bastionBoot = booted[0];
    if (!bastionBoot) throw new LabError('bastion did not boot');
    const info: LabInfo = {
      version: 1,
      id,
      dir,
      createdAt: new Date().toISOString(),
      nodeCount: n,
      bastion: { address: addresses.bastion(id), port: 22, netns: names.bastionNs(id), pid: bastionBoot.initPid, launcherPid: bastionBoot.launcherPid, dir: machines[0]?.dir ?? '' },
      apiserver: { url: api.url, port: api.port, pid: api.pid, socket: api.socket },
      nodes: Array.from({ length: n }, (_, k): LabNode => {
        const i = k + 1;
        const m = layout.machineOf(i, lay.perMachine);
        return {
          name: names.node(i),
          address: addresses.node(m),
          port: layout.port(i, lay.perMachine),
          netns: names.nodeNs(id, m),
          initPid: booted[m]?.initPid ?? 0,
          launcherPid: booted[m]?.launcherPid ?? 0,
          dir: machines[m]?.dir ?? '',
          labels: { pool: i % 5 === 0 ? 'infra' : 'general', zone: i % 2 === 1 ? 'a' : 'b' },
          cgroupDriver: cgroupDriverOf(m),
        };
      }),
      ...(lay.perMachine === 1 && !lay.light ? {} : { layout: { perMachine: lay.perMachine, light: lay.light } }),
      users: { ops: 'ops', pwuser: 'pwuser', pwuserPassword: ctx.pki.pwuserPassword },
      files: {
        inventory: path.join(dir, 'inventory.yaml'),
        identityFile: path.join(dir, 'id_ed25519'),
        knownHosts: path.join(dir, 'known_hosts'),
        kubeconfig: path.join(dir, 'kubeconfig'),
        sshConfig: path.join(dir, 'ssh_config'),
      },
      secrets: secretStrings(ctx.pki),
    };
    writeLabInfo(info);
    log('waiting for sshd and units');
    await Promise.all(machines.map((m, k) => waitReady(m.dir, booted[k]?.initPid ?? 0)));
    const knownHosts: string[] = [];
    const hostKeys = await mapLimit(machines, 8, (m) => ensureHostKeys(path.join(m.dir, 'hostkeys'), m.name));
    const keyLines = (k: number, name: string): string[] => (hostKeys[k] ?? []).map((pub) => `${name} ${pub.split(' ').slice(0, 2).join(' ')}`);
    knownHosts.push(...keyLines(0, info.bastion.address));
    for (const node of info.nodes) {
      const m = layout.machineOf(nodeIndex(node.name) ?? 0, lay.perMachine);
      knownHosts.push(...keyLines(m, node.port === 22 ? node.address : `[${node.address}]:${node.port}`));
    }
    writeFileSync(info.files.knownHosts, knownHosts.join('\n') + '\n');
    writeFileSync(info.files.inventory, inventoryYaml(info));
    writeFileSync(info.files.kubeconfig, kubeconfigYaml(api.url));
    writeFileSync(info.files.sshConfig, sshConfig(info));
    if (!lay.light) {
      // a plan made before then would see the tunables the kubelet is about to write (lab/README.md)
      log('waiting for every kubelet to post Ready');
      await waitFirstHeartbeat(api.url, info.nodes.map((x) => x.name), bootedAt - 1, 45_000 + n * 300);
      await labelLabNodes(api.url, info.nodes.map((x) => x.name));
    }
    return info;
  } catch (e) {
    log(`up failed, cleaning up: ${(e as Error).message}`);
    await labDown().catch(() => undefined);
    throw e;
  }
}

/** Ends what the lab started (by recorded PID), deletes its namespaces and host veth. Safe to run twice. */
export async function labDown(): Promise<{ stopped: number; namespaces: number }> {
  const id = labId();
  const dir = labDir(id);
  const info = tryReadLabInfo(dir);
  await stopDelayLines({ dir, id, ...(info?.layout ? { layout: info.layout } : {}) });
  const dirs = machineDirs(dir);
  const stopped = await mapLimit(dirs, 32, (d) => {
    const known = info?.nodes.find((x) => x.dir === d) ?? (info && d === info.bastion.dir ? { initPid: info.bastion.pid, launcherPid: info.bastion.launcherPid } : undefined);
    return stopMachine(d, known ? { initPid: known.initPid, launcherPid: known.launcherPid } : {});
  });
  await stopApiserver(dir, info?.apiserver.pid);
  const namespaces = (await labNamespaces(id)).length;
  await deleteNetwork(id);
  for (const f of ['lab.json', 'faults.json', 'inventory.yaml', 'known_hosts', 'kubeconfig', 'ssh_config', 'apiserver.sock']) {
    rmSync(path.join(dir, f), { force: true });
  }
  return { stopped: stopped.filter(Boolean).length, namespaces };
}

function machineDirs(dir: string): string[] {
  const out: string[] = [];
  if (existsSync(path.join(dir, 'bastion'))) out.push(path.join(dir, 'bastion'));
  const nodes = path.join(dir, 'nodes');
  if (existsSync(nodes)) for (const n of readdirSync(nodes)) out.push(path.join(nodes, n));
  return out;
}

/** Puts nodes (default: all) back into their seeded state, keeping their host keys. */
export async function labReset(nodes?: readonly string[]): Promise<LabInfo> {
  const info = readLabInfo();
  const lay = layoutOf(info);
  const requested = nodes && nodes.length > 0 ? [...nodes] : info.nodes.map((x) => x.name);
  for (const t of requested) {
    if (t !== 'bastion' && !info.nodes.some((x) => x.name === t)) throw new LabError(`no node named ${JSON.stringify(t)}`);
  }
  // A machine carrying several nodes is reset whole: its other nodes are reset too.
  const machineIndexes = [...new Set(requested.map((t) => (t === 'bastion' ? 0 : layout.machineOf(nodeIndex(t) ?? 0, lay.perMachine))))];
  const onMachine = (m: Machine): LabNode[] => info.nodes.filter((x) => x.dir === m.dir);
  const targets = new Set(machineIndexes.flatMap((i) => (i === 0 ? ['bastion'] : onMachine(machineOf(info.dir, i, lay)).map((x) => x.name))));
  for (const f of activeFaults(info)) {
    if (targets.has(f.target)) await healFaults(info, f.kind, f.target);
  }
  const ctx = await makeSeedContext(info.dir);
  const resetAt = Math.floor(Date.now() / 1000);
  await mapLimit(machineIndexes, 16, async (i) => {
    const m = machineOf(info.dir, i, lay);
    const entries = i === 0 ? [] : onMachine(m);
    const first = entries[0];
    await stopMachine(m.dir, i === 0 ? { initPid: info.bastion.pid, launcherPid: info.bastion.launcherPid } : { initPid: first?.initPid ?? 0, launcherPid: first?.launcherPid ?? 0 });
    await seedMachine(ctx, m);
    const netns = i === 0 ? info.bastion.netns : (first?.netns ?? '');
    // a node's nftables rules (a host firewall applied to it) live in its network namespace, which
    // outlives the reset: a reset node starts with none, as it was seeded
    if (i !== 0 && netns !== '') await nftIn(netns, 'flush ruleset\n').catch(() => undefined);
    const b = await bootMachine(netns, m.dir);
    await waitReady(m.dir, b.initPid);
    for (const entry of entries) {
      entry.initPid = b.initPid;
      entry.launcherPid = b.launcherPid;
    }
    if (i === 0) {
      info.bastion.pid = b.initPid;
      info.bastion.launcherPid = b.launcherPid;
    }
  });
  writeLabInfo(info);
  const kubelets = info.nodes.filter((n) => targets.has(n.name) && !lay.light).map((n) => n.name);
  if (kubelets.length > 0) {
    await waitFirstHeartbeat(info.apiserver.url, kubelets, resetAt);
    // a Node deleted and registered again by its kubelet gets its zone and role back
    await labelLabNodes(info.apiserver.url, kubelets);
  }
  return info;
}

function initPidOf(info: LabInfo, node: string): number {
  if (node === 'bastion') return info.bastion.pid;
  const n = info.nodes.find((x) => x.name === node);
  if (!n) throw new LabError(`no node named ${JSON.stringify(node)} (nodes are node-1 … node-${info.nodeCount}, or bastion)`);
  return n.initPid;
}

/** Runs argv as root inside a node (or "bastion"): its PID, mount, network and UTS namespaces. */
export async function labExec(node: string, argv: readonly string[], opts: { input?: string } = {}): Promise<RunResult> {
  if (argv.length === 0) throw new LabError('labExec needs a command');
  return execIn(initPidOf(readLabInfo(), node), argv, opts.input);
}

export async function labFault(kind: string, target: string, arg?: string): Promise<void> {
  if (!isFaultKind(kind)) throw new LabError(`unknown fault kind ${JSON.stringify(kind)}; kinds: ${FAULT_KINDS.join(', ')}`);
  await injectFault(readLabInfo(), kind, target, arg);
}

export async function labHeal(kind?: string, target?: string): Promise<ActiveFault[]> {
  return healFaults(readLabInfo(), kind, target);
}

export interface NodeStatus {
  name: string;
  address: string;
  initPid: number;
  ssh: string;
  kubelet: string;
  containerd: string;
  ready: string;
}

export async function labStatus(): Promise<{ info: LabInfo; nodes: NodeStatus[]; faults: ActiveFault[] }> {
  const info = readLabInfo();
  const readiness = await nodeReadiness(info.apiserver.url);
  const rows = await mapLimit([{ name: 'bastion', address: info.bastion.address, initPid: info.bastion.pid, dir: info.bastion.dir }, ...info.nodes], 16, async (n) => {
    const states = await control(path.join(n.dir, 'control.sock'), 'systemctl', ['is-active', 'ssh', 'kubelet', 'containerd'])
      .then((r) => r.stdout.trim().split('\n'))
      .catch(() => ['down', 'down', 'down']);
    return {
      name: n.name,
      address: n.address,
      initPid: n.initPid,
      ssh: states[0] ?? '?',
      kubelet: n.name === 'bastion' ? '-' : (states[1] ?? '?'),
      containerd: n.name === 'bastion' ? '-' : (states[2] ?? '?'),
      ready: n.name === 'bastion' ? '-' : (readiness.get(n.name) ?? 'Unknown'),
    };
  });
  return { info, nodes: rows, faults: activeFaults(info) };
}

/**
 * After a boot or reset, until each kubelet posts its first Ready heartbeat since `since` (epoch
 * s): a kubelet starts its container manager, and writes the kernel tunables it manages, only once
 * the runtime answers, which can be after /healthz. A node is "up" once that has happened.
 */
async function waitFirstHeartbeat(url: string, nodes: readonly string[], since: number, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const fresh = new Set<string>();
    try {
      const r = await fetch(`${url}/api/v1/nodes`, { signal: AbortSignal.timeout(3000) });
      const body = (await r.json()) as { items?: { metadata?: { name?: string }; status?: { conditions?: { type?: string; status?: string; lastHeartbeatTime?: string }[] } }[] };
      for (const item of body.items ?? []) {
        const ready = item.status?.conditions?.find((c) => c.type === 'Ready');
        if (item.metadata?.name && ready?.status === 'True' && Date.parse(ready.lastHeartbeatTime ?? '') / 1000 > since) fresh.add(item.metadata.name);
      }
    } catch {
      // the API server stand-in is restarting: try again
    }
    const missing = nodes.filter((n) => !fresh.has(n));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new LabError(`these kubelets posted no Ready heartbeat within ${timeoutMs / 1000} s: ${missing.join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function nodeReadiness(url: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  try {
    const r = await fetch(`${url}/api/v1/nodes`, { signal: AbortSignal.timeout(3000) });
    const body = (await r.json()) as { items?: { metadata?: { name?: string }; status?: { conditions?: { type?: string; status?: string }[] } }[] };
    for (const item of body.items ?? []) {
      const ready = item.status?.conditions?.find((c) => c.type === 'Ready')?.status;
      if (item.metadata?.name) out.set(item.metadata.name, ready ?? 'Unknown');
    }
  } catch {
    // API server stand-in not answering: every node shows Unknown
  }
  return out;
}
