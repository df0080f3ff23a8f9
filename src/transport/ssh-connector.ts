import { setMaxListeners } from 'node:events';
import type { BastionSpec, HopSettings, HostSpec, Inventory } from '../config/types.ts';
import { ConnectError } from '../util/errors.ts';
import { createBastionPool, raceAbort } from './bastion-pool.ts';
import type { BastionPool } from './bastion-pool.ts';
import { isRetryable } from './classify-error.ts';
import type { ConnectTarget } from './classify-error.ts';
import { createIdentityCache } from './identity.ts';
import { loadKnownHostsFile } from './known-hosts-file.ts';
import type { KnownHostsFile } from './known-hosts-file.ts';
import { createLimiter } from './limiter.ts';
import { createSshdLimits } from './sshd-limits.ts';
import type { SshdRole } from './sshd-limits.ts';
import { backoffDelayMs, sleep } from './retry.ts';
import { dialSsh } from './ssh-session.ts';
import type { SshSession } from './ssh-session.ts';
import { createSshTransport } from './ssh-transport.ts';
import type { SshTransport } from './ssh-transport.ts';
import { bastionGoneOr, openTunnel } from './tunnel.ts';
import type { Connector, ConnectorStats } from './types.ts';

export interface SshConnectorOptions {
  /** Bastion connections to spread nodes over; default 1 per 100 nodes requested, at most 4. */
  readonly bastionConnections?: number;
  /**
   * SSH handshakes in flight at once across the fleet, bastion logins and nodes together: a
   * bound on the controller's own CPU (the handshakes started together share it, and each must
   * finish within its connect timeout), not on any sshd's MaxStartups, which the per-sshd
   * bounds protect. Default: none (the caller's own concurrency bounds it).
   */
  readonly maxHandshakes?: number | undefined;
  /**
   * Logins in flight at once to one bastion (its sshd's MaxStartups counts each until it is
   * authenticated; other users share it). Default 4. A node's sshd gets one handshake at a time.
   */
  readonly bastionHandshakes?: number;
  /** Retries of a connect dropped before the key exchange (MaxStartups). Default 3. */
  readonly retries?: number;
  readonly retryBaseDelayMs?: number;
  /** Per hop: TCP/channel open plus handshake and authentication. Default 15 s. */
  readonly connectTimeoutMs?: number;
  readonly keepaliveIntervalMs?: number;
  /** Unanswered keepalives before a connection counts as dead. Default 3. */
  readonly keepaliveCountMax?: number;
  /** Default timeout of one exec. Default 120 s. */
  readonly execTimeoutMs?: number;
  /** Concurrent exec channels per node. Default 4 (OpenSSH's MaxSessions is 10). */
  readonly maxChannelsPerHost?: number;
  readonly maxOutputBytes?: number;
  /** Record host keys of hosts not yet in known_hosts (never replaces a changed key). */
  readonly acceptNew?: boolean;
  /** ssh-agent socket for hosts without identityFile; default $SSH_AUTH_SOCK. */
  readonly agentSocket?: string | undefined;
}

interface Settings {
  readonly maxHandshakes: number;
  readonly bastionHandshakes: number;
  readonly retries: number;
  readonly retryBaseDelayMs: number;
  readonly connectTimeoutMs: number;
  readonly keepaliveIntervalMs: number;
  readonly keepaliveCountMax: number;
  readonly execTimeoutMs: number;
  readonly maxChannelsPerHost: number;
  readonly maxOutputBytes: number;
  readonly acceptNew: boolean;
}

const RETRY_CAP_MS = 5_000;
/** Well under OpenSSH's default MaxStartups 10, leaving room for the bastion's other users. */
export const DEFAULT_BASTION_HANDSHAKES = 4;
/** A node's sshd sees one handshake of ours at a time; its retries follow one another. */
const NODE_HANDSHAKES = 1;

