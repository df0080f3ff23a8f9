import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LabInfo } from '../../lab/lab.ts';

/**
 * The floor: OpenSSH's own client running `true` on nodes 1..n in parallel, every node's
 * connection a ProxyJump through one multiplexed bastion connection (ControlMaster), the lab's
 * keys and known_hosts with StrictHostKeyChecking. Prints "FAIL node-N" for each failure.
 * `marker` (the config's path) is on the command line of every ssh process of the floor, the
 * daemonized ControlMaster included.
 */
export function floorFiles(info: LabInfo, dir: string): { config: string; script: string; marker: string } {
  const config = path.join(dir, 'floor_ssh_config');
  writeFileSync(
    config,
    [
      `Host bastion ${info.bastion.address}`,
      '  ControlMaster auto',
      `  ControlPath ${dir}/cm-%C`,
      '  ControlPersist 60',
      'Host *',
      `Include ${info.files.sshConfig}`,
      '',
    ].join('\n'),
  );
  const script = path.join(dir, 'floor.sh');
  writeFileSync(
    script,
    [
      'cfg=$1; n=$2',
      'ssh -F "$cfg" -o ControlMaster=yes -fN bastion || exit 1',
      'i=1',
      'while [ "$i" -le "$n" ]; do',
      '  (ssh -F "$cfg" "node-$i" true || echo "FAIL node-$i") &',
      '  i=$((i + 1))',
      'done',
      'wait',
      'ssh -F "$cfg" -O exit bastion 2>/dev/null',
      '',
    ].join('\n'),
  );
  return { config, script, marker: config };
}
