import { readFileSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import { labDir, LabError } from './config.ts';

export interface LabNode {
  name: string;
  address: string;
  port: number;
  netns: string;
  initPid: number;
  launcherPid: number;
  dir: string;
  labels: { pool: 'general' | 'infra'; zone: 'a' | 'b' };
  /** The cgroup driver its kubelet and containerd were seeded with (absent in older lab.json: systemd). */
  cgroupDriver?: 'systemd' | 'cgroupfs';
}

export interface LabInfo {
  version: 1;
  id: number;
  dir: string;
  createdAt: string;
  nodeCount: number;
  bastion: { address: string; port: number; netns: string; pid: number; launcherPid: number; dir: string };
  apiserver: { url: string; port: number; pid: number; socket: string };
  nodes: LabNode[];
  users: { ops: string; pwuser: string; pwuserPassword: string };
  files: { inventory: string; identityFile: string; knownHosts: string; kubeconfig: string; sshConfig: string };
  secrets: string[];
  /** Present when nodes share machines (lab up --per-machine) or run only sshd (--light). */
  layout?: { perMachine: number; light: boolean };
}

export const labJsonPath = (dir: string = labDir()) => path.join(dir, 'lab.json');

export function readLabInfo(dir: string = labDir()): LabInfo {
  const p = labJsonPath(dir);
  if (!existsSync(p)) throw new LabError(`no lab is up in ${dir} (missing lab.json); run: npm run lab -- up N`);
  return JSON.parse(readFileSync(p, 'utf8')) as LabInfo;
}

export function tryReadLabInfo(dir: string = labDir()): LabInfo | undefined {
  try {
    return readLabInfo(dir);
  } catch {
    return undefined;
  }
}

export function writeLabInfo(info: LabInfo): void {
  const p = labJsonPath(info.dir);
  writeFileSync(p + '.tmp', JSON.stringify(info, null, 2) + '\n');
  renameSync(p + '.tmp', p);
}

/** nodeward's inventory format, with paths relative to the inventory file. */
export function inventoryYaml(info: LabInfo): string {
  const lines = [
    `bastion: { host: ${info.bastion.address}, port: ${info.bastion.port}, user: ops, identityFile: ./id_ed25519 }`,
    'knownHosts: ./known_hosts',
    'kubeconfig: ./kubeconfig',
    'defaults: { user: ops, port: 22, identityFile: ./id_ed25519, become: sudo }',
    'nodes:',
  ];
  for (const n of info.nodes) {
    const port = n.port === 22 ? '' : `, port: ${n.port}`;
    // a cgroupfs node keeps its driver: the playbooks' defaults would switch it (a drain-worthy change)
    const vars = n.cgroupDriver === 'cgroupfs' ? ', vars: { cgroupDriver: cgroupfs, systemdCgroup: false }' : '';
    lines.push(`  - { name: ${n.name}, address: ${n.address}${port}, labels: { pool: ${n.labels.pool}, zone: ${n.labels.zone} }${vars} }`);
  }
  return lines.join('\n') + '\n';
}

/** An OpenSSH client config for poking at the lab by hand: `ssh -F $LAB/ssh_config node-1`. */
export function sshConfig(info: LabInfo): string {
  const lines = [
    `Host bastion ${info.bastion.address}`,
    `  HostName ${info.bastion.address}`,
    ...info.nodes.flatMap((n) => [`Host ${n.name}`, `  HostName ${n.address}`, ...(n.port === 22 ? [] : [`  Port ${n.port}`])]),
    'Host *',
    '  User ops',
    `  IdentityFile ${info.files.identityFile}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${info.files.knownHosts}`,
    '  StrictHostKeyChecking yes',
    '  BatchMode yes',
    'Match host 198.19.*',
    `  ProxyJump ops@${info.bastion.address}`,
  ];
  return lines.join('\n') + '\n';
}

export function kubeconfigYaml(url: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: nwlab',
    '  cluster:',
    `    server: ${url}`,
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: nwlab',
    '  user: {}',
    'contexts:',
    '- name: nwlab',
    '  context:',
    '    cluster: nwlab',
    '    user: nwlab',
    'current-context: nwlab',
    '',
  ].join('\n');
}
