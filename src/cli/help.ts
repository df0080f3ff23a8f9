import type { Command } from 'commander';

/**
 * `(default: 50)`, not `(default: "50")`: commander quotes string defaults, and every numeric
 * flag here is parsed from its string (so that messages can name the flag). Applied once to the
 * whole tree, so a new option needs nothing.
 */
export function plainDefaults(command: Command): void {
  for (const option of command.options) {
    if (typeof option.defaultValue === 'string' && option.defaultValueDescription === undefined) option.defaultValueDescription = option.defaultValue;
  }
  for (const sub of command.commands) plainDefaults(sub);
}
