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
  /** How long the controller waits for the channel to close (the node's own deadline comes first). */
  readonly timeoutMs: number;
  /** The script's deadline as the operator gave it, for the message when the controller gives up. */
  readonly deadlineSeconds: number;
  readonly maxOutputBytes: number;
  readonly signal?: AbortSignal | undefined;
  /** Why the connection is gone, asked only when the channel dies without an exit status. */
  readonly connectionLost: () => { hop: Hop; detail: string } | undefined;
}

/**
 * One exec channel: `command` runs, `input` is written to its stdin, output is collected as
 * bytes. Stdin is never closed: it is the node-side job's lifeline (transport/node-jobs.ts), so
 * closing the channel (on a timeout, an abort, too much output) is what tells the node to end the
 * script and everything it started. Resolves on channel close with whatever exit status the
 * server sent; the channel is always closed, whatever happens.
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
      // sshd closes the job's stdin: the node ends the job's whole session
      if (channel !== undefined) channel.close();
      reject(error);
    };
    const stderrText = (): string => Buffer.concat(stderr).toString('utf8').slice(-4096);
    const onAbort = (): void => abandon(signal?.reason);
    const timer = setTimeout(() => {
      abandon(
        new RemoteCommandError(
          `${host}: the remote script did not finish within ${options.deadlineSeconds} s (nodeward closed the channel; the node ends the script once it sees that)`,
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
        opened.write(input);
      });
    } catch (error) {
      abandon(lost(error));
    }
  });
}
