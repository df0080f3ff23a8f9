import { createHash } from 'node:crypto';

/**
 * ssh_config's `~` and `%` expansion (TOKENS in ssh_config(5)) for the values nodeward reads
 * from files: IdentityFile and UserKnownHostsFile. `~` is the passwd home directory, as ssh
 * uses it (not $HOME).
 */

export interface TokenValues {
  /** %h: the host name to connect to (HostName, or the name given). */
  readonly host: string;
  /** %n: the name as given (the node's name). */
  readonly originalHost: string;
  readonly port: number;
  /** %r */
  readonly remoteUser: string;
  /** %u */
  readonly localUser: string;
  /** %d, and `~` */
  readonly home: string;
  /** %i */
  readonly uid: number;
  /** %l (and %L, its first label) */
  readonly localHost: string;
}

/** The expanded text, or the token nodeward cannot expand. */
export function expandTokens(text: string, values: TokenValues): { value: string } | { unknown: string } {
  const tilde = text === '~' ? values.home : text.startsWith('~/') ? `${values.home}/${text.slice(2)}` : text;
  const table: Record<string, () => string> = {
    '%': () => '%',
    h: () => values.host,
    n: () => values.originalHost,
    p: () => String(values.port),
    r: () => values.remoteUser,
    u: () => values.localUser,
    d: () => values.home,
    i: () => String(values.uid),
    k: () => values.originalHost,
    l: () => values.localHost,
    L: () => values.localHost.split('.')[0] ?? values.localHost,
    C: () => createHash('sha1').update(`${values.localHost}${values.host}${values.port}${values.remoteUser}`).digest('hex'),
  };
  let out = '';
  for (let i = 0; i < tilde.length; i++) {
    const c = tilde.charAt(i);
    if (c !== '%') {
      out += c;
      continue;
    }
    const token = tilde.charAt(i + 1);
    const expand = table[token];
    if (expand === undefined) return { unknown: `%${token}` };
    out += expand();
    i++;
  }
  return { value: out };
}
