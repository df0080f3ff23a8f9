import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ServerHostKeyAlgorithm } from 'ssh2';
import { fingerprintSha256, readKeyType } from './ssh-key-blob.ts';

/**
 * OpenSSH known_hosts: a pure parser and matcher (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT").
 * Hosts are looked up by `host` on port 22 and by `[host]:port` otherwise, exactly as ssh
 * does, so entries written by ssh-keyscan or by ssh itself match here and vice versa.
 */

export type KnownHostsMarker = 'revoked' | 'cert-authority';

interface HostPattern {
  readonly negated: boolean;
  readonly regex: RegExp;
  /** The lower-cased name when the pattern has no wildcard (what an index can look up). */
  readonly literal: string | undefined;
}

export type HostSelector =
  | { readonly kind: 'hashed'; readonly salt: Buffer; readonly hash: Buffer }
  | { readonly kind: 'patterns'; readonly patterns: readonly HostPattern[] };

export interface KnownHostsEntry {
  /** 1-based line number in the file, for messages like ssh's "Offending key in FILE:LINE". */
  readonly line: number;
  readonly marker: KnownHostsMarker | undefined;
  readonly hosts: HostSelector;
  readonly keyType: string;
  readonly key: Buffer;
}

export interface KnownHostsIssue {
  readonly line: number;
  readonly message: string;
}

export interface ParsedKnownHosts {
  readonly entries: readonly KnownHostsEntry[];
  /** Lines that were skipped, as ssh skips them (it only warns). */
  readonly issues: readonly KnownHostsIssue[];
}

/**
 * `certified-only`: no plain key is known for the host, but a @cert-authority line covers it.
 * ssh would ask the server for its certificate; ssh2 (1.17) cannot negotiate certificate host
 * key algorithms (its SUPPORTED_SERVER_HOST_KEY has no *-cert-v01@openssh.com), so such a host
 * is refused, never trusted on first use: the CA, not a first sight, is what vouches for it.
 */
export type HostKeyStatus = 'match' | 'unknown' | 'changed' | 'revoked' | 'certified-only';

export interface HostKeyVerdict {
  readonly status: HostKeyStatus;
  /** The key type read from the presented blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, …). */
  readonly keyType: string;
  readonly fingerprint: string;
  /** Key types known for this host (so a message can say what was expected). */
  readonly knownKeyTypes: readonly string[];
  /** Lines of the entries that made the verdict `changed` or `revoked`. */
  readonly offendingLines: readonly number[];
}

export function parseKnownHosts(text: string): ParsedKnownHosts {
  const entries: KnownHostsEntry[] = [];
  const issues: KnownHostsIssue[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const raw = (lines[index] ?? '').replace(/\r$/, '').trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const parsed = parseLine(raw, index + 1);
    if ('message' in parsed) issues.push(parsed);
    else entries.push(parsed);
  }
  return { entries, issues };
}

function parseLine(raw: string, line: number): KnownHostsEntry | KnownHostsIssue {
  const fields = raw.split(/[ \t]+/);
  let marker: KnownHostsMarker | undefined;
  if (fields[0]?.startsWith('@')) {
    const name = fields.shift();
    if (name === '@revoked') marker = 'revoked';
    else if (name === '@cert-authority') marker = 'cert-authority';
    else return { line, message: `unknown marker ${name ?? ''}` };
  }
  const [hostField, keyType, keyBase64] = fields;
  if (hostField === undefined || keyType === undefined || keyBase64 === undefined) {
    return { line, message: 'expected "hosts keytype base64-key [comment]"' };
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyBase64)) return { line, message: 'key is not base64' };
  const key = Buffer.from(keyBase64, 'base64');
  const blobType = readKeyType(key);
  if (blobType === undefined) return { line, message: 'key is not an SSH public key blob' };
  if (blobType !== keyType) {
    return { line, message: `key type ${keyType} does not match the key's own type ${blobType}` };
  }
  const hosts = parseHostField(hostField);
  if (hosts === undefined) return { line, message: 'malformed hashed host name' };
  return { line, marker, hosts, keyType, key };
}

function parseHostField(field: string): HostSelector | undefined {
  if (field.startsWith('|')) {
    const match = /^\|1\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/.exec(field);
    if (!match?.[1] || !match[2]) return undefined;
    const salt = Buffer.from(match[1], 'base64');
    const hash = Buffer.from(match[2], 'base64');
    if (salt.length !== 20 || hash.length !== 20) return undefined;
    return { kind: 'hashed', salt, hash };
  }
  const patterns = field
    .split(',')
    .filter((part) => part !== '')
    .map((part) => {
      const negated = part.startsWith('!');
      const glob = negated ? part.slice(1) : part;
      return { negated, regex: globToRegExp(glob), literal: /[*?]/.test(glob) ? undefined : glob.toLowerCase() };
    });
  return { kind: 'patterns', patterns };
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const char of glob.toLowerCase()) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

/** The name ssh looks up: `host` on port 22, `[host]:port` on any other port. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function entryMatchesName(entry: KnownHostsEntry, name: string): boolean {
  const selector = entry.hosts;
  if (selector.kind === 'hashed') {
    const digest = createHmac('sha1', selector.salt).update(name).digest();
    return timingSafeEqual(digest, selector.hash);
  }
  const lower = name.toLowerCase();
  let matched = false;
  for (const pattern of selector.patterns) {
    if (!pattern.regex.test(lower)) continue;
    // A matching negated pattern excludes the host whatever else matches (ssh's match_hostname).
    if (pattern.negated) return false;
    matched = true;
  }
  return matched;
}

/**
 * Entries by the exact names they list: a fleet's known_hosts has thousands of lines, and testing
 * every one for every connect is quadratic. Hashed, wildcard and negated entries are always
 * candidates, so candidates() is a superset of the entries that can match, in file order.
 */
