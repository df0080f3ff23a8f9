// The lab's stand-ins (kubelet, containerd, API server) run directly on the host here, without
// the full lab: daemons that listen go into a throwaway network namespace, and every kubelet
// runs in its own mount namespace with files bind-mounted over the six /proc/sys entries it
// reads or writes, so the host's kernel settings are never touched.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { V1List, V1Node, V1Pod } from '../../src/kube/api-types.ts';
import { createKubeNodes } from '../../src/kube/client.ts';
import { createKubeRest, type KubeRequest } from '../../src/kube/rest.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const STANDINS = path.join(ROOT, 'lab/standins');
const FIXTURES = path.join(ROOT, 'test/fixtures/standins');
const KUBELET = path.join(STANDINS, 'kubelet');
const CONTAINERD = path.join(STANDINS, 'containerd');
const NS = `nwst-${process.pid}`;
const GRACE_SECONDS = 3;
const TUNABLES = ['vm/overcommit_memory', 'vm/panic_on_oom', 'kernel/panic', 'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys', 'kernel/keys/root_maxbytes'] as const;
const KUBELET_VALUES: Record<(typeof TUNABLES)[number], string> = {
  'vm/overcommit_memory': '1', 'vm/panic_on_oom': '0', 'kernel/panic': '10', 'kernel/panic_on_oops': '1',
  'kernel/keys/root_maxkeys': '1000000', 'kernel/keys/root_maxbytes': '25000000',
};
// Kernel tunables as a node might have them before hardening (none at the kubelet's values).
const OFF_VALUES: Record<(typeof TUNABLES)[number], string> = {
  'vm/overcommit_memory': '0', 'vm/panic_on_oom': '0', 'kernel/panic': '0', 'kernel/panic_on_oops': '0',
  'kernel/keys/root_maxkeys': '200', 'kernel/keys/root_maxbytes': '20000',
};

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