function settingsFrom(options: SshConnectorOptions): Settings {
  return {
    maxHandshakes: options.maxHandshakes ?? Infinity,
    bastionHandshakes: options.bastionHandshakes ?? DEFAULT_BASTION_HANDSHAKES,
    retries: options.retries ?? 3,
    retryBaseDelayMs: options.retryBaseDelayMs ?? 250,
    connectTimeoutMs: options.connectTimeoutMs ?? 15_000,
    keepaliveIntervalMs: options.keepaliveIntervalMs ?? 15_000,
    keepaliveCountMax: options.keepaliveCountMax ?? 3,
    execTimeoutMs: options.execTimeoutMs ?? 120_000,
    maxChannelsPerHost: options.maxChannelsPerHost ?? 4,
    maxOutputBytes: options.maxOutputBytes ?? 64 * 1024 * 1024,
    acceptNew: options.acceptNew ?? false,
  };
}

/**
 * Reaches nodes over SSH: through one (or a few) authenticated bastion connections carrying
 * a forwarded channel per node, or directly when the inventory has no bastion. Host keys are
 * always verified against the inventory's known_hosts (or a host's own, from an ssh config).
 * Hosts resolved through an ssh config may each name their bastion (ProxyJump): each distinct
 * bastion gets a pool of its own.
 */
