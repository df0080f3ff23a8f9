import type { HostSpec } from '../config/types.ts';
import { BecomeError } from '../util/errors.ts';
import { sh } from '../node/sh.ts';
import type { ChannelRun } from './exec-channel.ts';

/**
 * Debian's sshd gives non-root users no sbin in PATH, and output parsers need the C locale;
 * nothing else is ever added to a caller's script.
 */
export const SCRIPT_PRELUDE = sh`PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH; LC_ALL=C; export LC_ALL
`;

export function usesSudo(host: HostSpec, become: boolean | undefined): boolean {
  return become !== false && host.become === 'sudo' && host.user !== 'root';
}

/** The remote command line: the script always arrives on stdin, never on the command line. */
export function remoteCommand(sudo: boolean): string {
  // -n: fail instead of prompting (there is no terminal to answer on).
  return sudo ? 'sudo -n /bin/sh -s' : '/bin/sh -s';
}

const SUDO_REFUSALS = [
  /^sudo: a password is required$/,
  /^sudo: a terminal is required to read the password/,
  /^sudo: .* is not in the sudoers file/,
  /^sudo: .*is not allowed to execute/,
  /^sudo: sorry, you must have a tty to run sudo$/,
  /^sudo: account validation failure/,
];

/**
 * Whether sudo refused before the script ran. sudo then exits 1 having written only its own
 * `sudo: …` lines, and the script never produced output, so a script that itself fails is
 * never mistaken for this.
 */
export function sudoRefusal(run: ChannelRun): string | undefined {
  if (run.stdout.length > 0) return undefined;
  const lines = run.stderr
    .toString('utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (run.exitCode === 127 && lines.length === 1 && /\bsudo: (command )?not found$/.test(lines[0] ?? '')) {
    return 'sudo is not installed';
  }
  if (run.exitCode !== 1 || lines.length === 0) return undefined;
  if (!lines.every((line) => line.startsWith('sudo:'))) return undefined;
  const refusal = lines.find((line) => SUDO_REFUSALS.some((pattern) => pattern.test(line)));
  return refusal;
}

export function becomeError(host: HostSpec, refusal: string): BecomeError {
  return new BecomeError(
    `${host.name}: sudo refused to run as root for ${host.user}@${host.address} ("${refusal}"). ` +
      `Allow ${host.user} passwordless sudo on the node (e.g. \`${host.user} ALL=(ALL) NOPASSWD: ALL\` in /etc/sudoers.d/), ` +
      'or connect as root (user: root in the inventory).',
    { host: host.name, hop: 'node' },
  );
}