export interface KnownHostsIndex {
  add(entry: KnownHostsEntry): void;
  candidates(host: string, port: number): KnownHostsEntry[];
}

export function indexKnownHosts(entries: readonly KnownHostsEntry[]): KnownHostsIndex {
  const byName = new Map<string, KnownHostsEntry[]>();
  const others: KnownHostsEntry[] = [];
  const order = new Map<KnownHostsEntry, number>();
  const add = (entry: KnownHostsEntry): void => {
    order.set(entry, order.size);
    const patterns = entry.hosts.kind === 'patterns' ? entry.hosts.patterns : undefined;
    if (patterns === undefined || patterns.some((p) => p.negated || p.literal === undefined)) {
      others.push(entry);
      return;
    }
    for (const name of new Set(patterns.map((p) => p.literal ?? ''))) {
      const list = byName.get(name);
      if (list === undefined) byName.set(name, [entry]);
      else list.push(entry);
    }
  };
  entries.forEach(add);
  return {
    add,
    candidates(host, port) {
      const exact = byName.get(knownHostsName(host, port).toLowerCase()) ?? [];
      if (others.length === 0) return exact;
      return [...exact, ...others].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    },
  };
}

function entriesFor(entries: readonly KnownHostsEntry[], host: string, port: number): KnownHostsEntry[] {
  const name = knownHostsName(host, port);
  return entries.filter((entry) => entry.marker !== 'cert-authority' && entryMatchesName(entry, name));
}

function authoritiesFor(entries: readonly KnownHostsEntry[], host: string, port: number): KnownHostsEntry[] {
  const name = knownHostsName(host, port);
  return entries.filter((entry) => entry.marker === 'cert-authority' && entryMatchesName(entry, name));
}

/**
 * Check a presented host key. Stricter than ssh in one way: when any key is known for the
 * host and the presented one is not among them, that is `changed` even if its type is new,
 * because otherwise whoever sits in the middle only has to offer a different key type.
 * preferredHostKeyAlgorithms() makes an honest server present a type we know.
 */
export function verifyHostKey(
  entries: readonly KnownHostsEntry[],
  host: string,
  port: number,
  keyBlob: Buffer,
): HostKeyVerdict {
  const keyType = readKeyType(keyBlob) ?? 'unknown-key-type';
  const fingerprint = fingerprintSha256(keyBlob);
  const relevant = entriesFor(entries, host, port);
  const revoked = relevant.filter((entry) => entry.marker === 'revoked' && entry.key.equals(keyBlob));
  const known = relevant.filter((entry) => entry.marker === undefined);
  const knownKeyTypes = [...new Set(known.map((entry) => entry.keyType))];
  const verdict = (status: HostKeyStatus, offending: readonly KnownHostsEntry[]): HostKeyVerdict => ({
    status,
    keyType,
    fingerprint,
    knownKeyTypes,
    offendingLines: offending.map((entry) => entry.line),
  });
  if (revoked.length > 0) return verdict('revoked', revoked);
  if (known.some((entry) => entry.key.equals(keyBlob))) return verdict('match', []);
  if (known.length > 0) {
    const sameType = known.filter((entry) => entry.keyType === keyType);
    return verdict('changed', sameType.length > 0 ? sameType : known);
  }
  const authorities = authoritiesFor(entries, host, port);
  if (authorities.length > 0) return verdict('certified-only', authorities);
  return verdict('unknown', []);
}

/** Every host key algorithm ssh2 can verify, in ssh2's default preference order. */
export const SUPPORTED_HOST_KEY_ALGORITHMS: readonly ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

function algorithmsForKeyType(keyType: string): readonly ServerHostKeyAlgorithm[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  if (keyType === 'ssh-dss') return ['ssh-dss'];
  return SUPPORTED_HOST_KEY_ALGORITHMS.filter((algorithm) => algorithm === keyType);
}

/**
 * Host key algorithms to offer, known types first (what ssh does): a server with several
 * host keys then presents the one we have on file instead of its own favourite.
 */
export function preferredHostKeyAlgorithms(
  entries: readonly KnownHostsEntry[],
  host: string,
  port: number,
): ServerHostKeyAlgorithm[] {
  const preferred: ServerHostKeyAlgorithm[] = [];
  for (const entry of entriesFor(entries, host, port)) {
    if (entry.marker !== undefined) continue;
    for (const algorithm of algorithmsForKeyType(entry.keyType)) {
      if (!preferred.includes(algorithm)) preferred.push(algorithm);
    }
  }
  const ordered = SUPPORTED_HOST_KEY_ALGORITHMS.filter((algorithm) => preferred.includes(algorithm));
  if (preferred.includes('ssh-dss')) ordered.push('ssh-dss');
  const rest = SUPPORTED_HOST_KEY_ALGORITHMS.filter((algorithm) => !preferred.includes(algorithm));
  return [...ordered, ...rest];
}

/** One known_hosts line (no newline) in the form ssh itself writes for an unhashed host. */
export function formatKnownHostsLine(host: string, port: number, keyType: string, blob: Buffer): string {
  if (host === '' || /[\s,#*?!|@[\]]/.test(host)) {
    throw new TypeError(`cannot write a known_hosts entry for host name ${JSON.stringify(host)}`);
  }
  if (!/^[\x21-\x7e]+$/.test(keyType)) throw new TypeError(`invalid key type ${JSON.stringify(keyType)}`);
  return `${knownHostsName(host, port)} ${keyType} ${blob.toString('base64')}`;
}
