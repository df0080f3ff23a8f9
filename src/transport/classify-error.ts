import { ConnectError, errorMessage } from '../util/errors.ts';
import type { ConnectFailure } from '../util/errors.ts';

/** Who we were trying to reach when something failed, for the error's scope and message. */
export interface ConnectTarget {
  readonly hop: 'bastion' | 'node';
  /** The inventory name the error is scoped to (the node being connected, or the bastion). */
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  readonly timeoutMs: number;
  /** Whether this hop is reached through the bastion (for messages only). */
  readonly viaBastion: boolean;
}

/** The fields ssh2 and Node add to the errors they emit. */
interface SshErrorFields {
  readonly level?: unknown;
  readonly code?: unknown;
  readonly reason?: unknown;
}

export function describeTarget(target: ConnectTarget): string {
  const where = `${target.address}:${target.port}`;
  if (target.hop === 'bastion') return `bastion ${where}`;
  return `${target.name} (${where}${target.viaBastion ? ', via bastion' : ''})`;
}

function fields(error: unknown): SshErrorFields {
  return typeof error === 'object' && error !== null ? (error as SshErrorFields) : {};
}

const SOCKET_CODES: Readonly<Record<string, ConnectFailure>> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
  ETIMEDOUT: 'timeout',
  ECONNRESET: 'banner',
  EPIPE: 'banner',
};

/**
 * The failure kind of an error from ssh2 or the socket under it, before authentication
 * completed. `banner` means the server hung up before or during the key exchange, which is
 * what sshd does to connections beyond MaxStartups: the only kind worth retrying.
 */
export function classifyFailure(error: unknown): ConnectFailure {
  if (error instanceof ConnectError) return error.failure;
  const { level, code, reason } = fields(error);
  const message = errorMessage(error);
  if (level === 'client-authentication' || level === 'agent') return 'auth';
  if (level === 'client-timeout') return 'timeout';
  if (level === 'client-dns') return 'unreachable';
  if (level === 'client-socket' && typeof code === 'string') return SOCKET_CODES[code] ?? 'closed';
  if (level === 'handshake') return message.includes('Host denied') ? 'hostkey-changed' : 'protocol';
  if (/Connection lost before handshake|kex_exchange_identification/i.test(message)) return 'banner';
  if (message.startsWith('(SSH) Channel open failure')) return channelOpenFailure(reason, message);
  return 'protocol';
}

/** A direct-tcpip open refused by the bastion: reason 2 means its connect() to the node failed. */
function channelOpenFailure(reason: unknown, message: string): ConnectFailure {
  if (reason !== 2) return 'channel';
  if (/refused/i.test(message)) return 'refused';
  if (/timed out/i.test(message)) return 'timeout';
  return 'unreachable';
}

const HINTS: Readonly<Record<ConnectFailure, string>> = {
  timeout: 'no answer in time',
  refused: 'connection refused (is sshd listening on that port?)',
  unreachable: 'host unreachable',
  auth: 'authentication failed',
  'hostkey-unknown': 'unknown host key',
  'hostkey-changed': 'host key verification failed',
  banner:
    'the server closed the connection before the SSH key exchange finished ' +
    '(kex_exchange_identification; sshd drops connections beyond MaxStartups)',
  channel: 'the bastion refused to open a forwarding channel (AllowTcpForwarding?)',
  closed: 'the connection was closed',
  protocol: 'SSH protocol error',
};

export function toConnectError(error: unknown, target: ConnectTarget): ConnectError {
  if (error instanceof ConnectError) return error;
  const failure = classifyFailure(error);
  const subject = describeTarget(target);
  const detail = errorMessage(error);
  let message: string;
  if (failure === 'auth') {
    message =
      `${subject}: ${target.user}@${target.address} was not accepted (publickey): check the user, ` +
      `the identityFile or the keys in ssh-agent (${detail})`;
  } else if (failure === 'timeout') {
    message = `${subject}: no answer within ${seconds(target.timeoutMs)} (${detail})`;
  } else {
    message = `${subject}: ${HINTS[failure]} (${detail})`;
  }
  return new ConnectError(failure, message, { host: target.name, hop: target.hop, cause: error });
}

/** Flags take seconds (--connect-timeout 15), so messages say seconds too. */
export function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

export function isRetryable(error: ConnectError): boolean {
  return error.failure === 'banner';
}
