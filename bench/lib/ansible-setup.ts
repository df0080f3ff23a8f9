import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LabInfo } from '../../lab/lab.ts';
import { must, run } from '../../lab/run.ts';

/** Debian's ansible package, installed with apt-get when ansible-playbook is missing. */
export async function ensureAnsible(log: (line: string) => void): Promise<string> {
  const found = await run('sh', ['-c', 'command -v ansible-playbook']);
  if (found.code !== 0) {
    log('installing Debian\'s ansible package (apt-get)');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await must('apt-get', ['update', '-qq'], { env });
    await must('apt-get', ['install', '-y', '-qq', 'ansible'], { env });
  }
  return (await must('ansible-playbook', ['--version'])).split('\n')[0]?.trim() ?? 'ansible';
}

/**
 * An honest Ansible set-up for the lab: every node reached with ProxyJump through the bastion
 * (the lab's ssh_config, the lab's key and known_hosts, StrictHostKeyChecking), pipelining,
 * ControlPersist, forks = nodes (at most 100), become via sudo, no fact gathering (the job
 * needs none). Returns the ansible.cfg path; control sockets go to controlDir.
 */
export function writeAnsibleSetup(info: LabInfo, n: number, dir: string, controlDir: string): string {
  mkdirSync(dir, { recursive: true });
  mkdirSync(controlDir, { recursive: true });
  const inventory = path.join(dir, 'inventory.ini');
  writeFileSync(
    inventory,
    ['[nodes]', ...info.nodes.slice(0, n).map((node) => `${node.name} ansible_host=${node.address} ansible_port=${node.port}`), ''].join('\n'),
  );
  const config = path.join(dir, 'ansible.cfg');
  writeFileSync(
    config,
    [
      '[defaults]',
      `inventory = ${inventory}`,
      `forks = ${Math.min(n, 100)}`,
      'host_key_checking = True',
      'gathering = explicit',
      'retry_files_enabled = False',
      'remote_user = ops',
      `private_key_file = ${info.files.identityFile}`,
      'timeout = 30',
      '',
      '[privilege_escalation]',
      'become_method = sudo',
      '',
      '[ssh_connection]',
      'pipelining = True',
      `ssh_args = -F ${info.files.sshConfig} -o ControlMaster=auto -o ControlPersist=60s`,
      `control_path_dir = ${controlDir}`,
      'control_path = %(directory)s/%%C',
      '',
    ].join('\n'),
  );
  return config;
}

export const ANSIBLE_PLAYBOOK = path.join(import.meta.dirname, '..', 'ansible', 'harden.yml');
export const NODEWARD_PLAYBOOK = path.join(import.meta.dirname, '..', 'nodeward', 'harden.yaml');

/** Hosts the PLAY RECAP reports unreachable or failed, and how many SSH connects the bastion dropped. */
export function ansibleFailures(output: string): { hosts: number; dropped: number } {
  let hosts = 0;
  for (const match of output.matchAll(/^\S+\s+: ok=\d+\s+changed=\d+\s+unreachable=(\d+)\s+failed=(\d+)/gm)) {
    if (Number(match[1]) > 0 || Number(match[2]) > 0) hosts++;
  }
  const dropped = (output.match(/kex_exchange_identification|Connection closed by \S+ port 22|Connection reset by \S+ port 22/g) ?? []).length;
  return { hosts, dropped };
}

/** Ends the ControlPersist masters a run left (each would otherwise linger for 60 s). */
export async function stopMasters(controlDir: string): Promise<void> {
  if (!existsSync(controlDir)) return;
  await Promise.all(readdirSync(controlDir).map((sock) => run('ssh', ['-S', path.join(controlDir, sock), '-O', 'exit', 'lab'])));
}
