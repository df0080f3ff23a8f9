/**
 * POSIX shell quoting: the only way a value reaches a remote command line or script.
 * Single quotes make every byte literal in sh/dash/bash; a single quote itself is written as
 * `'\''` (close, escaped quote, reopen). No `$'…'` (bash-only).
 */
export function shQuote(value: string): string {
  if (value.includes('\0')) {
    // A NUL terminates C strings: the shell would silently see a truncated value.
    throw new TypeError('a NUL character cannot be passed to a shell');
  }
  // `=` stays quoted: a leading `a=b` word would be an assignment, not a command.
  if (value !== '' && /^[A-Za-z0-9_\-.,/:@%+]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Quote each argument and join with spaces: a command line that runs `argv` exactly. */
export function shJoin(argv: readonly string[]): string {
  return argv.map(shQuote).join(' ');
}
