import type { Command } from 'commander';
import { splitRequirements } from '../config/label-selector.ts';

export interface InputOptionValues {
  readonly inventory?: string;
  readonly limit?: string[];
  readonly sshConfig?: string;
}

/** -i, else $NODEWARD_INVENTORY, else ./inventory.yaml. */
export function inventoryPath(flags: InputOptionValues, fallback?: string): string {
  return flags.inventory ?? process.env['NODEWARD_INVENTORY'] ?? fallback ?? 'inventory.yaml';
}

function collect(value: string, previous: string[] | undefined): string[] {
  // `zone in (a,b)` keeps its comma
  return [...(previous ?? []), ...splitRequirements(value).map((v) => v.trim()).filter(Boolean)];
}

/** -i/--inventory and -l/--limit, shared by every command that reads an inventory. */
export function addInputOptions(command: Command): Command {
  return command
    .option('-i, --inventory <file>', 'inventory file (default: $NODEWARD_INVENTORY, else ./inventory.yaml)')
    .option('-l, --limit <pattern>', 'select nodes: name, glob, label=value, label, \'label in (a,b)\', label!=value, @group, !exclude (repeat or comma-separate)', collect)
    .option('--ssh-config <file>', "resolve nodes through this OpenSSH client config, as `ssh -G NAME` does (instead of the inventory's ssh.config)");
}
