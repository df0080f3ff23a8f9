// ssh2 is CommonJS: Node's ESM loader only exposes the names its lexer detects, so use the default export.
import ssh2 from 'ssh2';
import type { Client } from 'ssh2';
import type { ConnectConfig } from 'ssh2';
import type { Duplex } from 'node:stream';
import { ConnectError } from '../util/errors.ts';
import { watchAbort } from './abort-watch.ts';
import { describeTarget, toConnectError } from './classify-error.ts';
import type { ConnectTarget } from './classify-error.ts';
import { hostKeyError } from './host-key-errors.ts';
import type { BastionHint } from './host-key-errors.ts';
import { authMethods } from './identity.ts';
import type { Identity } from './identity.ts';
import type { KnownHostsFile } from './known-hosts-file.ts';
import type { HostKeyVerdict } from './known-hosts.ts';

/** An authenticated ssh2 Client with its end-of-life made observable. */
export interface SshSession {
  readonly client: Client;
  readonly alive: boolean;
  /** The error that ended the session (keepalive timeout, reset, …), if one did. */
  readonly closeError: unknown;
  onClose(listener: () => void): void;
  /** Ends politely; destroys the socket if the server does not close it soon. Idempotent. */
  end(): Promise<void>;
}

export interface DialRequest {
  readonly target: ConnectTarget;
  /** A forwarded channel of the bastion to run this session over; undefined dials TCP. */
  readonly sock?: Duplex | undefined;
  readonly identity: Identity;
  readonly knownHosts: KnownHostsFile;
  readonly acceptNew: boolean;
  readonly bastionHint: BastionHint | undefined;
  readonly keepaliveIntervalMs: number;
  readonly keepaliveCountMax: number;
  readonly signal?: AbortSignal | undefined;
  /** Called when a TCP connection is established (not for sessions over a channel). */
  readonly onTcpConnect?: (() => void) | undefined;
}

const END_GRACE_MS = 2_000;

/** Dial, verify the host key, authenticate. Resolves once the session is usable. */
export function dialSsh(request: DialRequest): Promise<SshSession> {
  const { target, knownHosts, signal } = request;
  signal?.throwIfAborted();
  const client: Client = new ssh2.Client();
  let verdict: HostKeyVerdict | undefined;
  let toAccept: { keyType: string; key: Buffer } | undefined;
  let recorded: Promise<unknown> = Promise.resolve();
  let closeError: unknown;
  let alive = false;
  // Set by end(): a session being closed is not handed out again, even before its close event.
  let ending = false;
  const closeListeners: Array<() => void> = [];

  const hostVerifier = (key: Buffer, verify: (valid: boolean) => void): void => {
    verdict = knownHosts.verify(target.address, target.port, key);
    if (verdict.status === 'match') {
      verify(true);
    } else if (verdict.status === 'unknown' && request.acceptNew) {
      // Recorded only once the key exchange proves the server holds the key ('handshake').
      toAccept = { keyType: verdict.keyType, key };
      verify(true);
    } else {
      verify(false);
    }
  };

  const config: ConnectConfig = {
    username: target.user,
    authHandler: authMethods(request.identity, target.user),
    hostVerifier,
    algorithms: { serverHostKey: knownHosts.preferredAlgorithms(target.address, target.port) },
    readyTimeout: target.timeoutMs,
    keepaliveInterval: request.keepaliveIntervalMs,
    keepaliveCountMax: request.keepaliveCountMax,
  };
  if (request.sock === undefined) {
    config.host = target.address;
    config.port = target.port;
  } else {
    config.sock = request.sock;
  }

  const session: SshSession = {
    client,
    get alive() {
      return alive && !ending;
    },
    get closeError() {
      return closeError;
    },
    onClose(listener) {
      if (!alive) queueMicrotask(listener);
      else closeListeners.push(listener);
    },
    end: () =>
      new Promise<void>((resolve) => {
        ending = true;
        if (!alive) {
          client.destroy();
          resolve();
          return;
        }
        // A node behind a partition never answers: after the grace, destroy and stop waiting
        // (the close event of a forwarded-channel socket may never come).
        const timer = setTimeout(() => {
          client.destroy();
          resolve();
        }, END_GRACE_MS);
        timer.unref();
        client.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        client.end();
      }),
  };

  return new Promise<SshSession>((resolve, reject) => {
    let settled = false;
    let unwatch = (): void => undefined;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      unwatch();
      client.destroy();
      reject(error);
    };
    const onAbort = (): void => fail(signal?.reason);

    const failureFor = (error: unknown): ConnectError => {
      if (verdict !== undefined && verdict.status !== 'match' && !(verdict.status === 'unknown' && request.acceptNew)) {
        return hostKeyError(verdict, target, knownHosts.path, request.bastionHint);
      }
      return toConnectError(error, target);
    };

    // ssh2 emits 'error' more than once and at any time; an unheard 'error' would crash us.
    client.on('error', (error: Error) => {
      if (!settled) fail(failureFor(error));
      else closeError ??= error;
    });
    client.on('close', () => {
      const wasAlive = alive;
      alive = false;
      if (!settled) {
        const closed = new ConnectError('closed', `${describeTarget(target)}: connection closed during the SSH handshake`, {
          host: target.name,
          hop: target.hop,
        });
        fail(failureFor(closed));
        return;
      }
      if (wasAlive) for (const listener of closeListeners.splice(0)) listener();
    });
    client.on('handshake', () => {
      const accepted = toAccept;
      if (accepted === undefined) return;
      toAccept = undefined;
      recorded = knownHosts.accept(target.address, target.port, accepted.keyType, accepted.key).then(
        () => undefined,
        (error: unknown) =>
          new ConnectError(
            'hostkey-unknown',
            `${describeTarget(target)}: could not record its host key in ${knownHosts.path}: ${String(error)}`,
            { host: target.name, hop: target.hop, cause: error },
          ),
      );
    });
    client.on('ready', () => {
      void recorded.then((failure) => {
        if (settled) return;
        if (failure !== undefined) {
          fail(failure);
          return;
        }
        settled = true;
        alive = true;
        unwatch();
        resolve(session);
      });
    });
    if (request.onTcpConnect !== undefined) client.on('connect', request.onTcpConnect);
    unwatch = watchAbort(signal, onAbort);
    try {
      client.connect(config);
    } catch (error) {
      fail(toConnectError(error, target));
    }
  });
}
