import type { HostSpec } from '../config/types.ts';
import { ConnectError, RemoteCommandError } from '../util/errors.ts';
import { becomeError, remoteCommand, SCRIPT_PRELUDE, sudoRefusal, usesSudo } from './become.ts';
import { runOnChannel, type ChannelRun } from './exec-channel.ts';
import { DEADLINE_EXIT, DEADLINE_MARKER, supervisedScript } from './node-jobs.ts';
import { createLimiter } from './limiter.ts';
import type { SshSession } from './ssh-session.ts';
import { isScript, sh, type Script } from '../node/sh.ts';
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

/** How much longer than the node's deadline the controller waits: the node's own report (and a slow link) comes first. */
export function controllerGraceMs(deadlineMs: number): number {
  return Math.max(5_000, Math.round(deadlineMs / 10));
}

/** A job the node ended at its deadline: the supervisor's exit status and stderr marker. */
function endedAtDeadline(run: ChannelRun): number | undefined {
  if (run.exitCode !== DEADLINE_EXIT) return undefined;
  const match = DEADLINE_MARKER.exec(run.stderr.toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

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
    async exec(script: Script, options: ExecOptions = {}): Promise<ExecResult> {
      // the type says so; this says so to a caller that cast its way past it
      if (!isScript(script)) throw new TypeError(`${host.name}: exec takes a Script (sh\`…\`), not a ${typeof script}`);
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
        const deadlineMs = options.timeoutMs ?? settings.execTimeoutMs;
        const deadlineSeconds = Math.max(1, Math.ceil(deadlineMs / 1000));
        const job = supervisedScript(script, { deadlineSeconds, register: options.job?.register, onAbandon: options.job?.onAbandon });
        const run = await runOnChannel(session.client, remoteCommand(sudo), sh`${SCRIPT_PRELUDE}${job}`.text, {
          host: host.name,
          timeoutMs: deadlineSeconds * 1000 + controllerGraceMs(deadlineSeconds * 1000),
          deadlineSeconds,
          maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
          signal: options.signal,
          connectionLost,
        });
        if (sudo) {
          const refusal = sudoRefusal(run);
          if (refusal !== undefined) throw becomeError(host, refusal);
        }
        const ended = endedAtDeadline(run);
        if (ended !== undefined) {
          throw new RemoteCommandError(
            `${host.name}: the script did not finish within ${ended} s; the node ended it and everything it had started`,
            { exitCode: run.exitCode, stderr: run.stderr.toString('utf8').slice(-4096), timedOut: true, endedOnNode: true },
            { host: host.name, hop: 'node' },
          );
        }
        return { host: host.name, ...run, durationMs: Math.round(performance.now() - started) };
      } catch (error) {
        // A node that let a script time out is not trusted with the next one: drop the session so
        // later steps fail at once (and a later connect starts afresh) instead of each timing out.
        if (error instanceof RemoteCommandError && error.timedOut && !error.endedOnNode) void session.end();
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
