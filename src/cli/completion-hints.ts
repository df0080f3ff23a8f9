import type { Command, Option } from 'commander';

/**
 * What an option's value can be, for shell completion: a list of words, or a file. Kept beside
 * the option (not as commander `choices`, which would refuse `-o json=FILE`).
 */
export type ValueHint = { readonly words: readonly string[] } | { readonly files: true };

const hints = new WeakMap<Option, ValueHint>();

export function hintValues(command: Command, long: string, hint: ValueHint): void {
  const option = command.options.find((o) => o.long === long);
  if (option) hints.set(option, hint);
}

/** The hint given, else a file for options whose value is named <file> or <dir>. */
export function valueHint(option: Option): ValueHint | undefined {
  const given = hints.get(option);
  if (given) return given;
  return /<(file|dir)>|<[^>]*=file>/.test(option.flags) ? { files: true } : undefined;
}
