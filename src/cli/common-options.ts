import type { Command } from 'commander';

/** --color / --no-color / -q, which every command that prints has. */
export function addDisplayOptions(command: Command, quiet = 'no progress output'): Command {
  return command
    .option('--color', 'force colors')
    .option('--no-color', 'no colors (also NO_COLOR=1)')
    .option('-q, --quiet', quiet);
}

/** How a node is worked on once chosen: the health gate, the node lock (apply, rollout, rollback, drift --fix). */
export function addGateOptions(command: Command, options: { lockWait: boolean; prefix?: string }): Command {
  const prefix = options.prefix ?? '';
  command
    .option('--health-timeout <seconds>', `${prefix}how long a restarted node may take to pass the health gate`, '120')
    .option('--lock-ttl <seconds>', `${prefix}node lock expiry (a crashed run's lock is taken over after it)`, '900');
  if (options.lockWait) command.option('--lock-wait <seconds>', 'wait up to this long for a node another live run has locked, then re-read it (0: refuse it at once)', '0');
  return command;
}
