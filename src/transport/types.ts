import type { HostSpec } from '../config/types.ts';
import type { Script } from '../node/sh.ts';

export interface ExecOptions {
  /** Run as root through the host's become method (sudo -n). Default true. */
  readonly become?: boolean;
  /**
   * The script's deadline, enforced on the node (which then ends it and everything it started)
   * and, a little later, by the controller. Default: the connector's command timeout.
   */
  readonly timeoutMs?: number;
  /** Run scripts: the node registers the job while it runs, and what it starts if the job is abandoned (see node-jobs.ts). */
  readonly job?: { readonly register?: string | undefined; readonly onAbandon?: string | undefined };
  readonly signal?: AbortSignal;
  /** Refuse output larger than this many bytes (stdout + stderr). Default 64 MiB. */
  readonly maxOutputBytes?: number;
}

export interface ExecResult {
  readonly host: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly durationMs: number;
}

/**
 * One node's connection. `exec` runs a POSIX sh script on the node (a `Script`: written with
 * `sh`…``, every value in it quoted; delivered on stdin to `sh -s`, through `sudo -n` when the host's become method says so) in one channel: one
 * round trip. The script runs as a job in a session of its own that the node ends, with
 * everything it started, when the channel closes or its deadline passes (transport/node-jobs.ts).
 * It resolves with the result whatever the exit code; it rejects only when the script could not
 * run or finish (ConnectError, BecomeError, RemoteCommandError on a deadline).
 */
export interface Transport {
  readonly host: HostSpec;
  exec(script: Script, options?: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
}

export interface ConnectorStats {
  /** TCP connections opened to the bastion (or to nodes directly when there is no bastion). */
  readonly bastionConnections: number;
  /** Node SSH sessions established (each over a forwarded channel of a bastion connection). */
  readonly nodeSessions: number;
  /** The most SSH handshakes that were in flight at once across the fleet (bastion logins and nodes). */
  readonly maxHandshakesInFlight: number;
  /** The most logins that were in flight at once to any one bastion (what its MaxStartups saw of us). */
  readonly maxBastionHandshakes: number;
  /** The most handshakes that were in flight at once to any one node's sshd. */
  readonly maxNodeHandshakes: number;
  /** Remote execs started, per host name. */
  readonly execs: Readonly<Record<string, number>>;
  readonly retries: number;
}

export interface Connector {
  /** Connect (or reuse the live connection) to a node; single-flight per host name. */
  connect(host: HostSpec, signal?: AbortSignal): Promise<Transport>;
  /**
   * A new SSH connection to the node, never the cached one (through the bastion when there is
   * one): proves a fresh login still works after a change to sshd or the firewall. The caller
   * closes it.
   */
  connectFresh?(host: HostSpec, signal?: AbortSignal): Promise<Transport>;
  stats(): ConnectorStats;
  closeAll(): Promise<void>;
}
