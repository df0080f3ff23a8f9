import type { Operation } from '../plan/types.ts';

/**
 * How long node-side commands may run before the node itself stops them (seconds). Validators,
 * reloads, unit operations and restarts each get `command`; package managers, which may wait
 * for another apt-get or dnf to let go of its lock and then download, get `package`. A script as
 * a whole gets `command` for its quick steps (cp, mv, sysctl -w, …) plus the bounds of every
 * command in it that can hang: the node's deadline for the script never cuts short a command
 * that would have been reported by name.
 */
export interface StepBounds {
  readonly command: number;
  readonly package: number;
  /** How long the controller keeps trying to reach a node again after losing it mid-step. */
  readonly reconnect: number;
}

export const DEFAULT_BOUNDS: StepBounds = { command: 120, package: 600, reconnect: 30 };

/** Bounded commands an operation runs on the node, by kind. */
function boundedCommands(op: Operation): { command: number; package: number } {
  switch (op.op) {
    case 'writeFile':
      return { command: op.validate && op.validate.length > 0 ? 1 : 0, package: 0 };
    case 'unit':
      return { command: (op.activity ? 1 : 0) + (op.enablement === 'mask' ? 2 : op.enablement ? 1 : 0), package: 0 };
    case 'sshdReload':
      return { command: 3, package: 0 }; // sshd -t, systemctl reload, sshd -T
    case 'auditLoad':
      return { command: 2, package: 0 }; // augenrules --load, auditctl -l
    case 'nftLoad':
      return { command: 3, package: 0 }; // nft -c, nft -f, nft list
    case 'package':
      return { command: 0, package: op.refresh ? 2 : 1 };
    default:
      return { command: 0, package: 0 };
  }
}

/** The node-side deadline of a write script: its quick steps, every bounded command, a daemon-reload. */
export function writeDeadlineSeconds(operations: readonly Operation[], bounds: StepBounds): number {
  let commands = 2; // the quick steps, and a possible daemon-reload
  let packages = 0;
  for (const op of operations) {
    const n = boundedCommands(op);
    commands += n.command;
    packages += n.package;
  }
  return commands * bounds.command + packages * bounds.package;
}

/**
 * The node-side deadline of a rollback: it undoes what a manifest recorded, which the controller
 * may not know (a run made by another invocation): room for reloads, a few units and a package.
 */
export function rollbackDeadlineSeconds(bounds: StepBounds, operations?: readonly Operation[]): number {
  if (operations) return writeDeadlineSeconds(operations, bounds) + 3 * bounds.command;
  return 10 * bounds.command + bounds.package;
}

/** A restart: `systemctl restart` and the quick steps around it. */
export function restartDeadlineSeconds(bounds: StepBounds): number {
  return 2 * bounds.command;
}
