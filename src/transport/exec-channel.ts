import type { Client, ClientChannel } from 'ssh2';
import { ConnectError, RemoteCommandError } from '../util/errors.ts';
import type { Hop } from '../util/errors.ts';
import { watchAbort } from './abort-watch.ts';

export interface ChannelRun {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

export interface ChannelRunOptions {
  /** For error scopes and messages. */
  readonly host: string;
  readonly timeoutMs: number;
  readonly maxOutputBytes: number;
  readonly signal?: AbortSignal | undefined;
  /** Why the connection is gone, asked only when the channel dies without an exit status. */
  readonly connectionLost: () => { hop: Hop; detail: string } | undefined;
}

/**
 * One exec channel: `command` runs, `input` is written to its stdin and closed, output is
 * collected as bytes. Resolves on channel close with whatever exit status the server sent;
 * the channel is always closed, whatever happens.
 */
export function runOnChannel(client: Client, command: string, input: string | Buffer, options: ChannelRunOptions): Promise<ChannelRun> {
  const { host, signal } = options;
  return new Promise<ChannelRun>((resolve, reject) => {
    let channel: ClientChannel | undefined;
    let settled = false;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let outputBytes = 0;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let sawExit = false;
    let unwatch = (): void => undefined;

    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      unwatch();
      return true;
    };
    const abandon = (error: unknown): void => {
      if (!settle()) return;
      if (channel !== undefined) {
        // sshd delivers the signal to the process it started (sh, or sudo, which relays TERM but
        // cannot relay KILL). Children of the script may outlive it: a timeout is best effort.
        try {
          channel.signal('TERM');
        } catch {
          // the channel may already be half-closed
        }
        channel.close();
      }
      reject(error);
    };
    const stderrText = (): string => Buffer.concat(stderr).toString('utf8').slice(-4096);
    const onAbort = (): void => abandon(signal?.reason);
    const timer = setTimeout(() => {
      abandon(
        new RemoteCommandError(
          `${host}: the remote script did not finish within ${options.timeoutMs} ms`,
          { exitCode: null, stderr: stderrText(), timedOut: true },
          { host, hop: 'node' },
        ),
      );
    }, options.timeoutMs);
    if (signal?.aborted) {
      onAbort();
      return;
    }
    unwatch = watchAbort(signal, onAbort);

    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      if (settled) return;
      outputBytes += chunk.length;
      if (outputBytes > options.maxOutputBytes) {
        abandon(
          new RemoteCommandError(
            `${host}: the remote script wrote more than ${options.maxOutputBytes} bytes of output; stopped it`,
            { exitCode: null, stderr: stderrText(), timedOut: false },
            { host, hop: 'node' },
          ),
        );
        return;
      }
      into.push(chunk);
    };

    const lost = (cause: unknown): ConnectError => {
      const why = options.connectionLost();
      const detail = why?.detail ?? (cause instanceof Error ? cause.message : 'channel closed without an exit status');
      return new ConnectError('closed', `${host}: the connection closed while the script ran (${detail})`, {
        host,
        hop: why?.hop ?? 'node',
        cause,
      });
    };

    try {
      client.exec(command, (error, opened) => {
        if (error) {
          const why = options.connectionLost();
          abandon(
            why === undefined
              ? new ConnectError('channel', `${host}: could not open an exec channel (${error.message})`, {
                  host,
                  hop: 'node',
                  cause: error,
                })
              : lost(error),
          );
          return;
        }
        channel = opened;
        if (settled) {
          opened.close();
          return;
        }
        opened.on('data', collect(stdout));
        opened.stderr.on('data', collect(stderr));
        opened.on('exit', (code: number | null, signalName?: string) => {
          sawExit = true;
          exitCode = typeof code === 'number' ? code : null;
          exitSignal = typeof signalName === 'string' ? signalName : null;
        });
        opened.on('error', (streamError: Error) => abandon(lost(streamError)));
        opened.on('close', () => {
          if (!sawExit) {
            abandon(lost(undefined));
            return;
          }
          if (!settle()) return;
          resolve({ exitCode, signal: exitSignal, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) });
        });
        opened.end(input);
      });
    } catch (error) {
      abandon(lost(error));
    }
  });
}