export function createSshConnector(inventory: Inventory, options: SshConnectorOptions = {}): Connector {
  const settings = settingsFrom(options);
  const handshakes = createLimiter(settings.maxHandshakes);
  const sshds = createSshdLimits({ bastion: settings.bastionHandshakes, node: NODE_HANDSHAKES });
  const identities = createIdentityCache(
    'agentSocket' in options ? options.agentSocket : process.env['SSH_AUTH_SOCK'],
  );
  const lifetime = new AbortController();
  // Every connect in flight listens on it: hundreds of listeners are expected, not a leak.
  setMaxListeners(0, lifetime.signal);
  const transports = new Map<string, Promise<SshTransport>>();
  const live = new Set<SshTransport>();
  const execs: Record<string, number> = {};
  let tcpConnections = 0;
  let nodeSessions = 0;
  let retries = 0;
  const knownHostsFiles = new Map<string, Promise<KnownHostsFile>>();

  /** The bastion a node is reached through: its own (ssh config), else the inventory's. */
  const bastionOf = (host: HostSpec): BastionSpec | undefined => (host.bastion === undefined ? inventory.bastion : (host.bastion ?? undefined));

  const loadKnownHosts = (hop: HopSettings | undefined): Promise<KnownHostsFile> => {
    const path = hop?.knownHosts ?? inventory.knownHosts;
    let file = knownHostsFiles.get(path);
    if (file === undefined) {
      file = loadKnownHostsFile(path);
      knownHostsFiles.set(path, file);
    }
    return file;
  };
  const acceptNewFor = (hop: HopSettings | undefined): boolean => settings.acceptNew || hop?.acceptNew === true;
  const keepalive = (hop: HopSettings | undefined) => ({
    keepaliveIntervalMs: hop?.keepaliveIntervalMs ?? settings.keepaliveIntervalMs,
    keepaliveCountMax: hop?.keepaliveCountMax ?? settings.keepaliveCountMax,
  });

  const bastionTarget = (spec: BastionSpec): ConnectTarget => ({
    hop: 'bastion',
    name: spec.host,
    address: spec.host,
    port: spec.port,
    user: spec.user,
    timeoutMs: spec.ssh?.connectTimeoutMs ?? settings.connectTimeoutMs,
    viaBastion: false,
  });
  const nodeTarget = (host: HostSpec): ConnectTarget => ({
    hop: 'node',
    name: host.name,
    address: host.address,
    port: host.port,
    user: host.user,
    timeoutMs: host.ssh?.connectTimeoutMs ?? settings.connectTimeoutMs,
    viaBastion: bastionOf(host) !== undefined,
  });
  const hintOf = (bastion: BastionSpec | undefined) => (bastion === undefined ? undefined : { user: bastion.user, host: bastion.host, port: bastion.port });

  /** Run `attempt` again after a jittered pause when it failed in a retryable way. */
  const withRetries = async <T>(
    attempt: () => Promise<T>,
    retryable: (error: unknown) => boolean,
    signal: AbortSignal,
  ): Promise<T> => {
    for (let tries = 0; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        if (tries >= settings.retries || signal.aborted || !retryable(error)) throw error;
        retries++;
        await sleep(backoffDelayMs(tries, settings.retryBaseDelayMs, RETRY_CAP_MS), signal);
      }
    }
  };

  /**
   * A handshake slot at its sshd and one of the fleet's, from before the TCP connect (or the
   * bastion's channel open, which is when the node's sshd accepts) until authenticated or
   * failed. The sshd's slot first: a wait for a busy bastion holds none of the fleet's.
   */
  const handshake = async (role: SshdRole, sshd: string, dial: () => Promise<SshSession>, signal: AbortSignal): Promise<SshSession> => {
    const releaseSshd = await sshds.acquire(role, sshd, signal);
    try {
      const release = await handshakes.acquire(signal);
      try {
        return await dial();
      } finally {
        release();
      }
    } finally {
      releaseSshd();
    }
  };
  /** Where an sshd is dialed from: the bastion it is reached through, if any, and its address:port. */
  const sshdKey = (address: string, port: number, via: BastionSpec | undefined): string =>
    via === undefined ? `${address}:${port}` : `${address}:${port} via ${via.host}:${via.port}`;

  const dialBastion = async (spec: BastionSpec): Promise<SshSession> => {
    const signal = lifetime.signal;
    const target = bastionTarget(spec);
    const [identity, hosts] = await Promise.all([
      identities({ identityFile: spec.identityFile, user: spec.user, address: spec.host, name: spec.host, hop: 'bastion' }),
      loadKnownHosts(spec.ssh),
    ]);
    return withRetries(
      () =>
        handshake(
          'bastion',
          sshdKey(spec.host, spec.port, undefined),
          () =>
            dialSsh({
              target,
              identity,
              knownHosts: hosts,
              acceptNew: acceptNewFor(spec.ssh),
              bastionHint: undefined,
              ...keepalive(spec.ssh),
              signal,
              onTcpConnect: () => tcpConnections++,
            }),
          signal,
        ),
      (error) => error instanceof ConnectError && isRetryable(error),
      signal,
    );
  };

  const pools = new Map<string, BastionPool>();
  const poolFor = (bastion: BastionSpec | undefined): BastionPool | undefined => {
    if (bastion === undefined) return undefined;
    const key = JSON.stringify([bastion.host, bastion.port, bastion.user, bastion.identityFile ?? null, bastion.ssh ?? null]);
    let pool = pools.get(key);
    if (pool === undefined) {
      pool = createBastionPool({ size: options.bastionConnections, dial: () => dialBastion(bastion) });
      pools.set(key, pool);
    }
    return pool;
  };

  /** The bastion's own failures, re-scoped to the node whose connect they stopped. */
  const asNodeError = (host: HostSpec, error: unknown): unknown =>
    error instanceof ConnectError && error.hop === 'bastion' && error.host !== host.name
      ? new ConnectError(error.failure, error.message, { host: host.name, hop: 'bastion', cause: error })
      : error;

  const connectOnce = async (host: HostSpec, signal: AbortSignal): Promise<SshTransport> => {
    const target = nodeTarget(host);
    const bastion = bastionOf(host);
    const pool = poolFor(bastion);
    const [identity, hosts] = await Promise.all([
      identities({ identityFile: host.identityFile, user: host.user, address: host.address, name: host.name, hop: 'node' }),
      loadKnownHosts(host.ssh),
    ]);
    const dialNode = (sock: SshDialSock, onTcpConnect: (() => void) | undefined): Promise<SshSession> =>
      dialSsh({
        target,
        sock,
        identity,
        knownHosts: hosts,
        acceptNew: acceptNewFor(host.ssh),
        bastionHint: hintOf(bastion),
        ...keepalive(host.ssh),
        signal,
        onTcpConnect,
      });

    let carrier: SshSession | undefined;
    let session: SshSession;
    const sshd = sshdKey(host.address, host.port, bastion);
    if (pool === undefined) {
      session = await handshake('node', sshd, () => dialNode(undefined, () => tcpConnections++), signal);
    } else {
      carrier = await pool.acquire(signal).catch((error: unknown) => {
        throw asNodeError(host, error);
      });
      const via = carrier;
      session = await handshake(
        'node',
        sshd,
        async () => {
          const channel = await openTunnel(via, target, signal);
          try {
            return await dialNode(channel, undefined);
          } catch (error) {
            channel.close();
            throw error instanceof ConnectError ? bastionGoneOr(via, target, error) : error;
          }
        },
        signal,
      );
    }
    if (lifetime.signal.aborted) {
      await session.end();
      throw new ConnectError('closed', `${host.name}: the connector was closed`, { host: host.name, hop: 'local' });
    }
    nodeSessions++;
    const transport = createSshTransport(host, session, {
      maxChannels: settings.maxChannelsPerHost,
      execTimeoutMs: settings.execTimeoutMs,
      maxOutputBytes: settings.maxOutputBytes,
      carrier,
      onExec: (name) => {
        execs[name] = (execs[name] ?? 0) + 1;
      },
      onClose: () => {
        live.delete(transport);
        void transports.get(host.name)?.then((current) => {
          if (current === transport) transports.delete(host.name);
        });
      },
    });
    live.add(transport);
    return transport;
  };

  const connectWithRetries = (host: HostSpec, signal: AbortSignal): Promise<SshTransport> => {
    poolFor(bastionOf(host))?.noteNodeRequested();
    return withRetries(
      () => connectOnce(host, signal),
      // The node dropped our handshake, or the bastion carrying this attempt died: a fresh try
      // can work. The bastion's own dial failures were already retried where they happened.
      (error) =>
        error instanceof ConnectError &&
        (error.hop === 'bastion' ? error.failure === 'closed' : isRetryable(error)),
      signal,
    );
  };

  const connect = async (host: HostSpec, signal?: AbortSignal): Promise<SshTransport> => {
    if (lifetime.signal.aborted) {
      throw new ConnectError('closed', `${host.name}: the connector was closed`, { host: host.name, hop: 'local' });
    }
    const existing = transports.get(host.name);
    if (existing !== undefined) {
      const transport = await raceAbort(existing, signal);
      if (transport.alive) return transport;
      if (transports.get(host.name) === existing) transports.delete(host.name);
      return connect(host, signal);
    }
    const combined = signal === undefined ? lifetime.signal : AbortSignal.any([lifetime.signal, signal]);
    const pending = connectWithRetries(host, combined);
    transports.set(host.name, pending);
    pending.catch(() => {
      if (transports.get(host.name) === pending) transports.delete(host.name);
    });
    return raceAbort(pending, signal);
  };

  const connectFresh = async (host: HostSpec, signal?: AbortSignal): Promise<SshTransport> => {
    if (lifetime.signal.aborted) {
      throw new ConnectError('closed', `${host.name}: the connector was closed`, { host: host.name, hop: 'local' });
    }
    return connectWithRetries(host, signal === undefined ? lifetime.signal : AbortSignal.any([lifetime.signal, signal]));
  };

  return {
    connect,
    connectFresh,
    stats(): ConnectorStats {
      return {
        bastionConnections: tcpConnections,
        nodeSessions,
        maxHandshakesInFlight: handshakes.maxInFlight,
        maxBastionHandshakes: sshds.maxInFlight('bastion'),
        maxNodeHandshakes: sshds.maxInFlight('node'),
        execs: { ...execs },
        retries,
      };
    },
    async closeAll() {
      lifetime.abort(new ConnectError('closed', 'the connector was closed', { hop: 'local' }));
      await Promise.all([...live].map((transport) => transport.close()));
      await Promise.all([...pools.values()].map((pool) => pool.closeAll()));
    },
  };
}

type SshDialSock = Parameters<typeof dialSsh>[0]['sock'];
