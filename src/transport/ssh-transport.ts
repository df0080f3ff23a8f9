import type { HostSpec } from '../config/types.ts';
import { ConnectError, RemoteCommandError } from '../util/errors.ts';
import { becomeError, remoteCommand, SCRIPT_PRELUDE, sudoRefusal, usesSudo } from './become.ts';
import { runOnChannel } from './exec-channel.ts';
import { createLimiter } from './limiter.ts';
import type { SshSession } from './ssh-session.ts';
import type { ExecOptions, ExecResult, Transport } from './types.ts';

export interface SshTransportSettings {
  readonly maxChannels: number;
  readonly execTimeoutMs: number;
  readonly maxOutputBytes: number;
  /** The bastion session this node's session runs over, if any. */
  readonly carrier: SshSession | undefined;
  readonly onExec: (hostName: string) => void;
  readonly onClose: () => void;
}

export interface SshTransport extends Transport {
  readonly alive: boolean;
}

const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export function createSshTransport(host: HostSpec, session: SshSession, settings: SshTransportSettings): SshTransport {
  // OpenSSH's MaxSessions (10) caps open channels per connection; stay well under it.
  const channels = createLimiter(settings.maxChannels);
  let closedByUs = false;

  const connectionLost = (): { hop: 'bastion' | 'node'; detail: string } | undefined => {
    if (session.alive) return undefined;
    if (settings.carrier !== undefined && !settings.carrier.alive) {
      return { hop: 'bastion', detail: 'the bastion connection carrying it closed' };
    }
    const why = session.closeError instanceof Error ? session.closeError.message : 'the node closed the connection';
    return { hop: 'node', detail: closedByUs ? 'closed by nodeward' : why };
  };

  session.onClose(settings.onClose);

  return {
    host,
    get alive() {
      return session.alive;
    },
    async exec(script: string, options: ExecOptions = {}): Promise<ExecResult> {
      const lostBefore = connectionLost();
      if (lostBefore !== undefined) {
        throw new ConnectError('closed', `${host.name}: not connected (${lostBefore.detail})`, {
          host: host.name,
          hop: lostBefore.hop,
        });
      }
      const release = await channels.acquire(options.signal);
      try {
        settings.onExec(host.name);
        const started = performance.now();
        const sudo = usesSudo(host, options.become);
        const run = await runOnChannel(session.client, remoteCommand(sudo), SCRIPT_PRELUDE + script, {
          host: host.name,
          timeoutMs: options.timeoutMs ?? settings.execTimeoutMs,
          maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
          signal: options.signal,
          connectionLost,
        });
        if (sudo) {
          const refusal = sudoRefusal(run);
          if (refusal !== undefined) throw becomeError(host, refusal);
        }
        return { host: host.name, ...run, durationMs: Math.round(performance.now() - started) };
      } catch (error) {
        // A node that let a script time out is not trusted with the next one: drop the session so
        // later steps fail at once (and a later connect starts afresh) instead of each timing out.
        if (error instanceof RemoteCommandError && error.timedOut) void session.end();
        throw error;
      } finally {
        release();
      }
    },
    async close(): Promise<void> {
      closedByUs = true;
      await session.end();
    },
  };
}
