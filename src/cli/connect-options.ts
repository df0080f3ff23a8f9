import { Option, type Command } from 'commander';
import type { StepBounds } from '../apply/bounds.ts';
import type { Inventory } from '../config/types.ts';
import { fitHeapToFleet } from './heap.ts';
import { createSshConnector, DEFAULT_BASTION_HANDSHAKES } from '../transport/ssh-connector.ts';
import type { Connector } from '../transport/types.ts';
import { withStatsFile } from './stats-file.ts';
import { UsageError } from '../util/errors.ts';

export interface ConnectFlags {
  readonly concurrency: string;
  readonly maxHandshakes?: string;
  readonly bastionHandshakes: string;
  readonly connectTimeout: string;
  readonly commandTimeout: string;
  readonly packageTimeout?: string;
  readonly acceptNew?: boolean;
  readonly connectionStats?: string;
}

/** Flags every command that reaches nodes shares. */
export function addConnectOptions(command: Command): Command {
  return command
    .addOption(new Option('--concurrency <n>', 'nodes worked on at once').default('50'))
    .addOption(
      new Option(
        '--bastion-handshakes <n>',
        "logins in flight at once to each bastion: its sshd's MaxStartups (OpenSSH's default 10:30:100) counts each until it is authenticated, and the bastion's other users share it; each node's sshd gets one handshake of ours at a time",
      ).default(String(DEFAULT_BASTION_HANDSHAKES)),
    )
    .addOption(
      new Option(
        '--max-handshakes <n>',
        "SSH handshakes in flight at once across the whole fleet: a bound on this machine's CPU (the handshakes started together share it, and each must finish within --connect-timeout), not on any sshd's MaxStartups (--bastion-handshakes and one per node protect those) (default: none beyond --concurrency)",
      ),
    )
    .addOption(new Option('--connect-timeout <seconds>', 'per hop: TCP, handshake and authentication').default('15'))
    .addOption(
      new Option(
        '--command-timeout <seconds>',
        'longest one node-side command may run (a validator, a reload, a unit change, a restart) before the node itself stops it and the step fails, naming it; a script gets this for its quick steps plus this for each such command',
      ).default('120'),
    )
    .addOption(new Option('--package-timeout <seconds>', 'the same for package managers (apt-get, dnf), which may first wait for another one to release its lock').default('600'))
    .addOption(new Option('--accept-new', 'record host keys of hosts not yet in known_hosts (a changed key is always refused)'))
    .addOption(
      new Option('--connection-stats <file>', 'append connection statistics (bastion TCP connections, most handshakes in flight across the fleet, at one bastion and at one node, execs per node) as a JSON line').env(
        'NODEWARD_CONNECTION_STATS',
      ),
    );
}

export function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, not ${JSON.stringify(value)}`);
  return n;
}

/** How long node-side commands may run, from --command-timeout and --package-timeout. */
export function boundsFrom(flags: ConnectFlags): StepBounds {
  // a node lost mid-step gets two connect timeouts to be reached again before its fate is reported unknown
  return {
    command: positiveInt(flags.commandTimeout, '--command-timeout'),
    package: positiveInt(flags.packageTimeout ?? '600', '--package-timeout'),
    reconnect: 2 * positiveInt(flags.connectTimeout, '--connect-timeout'),
  };
}

export function connectorFor(inventory: Inventory, flags: ConnectFlags): Connector {
  fitHeapToFleet(inventory.nodes.length);
  return withStatsFile(createSshConnector(inventory, {
    maxHandshakes: flags.maxHandshakes === undefined ? undefined : positiveInt(flags.maxHandshakes, '--max-handshakes'),
    bastionHandshakes: positiveInt(flags.bastionHandshakes, '--bastion-handshakes'),
    connectTimeoutMs: positiveInt(flags.connectTimeout, '--connect-timeout') * 1000,
    execTimeoutMs: positiveInt(flags.commandTimeout, '--command-timeout') * 1000,
    acceptNew: flags.acceptNew === true,
  }), flags.connectionStats);
}