const started: Proc[] = [];
const persistent = new Set<Proc>(); // kept across the tests of a describe block
let dir = '';
let apiPort = 0;
let apiSock = '';
let apiserver: Proc | undefined;
let kubeconfig = '';
let caFile = '';
let hostTunables: string[] = [];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function run(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: env ?? process.env, timeout: timeoutMs, maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function must(cmd: string, args: readonly string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

function start(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Proc {
  const child = spawn(cmd, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => { buf += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { buf += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const proc = { child, output: () => buf, exited };
  started.push(proc);
  return proc;
}

/** SIGTERM our own process by its PID, SIGKILL if it lingers. */
async function stop(proc: Proc): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const done = await Promise.race([proc.exited.then(() => true), sleep(5_000).then(() => false)]);
  if (!done) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
}

async function exitOf(proc: Proc, timeoutMs = 10_000): Promise<number | null | 'running'> {
  return Promise.race([proc.exited, sleep(timeoutMs).then(() => 'running' as const)]);
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await sleep(150);
  }
  throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function readHostTunables(): string[] {
  return TUNABLES.map((k) => readFileSync(`/proc/sys/${k}`, 'utf8').trim());
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** A directory for one test: its own sysctl files, configs and fault dir. */
function caseDir(name: string, tunables: Record<string, string> = OFF_VALUES): string {
  const d = path.join(dir, name);
  mkdirSync(path.join(d, 'sysctl'), { recursive: true });
  mkdirSync(path.join(d, 'faults'), { recursive: true });
  for (const k of TUNABLES) writeFileSync(path.join(d, 'sysctl', k.replaceAll('/', '.')), `${tunables[k]}\n`);
  return d;
}

function tunablesIn(d: string): Record<string, string> {
  return Object.fromEntries(TUNABLES.map((k) => [k, readFileSync(path.join(d, 'sysctl', k.replaceAll('/', '.')), 'utf8').trim()]));
}

function kubeletConfig(d: string, extra = '', replace: Record<string, string> = {}): string {
  let text = readFileSync(path.join(FIXTURES, 'kubelet-config.yaml'), 'utf8');
  for (const [from, to] of Object.entries(replace)) text = text.replace(from, to);
  text = text.replaceAll('@CA@', caFile);
  const file = path.join(d, 'config.yaml');
  writeFileSync(file, text + extra);
  return file;
}

function containerdConfig(d: string, fixture: 'containerd-v2.toml' | 'containerd-v3.toml', replace: Record<string, string> = {}): string {
  let text = readFileSync(path.join(FIXTURES, fixture), 'utf8').replaceAll('@SOCK@', path.join(d, 'containerd.sock'));
  for (const [from, to] of Object.entries(replace)) text = text.replace(from, to);
  const file = path.join(d, 'config.toml');
  writeFileSync(file, text);
  return file;
}

const MOUNT_SYSCTLS = [
  'set -e',
  `for k in ${TUNABLES.join(' ')}; do mount --bind "$NWST_SYSCTL/$(echo "$k" | tr / .)" "/proc/sys/$k"; done`,
  'exec "$@"',
].join('; ');

/** The kubelet in the test namespace and a private mount namespace with the case's sysctl files. */
function startKubelet(d: string, node: string, config: string, extraFlags: string[] = []): Proc {
  const env = { ...process.env, NWST_SYSCTL: path.join(d, 'sysctl'), NWLAB_APISERVER_SOCK: apiSock, NWLAB_NODE_DIR: d };
  return start('ip', ['netns', 'exec', NS, 'unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', MOUNT_SYSCTLS, 'sh',
    KUBELET, '--bootstrap-kubeconfig=/nonexistent/bootstrap-kubelet.conf', `--kubeconfig=${path.join(dir, 'kubelet.conf')}`,
    `--config=${config}`, `--container-runtime-endpoint=unix://${path.join(d, 'containerd.sock')}`,
    `--hostname-override=${node}`, ...extraFlags], env);
}

function startContainerd(d: string, config: string): Proc {
  return start('ip', ['netns', 'exec', NS, CONTAINERD, '--config', config], { ...process.env, NWLAB_NODE_DIR: d });
}

async function containerdUp(d: string): Promise<void> {
  await waitFor('containerd socket', async () => (existsSync(path.join(d, 'containerd.sock')) ? true : undefined), 10_000);
}

function lineRequest(sock: string, line: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const c = connect(sock);
    let buf = '';
    c.on('connect', () => c.write(`${line}\n`));
    c.on('data', (d: Buffer) => { buf += d.toString(); });
    c.on('end', () => {
      try {
        resolve(JSON.parse(buf) as Record<string, unknown>);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    c.on('error', reject);
  });
}

async function healthz(): Promise<string> {
  const r = await run('ip', ['netns', 'exec', NS, 'curl', '-fsS', '--max-time', '2', 'http://127.0.0.1:10248/healthz']);
  return r.code === 0 ? r.stdout : `curl exit ${r.code}`;
}

function kubectl(...args: string[]): Promise<RunResult> {
  return run('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', path.join(dir, 'kube-cache'), ...args]);
}

interface Condition { type: string; status: string; reason?: string; message?: string; lastHeartbeatTime?: string }

interface NodeView {
  spec?: { unschedulable?: boolean };
  status: { conditions: Condition[]; nodeInfo: Record<string, string>; addresses: { type: string; address: string }[] };
}

async function nodeJson(name: string): Promise<NodeView> {
  const r = await kubectl('get', 'node', name, '-o', 'json');
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as NodeView;
}

async function readyOf(name: string): Promise<Condition | undefined> {
  return (await nodeJson(name)).status.conditions.find((c) => c.type === 'Ready');
}

function startApiserver(): Proc {
  return start('/usr/bin/python3', [path.join(STANDINS, 'apiserver.py'), '--port', String(apiPort), '--socket', apiSock,
    '--state-dir', path.join(dir, 'apiserver'), '--grace', String(GRACE_SECONDS), '--pidfile', path.join(dir, 'apiserver.pid'),
    '--pdb-block', 'default/api']);
}

async function apiserverUp(): Promise<void> {
  await waitFor('API server', async () => {
    const res = await fetch(`http://127.0.0.1:${apiPort}/version`);
    return res.ok && existsSync(apiSock) ? true : undefined;
  });
}

beforeAll(async () => {
  hostTunables = readHostTunables();
  dir = mkdtempSync(path.join(tmpdir(), 'nwst-'));
  await must('ip', ['netns', 'add', NS]);
  await must('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  // An eth0 with an address from the lab range, as in a node (its peer stays in the namespace too).
  await must('ip', ['-n', NS, 'link', 'add', 'nwst-peer', 'type', 'veth', 'peer', 'name', 'eth0']);
  await must('ip', ['-n', NS, 'addr', 'add', '198.19.255.10/16', 'dev', 'eth0']);
  await must('ip', ['-n', NS, 'link', 'set', 'eth0', 'up']);
  await must('ip', ['-n', NS, 'link', 'set', 'nwst-peer', 'up']);
  caFile = path.join(dir, 'ca.crt');
  writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2E=\n-----END CERTIFICATE-----\n');
  apiPort = await freePort();
  apiSock = path.join(dir, 'apiserver.sock');
  kubeconfig = path.join(dir, 'kubeconfig');
  const kc = ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: lab', '  cluster:', `    server: http://127.0.0.1:${apiPort}`,
    '    insecure-skip-tls-verify: true', 'contexts:', '- name: lab', '  context: {cluster: lab, user: ops}',
    'current-context: lab', 'users:', '- name: ops', '  user: {}', ''].join('\n');
  writeFileSync(kubeconfig, kc);
  writeFileSync(path.join(dir, 'kubelet.conf'), kc);
  apiserver = startApiserver();
  await apiserverUp();
});

afterEach(async () => {
  for (const proc of started.filter((p) => p !== apiserver && !persistent.has(p))) await stop(proc);
});

afterAll(async () => {
  for (const proc of started) await stop(proc);
  await run('ip', ['netns', 'del', NS]);
  if (dir) rmSync(dir, { recursive: true, force: true });
  // The kubelet writes kernel tunables at start; here it only ever wrote the bind-mounted files.
  expect(readHostTunables()).toEqual(hostTunables);
});

describe('containerd stand-in', () => {
  test('--version looks like containerd.io 1.7.24', async () => {
    const r = await run(CONTAINERD, ['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^containerd containerd\.io 1\.7\.24 [0-9a-f]{40}\n$/);
  });

  test('config dump merges a v2 file over the defaults', async () => {
    const d = caseDir('ctd-dump-v2');
    const r = await run(CONTAINERD, ['--config', containerdConfig(d, 'containerd-v2.toml'), 'config', 'dump']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^version = 2$/m);
    expect(r.stdout).toContain('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]');
    expect(r.stdout).toMatch(/^ +SystemdCgroup = true$/m);
    expect(r.stdout).toMatch(/^ +sandbox_image = "registry.k8s.io\/pause:3.10"$/m);
    for (const key of ['restrict_oom_score_adj = false', 'disable_proc_mount = false', 'enable_unprivileged_ports = false',
      'enable_unprivileged_icmp = false', 'disable_tcp_service = true', 'stream_server_address = "127.0.0.1"']) {
      expect(r.stdout).toContain(key);
    }
    expect(r.stdout).toContain(`address = "${path.join(d, 'containerd.sock')}"`);
  });

  test('config dump understands the v3 layout', async () => {
    const d = caseDir('ctd-dump-v3');
    const r = await run(CONTAINERD, ['--config', containerdConfig(d, 'containerd-v3.toml'), 'config', 'dump']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]");
    expect(r.stdout).toMatch(/^ +SystemdCgroup = false$/m);
    expect(r.stdout).toMatch(/^ +enable_unprivileged_ports = false$/m);
    expect(r.stdout).toMatch(/^ +enable_unprivileged_icmp = true$/m);
    expect(r.stdout).toContain('tcp_address = "127.0.0.1:17001"');
  });

  test.each([
    ['invalid TOML', 'version = 2\n[grpc\naddress = "x"\n', /^containerd: failed to load TOML: .*config\.toml: \(2, 6\): /],
    ['an unknown version', 'version = 4\n', /expected containerd config version equal to or less than `3`, got `4`/],
    ['a mistyped SystemdCgroup', 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\nSystemdCgroup = "true"\n',
      /cannot decode TOML string into struct field .*SystemdCgroup of type bool/],
  ])('config dump rejects %s', async (_what, text, message) => {
    const d = caseDir(`ctd-bad-${_what.replaceAll(' ', '-')}`);
    writeFileSync(path.join(d, 'config.toml'), text);
    const r = await run(CONTAINERD, ['--config', path.join(d, 'config.toml'), 'config', 'dump']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  test('the daemon refuses invalid TOML and serves RuntimeConfig on its socket otherwise', async () => {
    const bad = caseDir('ctd-daemon-bad');
    writeFileSync(path.join(bad, 'config.toml'), 'version = 2\n[grpc\n');
    const refused = startContainerd(bad, path.join(bad, 'config.toml'));
    expect(await exitOf(refused)).toBe(1);
    expect(refused.output()).toContain('containerd: failed to load TOML: ');

    const d = caseDir('ctd-daemon');
    const ctd = startContainerd(d, containerdConfig(d, 'containerd-v3.toml'));
    await containerdUp(d);
    const sock = path.join(d, 'containerd.sock');
    const st = statSync(sock);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o660);
    expect([st.uid, st.gid]).toEqual([0, 0]);
    expect(await lineRequest(sock, 'RuntimeConfig')).toMatchObject({ systemdCgroup: false, version: '1.7.24' });
    expect(await lineRequest(sock, 'Version')).toMatchObject({ version: '1.7.24', runtimeName: 'containerd' });
    // tcp_address is served, so a check for a TCP gRPC listener can see it.
    const ss = await must('ip', ['netns', 'exec', NS, 'ss', '-ltnpH']);
    expect(ss).toMatch(/127\.0\.0\.1:17001 .*"containerd"/);
    await stop(ctd);
    expect(existsSync(sock)).toBe(false);
  });

  test('the containerd-refuse fault only lets the faulted config start', async () => {
    const d = caseDir('ctd-fault');
    const config = containerdConfig(d, 'containerd-v2.toml');
    writeFileSync(path.join(d, 'faults', 'containerd-refuse'), `${sha256(config)}\n`);
    const same = startContainerd(d, config);
    await containerdUp(d);
    await stop(same);
    writeFileSync(config, readFileSync(config, 'utf8').replace('SystemdCgroup = true', 'SystemdCgroup = false'));
    const changed = startContainerd(d, config);
    expect(await exitOf(changed)).toBe(1);
    expect(changed.output()).toContain('level=fatal');
  });
});

describe('kubelet stand-in', () => {
  test('--version', async () => {
    const r = await run(KUBELET, ['--version']);
    expect(r).toMatchObject({ code: 0, stdout: 'Kubernetes v1.31.4\n' });
  });

  test('starts with a good config, writes the kernel tunables, serves healthz and registers a Ready node', async () => {
    const d = caseDir('kl-good');
    startContainerd(d, containerdConfig(d, 'containerd-v2.toml'));
    await containerdUp(d);
    const kubelet = startKubelet(d, 'st-good', kubeletConfig(d));
    expect(await waitFor('healthz', async () => ((await healthz()) === 'ok' ? 'ok' : undefined))).toBe('ok');
    // Without protectKernelDefaults the kubelet sets the six tunables (here: the node's files).
    expect(tunablesIn(d)).toEqual(KUBELET_VALUES);
    const ss = await must('ip', ['netns', 'exec', NS, 'ss', '-ltnpH']);
    expect(ss).toMatch(/0\.0\.0\.0:10250 .*"kubelet"/);
    expect(ss).toMatch(/0\.0\.0\.0:10255 .*"kubelet"/);
    const readOnly = await run('ip', ['netns', 'exec', NS, 'curl', '-sS', 'http://198.19.255.10:10255/pods']);
    expect(JSON.parse(readOnly.stdout)).toMatchObject({ kind: 'PodList', apiVersion: 'v1' });
    const plain = await run('ip', ['netns', 'exec', NS, 'curl', '-sS', 'http://198.19.255.10:10250/healthz']);
    expect(plain.stdout).toBe('Client sent an HTTP request to an HTTPS server.\n');
    await waitFor('Ready', async () => ((await readyOf('st-good'))?.status === 'True' ? true : undefined));
    const table = await kubectl('get', 'nodes');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME +STATUS +ROLES +AGE +VERSION\n/);
    expect(table.stdout).toMatch(/^st-good +Ready +<none> +\S+ +v1\.31\.4$/m);
    const node = await nodeJson('st-good');
    expect(node.status.addresses).toContainEqual({ type: 'InternalIP', address: '198.19.255.10' });
    expect(node.status.nodeInfo).toMatchObject({ kubeletVersion: 'v1.31.4', containerRuntimeVersion: 'containerd://1.7.24' });
    expect(kubelet.output()).toContain('"Successfully registered node" node="st-good"');
    // The effective config (file + flags + defaults), as /configz shows it through the API server.
    const configz = await kubectl('get', '--raw', '/api/v1/nodes/st-good/proxy/configz');
    expect(configz.code).toBe(0);
    expect(JSON.parse(configz.stdout)).toMatchObject({ kubeletconfig: {
      readOnlyPort: 10255, cgroupDriver: 'systemd', protectKernelDefaults: false, eventRecordQPS: 50,
      containerRuntimeEndpoint: `unix://${path.join(d, 'containerd.sock')}`, authorization: { mode: 'AlwaysAllow' },
    } });
  });

  test('protectKernelDefaults starts when the tunables already have the kubelet values', async () => {
    const d = caseDir('kl-pkd-ok', KUBELET_VALUES);
    startContainerd(d, containerdConfig(d, 'containerd-v2.toml'));
    await containerdUp(d);
    startKubelet(d, 'st-pkd-ok', kubeletConfig(d, 'protectKernelDefaults: true\n'));
    expect(await waitFor('healthz', async () => ((await healthz()) === 'ok' ? 'ok' : undefined))).toBe('ok');
  });

  const refusals: [string, (d: string) => string, RegExp][] = [
    ['unparsable YAML', (d) => kubeletConfig(d, 'evictionHard:\n  memory.available: [\n'),
      /"command failed" err="failed to load kubelet config file, path: .*error failed to decode: error converting YAML to JSON: yaml: line \d+:/],
    ['a wrong kind', (d) => kubeletConfig(d, '', { 'kind: KubeletConfiguration': 'kind: KubeletConfig' }),
      /no kind \\"KubeletConfig\\" is registered for version \\"kubelet\.config\.k8s\.io\/v1beta1\\"/],
    ['a wrong apiVersion', (d) => kubeletConfig(d, '', { 'kubelet.config.k8s.io/v1beta1': 'kubelet.config.k8s.io/v1' }),
      /no kind \\"KubeletConfiguration\\" is registered for version \\"kubelet\.config\.k8s\.io\/v1\\"/],
    ['a string readOnlyPort', (d) => kubeletConfig(d, '', { 'readOnlyPort: 10255': 'readOnlyPort: "10255"' }),
      /json: cannot unmarshal string into Go struct field KubeletConfiguration\.readOnlyPort of type int32/],
    ['an out-of-range port and negative eventRecordQPS', (d) => kubeletConfig(d, 'eventRecordQPS: -1\n', { 'readOnlyPort: 10255': 'readOnlyPort: 70000' }),
      /failed to validate kubelet configuration, error: \[invalid configuration: eventRecordQPS \(--event-qps\) -1 must not be a negative number, invalid configuration: readOnlyPort/],
    ['system-reserved enforcement without systemReservedCgroup', (d) => kubeletConfig(d, 'enforceNodeAllocatable: [pods, system-reserved]\n'),
      /systemReservedCgroup \(--system-reserved-cgroup\) must be specified/],
    ['an unknown TLS cipher suite', (d) => kubeletConfig(d, 'tlsCipherSuites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_RSA_WITH_NULL_SHA]\n'),
      /"Failed to construct kubelet dependencies" err="Cipher suite TLS_RSA_WITH_NULL_SHA not supported or doesn't exist"/],
    ['a missing clientCAFile', (d) => kubeletConfig(d, '', { 'clientCAFile: @CA@': 'clientCAFile: /nonexistent/pki/ca.crt' }),
      /unable to load client CA file \/nonexistent\/pki\/ca\.crt: open \/nonexistent\/pki\/ca\.crt: no such file or directory/],
    ['a missing tlsCertFile', (d) => kubeletConfig(d, 'tlsCertFile: /nonexistent/kubelet.crt\ntlsPrivateKeyFile: /nonexistent/kubelet.key\n'),
      /open \/nonexistent\/kubelet\.crt: no such file or directory/],
    ['cgroupDriver cgroupfs while containerd uses SystemdCgroup', (d) => kubeletConfig(d, '', { 'cgroupDriver: systemd': 'cgroupDriver: cgroupfs' }),
      /misconfiguration: kubelet cgroup driver: \\"cgroupfs\\" is different from containerd cgroup driver: \\"systemd\\"/],
    ['protectKernelDefaults with the tunables off', (d) => kubeletConfig(d, 'protectKernelDefaults: true\n'),
      /"Failed to start ContainerManager" err="\[invalid kernel flag: vm\/overcommit_memory, expected value: 1, actual value: 0, invalid kernel flag: kernel\/panic, expected value: 10, actual value: 0/],
  ];

  test.each(refusals)('refuses to start with %s', async (what, makeConfig, message) => {
    const d = caseDir(`kl-bad-${what.replace(/[^a-z]+/gi, '-')}`);
    startContainerd(d, containerdConfig(d, 'containerd-v2.toml'));
    await containerdUp(d);
    const kubelet = startKubelet(d, 'st-bad', makeConfig(d));
    expect(await exitOf(kubelet)).toBe(1);
    expect(kubelet.output()).toMatch(message);
    // It never got as far as serving or registering, and refused before touching the tunables.
    expect(await healthz()).not.toBe('ok');
    expect(tunablesIn(d)).toEqual(OFF_VALUES);
  });

  test('the kubelet-crash fault only lets the faulted config start', async () => {
    const d = caseDir('kl-fault');
    startContainerd(d, containerdConfig(d, 'containerd-v2.toml'));
    await containerdUp(d);
    const config = kubeletConfig(d);
    writeFileSync(path.join(d, 'faults', 'kubelet-crash'), `${sha256(config)}\n`);
    const same = startKubelet(d, 'st-fault', config);
    await waitFor('healthz', async () => ((await healthz()) === 'ok' ? 'ok' : undefined));
    await stop(same);
    kubeletConfig(d, '', { 'readOnlyPort: 10255': 'readOnlyPort: 0' });
    const changed = startKubelet(d, 'st-fault', config);
    expect(await exitOf(changed)).toBe(1);
    expect(changed.output()).toContain('"Failed to start ContainerManager"');
  });

  test('with containerd down it serves healthz but reports NotReady until containerd is up', async () => {
    const d = caseDir('kl-runtime-down');
    const kubelet = startKubelet(d, 'st-rtdown', kubeletConfig(d));
    await waitFor('healthz', async () => ((await healthz()) === 'ok' ? 'ok' : undefined));
    const down = await waitFor('NotReady', async () => {
      const ready = await readyOf('st-rtdown');
      return ready?.status === 'False' ? ready : undefined;
    });
    expect(down).toMatchObject({ reason: 'KubeletNotReady', message: 'container runtime is down' });
    expect((await kubectl('get', 'node', 'st-rtdown')).stdout).toMatch(/^st-rtdown +NotReady /m);
    expect(tunablesIn(d)).toEqual(OFF_VALUES);
    startContainerd(d, containerdConfig(d, 'containerd-v2.toml'));
    await waitFor('Ready', async () => ((await readyOf('st-rtdown'))?.status === 'True' ? true : undefined));
    expect(kubelet.child.exitCode).toBeNull();
    expect(tunablesIn(d)).toEqual(KUBELET_VALUES);
  });

  test('heartbeats keep the node Ready; after a stop it turns Unknown once the grace period passes', async () => {
    const d = caseDir('kl-heartbeat');
    startContainerd(d, containerdConfig(d, 'containerd-v2.toml'));
    await containerdUp(d);
    const kubelet = startKubelet(d, 'st-beat', kubeletConfig(d));
    const first = await waitFor('Ready', async () => {
      const ready = await readyOf('st-beat');
      return ready?.status === 'True' ? ready : undefined;
    });
    const later = await waitFor('a newer heartbeat', async () => {
      const ready = await readyOf('st-beat');
      return ready?.lastHeartbeatTime !== first.lastHeartbeatTime ? ready : undefined;
    }, 6_000);
    expect(later.status).toBe('True');
    await stop(kubelet);
    const stoppedAt = Date.now();
    const unknown = await waitFor('Unknown', async () => {
      const ready = await readyOf('st-beat');
      return ready?.status === 'Unknown' ? ready : undefined;
    }, (GRACE_SECONDS + 5) * 1000);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual((GRACE_SECONDS - 2.5) * 1000);
    expect(unknown).toMatchObject({ reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    expect(Date.parse(unknown.lastHeartbeatTime ?? '')).toBeGreaterThanOrEqual(Date.parse(later.lastHeartbeatTime ?? ''));
    expect((await kubectl('get', 'nodes', 'st-beat')).stdout).toMatch(/^st-beat +NotReady +<none> /m);
    const proxied = await kubectl('get', '--raw', '/api/v1/nodes/st-beat/proxy/healthz');
    expect(proxied.code).not.toBe(0);
    expect(proxied.stderr).toContain('ServiceUnavailable');
  });
});

describe('API server stand-in', () => {
  const node = 'st-api';

  beforeAll(async () => {
    const d = caseDir('api');
    persistent.add(startContainerd(d, containerdConfig(d, 'containerd-v2.toml')));
    await containerdUp(d);
    persistent.add(startKubelet(d, node, kubeletConfig(d)));
    await waitFor('Ready', async () => ((await readyOf(node))?.status === 'True' ? true : undefined));
  });

  afterAll(async () => {
    for (const proc of persistent) await stop(proc);
    persistent.clear();
  });

  // nodeward's own client (src/kube), and raw requests through it for what nodeward never sends
  const rest = <T>(request: KubeRequest) => createKubeRest(kubeconfig).request<T>(request);
  const readNode = (name: string) => rest<V1Node>({ method: 'GET', path: `/api/v1/nodes/${name}` });
  const patchNode = (name: string, body: unknown, contentType: string) => rest<V1Node>({ method: 'PATCH', path: `/api/v1/nodes/${name}`, body, contentType });
  const listPods = (namespace: string | undefined, query: Record<string, string>) =>
    rest<V1List<V1Pod>>({ method: 'GET', path: namespace ? `/api/v1/namespaces/${namespace}/pods` : '/api/v1/pods', query });

  test('answers discovery in the legacy form', async () => {
    const api = await (await fetch(`http://127.0.0.1:${apiPort}/api/v1`, {
      headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' },
    })).json() as { kind: string; resources: { name: string; group?: string; version?: string; kind: string }[] };
    expect(api.kind).toBe('APIResourceList');
    expect(api.resources).toContainEqual(expect.objectContaining({ name: 'pods/eviction', group: 'policy', version: 'v1', kind: 'Eviction' }));
    expect((await kubectl('api-resources', '--api-group=')).stdout).toMatch(/^nodes +no +v1 +false +Node$/m);
    expect((await (await fetch(`http://127.0.0.1:${apiPort}/readyz`)).text())).toBe('ok');
  });

  test("nodeward's client: read, list, strategic-merge, merge and JSON patches of a Node (cordon)", async () => {
    const read = await readNode(node);
    expect(read.metadata?.name).toBe(node);
    expect(read.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const list = await rest<V1List<V1Node>>({ method: 'GET', path: '/api/v1/nodes' });
    expect(list.items?.map((n) => n.metadata?.name)).toContain(node);
    const patched = await patchNode(node, { spec: { unschedulable: true } }, 'application/strategic-merge-patch+json');
    expect(patched.spec?.unschedulable).toBe(true);
    expect(Number(patched.metadata?.resourceVersion)).toBeGreaterThan(Number(read.metadata?.resourceVersion));
    expect((await kubectl('get', 'node', node)).stdout).toMatch(new RegExp(`^${node} +Ready,SchedulingDisabled `, 'm'));
    expect((await kubectl('uncordon', node)).stdout).toContain(`node/${node} uncordoned`);
    const kube = createKubeNodes(kubeconfig);
    expect((await kube.getNode(node)).unschedulable).toBe(false);
    expect((await kubectl('cordon', node)).stdout).toContain(`node/${node} cordoned`);
    expect((await nodeJson(node)).spec?.unschedulable).toBe(true);
    // nodeward's cordon and restore: a merge patch guarded by resourceVersion, null removing
    const before = await kube.getNode(node);
    expect(before.unschedulable).toBe(true);
    await kube.patchNode(node, { resourceVersion: before.resourceVersion, unschedulable: null, annotations: { 'nodeward.io/test': 'x' } });
    const merged = await readNode(node);
    expect(merged.spec?.unschedulable).toBeUndefined();
    expect(merged.metadata?.annotations?.['nodeward.io/test']).toBe('x');
    await expect(kube.patchNode(node, { resourceVersion: before.resourceVersion, unschedulable: true, annotations: {} })).rejects.toMatchObject({ name: 'KubeConflictError' });
    await kube.patchNode(node, { resourceVersion: undefined, unschedulable: null, annotations: { 'nodeward.io/test': null } });
    expect((await readNode(node)).metadata?.annotations?.['nodeward.io/test']).toBeUndefined();
    const jsonPatched = await patchNode(node, [{ op: 'add', path: '/metadata/labels/pool', value: 'infra' }], 'application/json-patch+json');
    expect(jsonPatched.metadata?.labels?.['pool']).toBe('infra');
  });

  test('pods by node, and evictions (201, or 429 under the disruption budget)', async () => {
    const kube = createKubeNodes(kubeconfig);
    const pods = await kube.podsOn(node);
    const names = pods.map((p) => `${p.namespace}/${p.name}`).sort();
    expect(names).toHaveLength(3);
    expect(pods.map((p) => p.controllerKinds[0]).sort()).toEqual(['DaemonSet', 'ReplicaSet', 'ReplicaSet']);
    const table = await kubectl('get', 'pods', '-A', '--field-selector', `spec.nodeName=${node}`);
    expect(table.stdout).toMatch(/^NAMESPACE +NAME +READY +STATUS +RESTARTS +AGE\n/);
    expect(table.stdout.trim().split('\n')).toHaveLength(4);
    const web = pods.find((p) => p.name.startsWith('web-'));
    const apiPod = pods.find((p) => p.name.startsWith('api-'));
    if (!web || !apiPod) throw new Error('expected web and api pods');
    // As in a drain: cordon first, so the ReplicaSet's replacement does not land here again.
    expect((await kubectl('cordon', node)).code).toBe(0);
    expect(await kube.evict(apiPod)).toMatchObject({ kind: 'blocked', message: expect.stringContaining('disruption budget') });
    expect(await kube.evict(web)).toEqual({ kind: 'evicted' });
    expect(await kube.evict(web)).toEqual({ kind: 'gone' });
    await sleep(1_000);
    const after = await listPods('default', { fieldSelector: `spec.nodeName=${node}` });
    expect(after.items?.map((p) => p.metadata?.name)).toEqual([apiPod.name]);
    // Once schedulable again, a replacement (new uid) comes back.
    expect((await kubectl('uncordon', node)).code).toBe(0);
    const back = await waitFor('a replacement web pod', async () => {
      const list = await listPods('default', { labelSelector: 'app=web', fieldSelector: `spec.nodeName=${node}` });
      return list.items?.[0];
    });
    expect(back.metadata?.uid).not.toBe(web.uid);
  });

  test('a restarted API server keeps its nodes', async () => {
    if (!apiserver) throw new Error('no API server');
    const before = await nodeJson(node);
    await stop(apiserver);
    apiserver = startApiserver();
    await apiserverUp();
    const after = await nodeJson(node);
    expect(after.status.nodeInfo).toEqual(before.status.nodeInfo);
    await waitFor('Ready after restart', async () => ((await readyOf(node))?.status === 'True' ? true : undefined));
  });

  test('deleting the node removes it and its pods; the running kubelet does not re-register it', async () => {
    expect((await kubectl('delete', 'node', node)).stdout).toContain(`node "${node}" deleted`);
    await sleep(2_500);
    const gone = await kubectl('get', 'node', node);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain(`nodes "${node}" not found`);
    expect(await createKubeNodes(kubeconfig).podsOn(node)).toEqual([]);
  });
});
