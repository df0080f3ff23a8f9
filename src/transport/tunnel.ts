import type { ClientChannel } from 'ssh2';
import { ConnectError } from '../util/errors.ts';
import { watchAbort } from './abort-watch.ts';
import { describeTarget, seconds, toConnectError } from './classify-error.ts';
import type { ConnectTarget } from './classify-error.ts';
import type { SshSession } from './ssh-session.ts';

/**
 * A direct-tcpip channel from the bastion to a node (what `ssh -J` does). The bastion's sshd
 * connects to the node when the channel opens, so a partitioned node leaves the open pending
 * for minutes: the timeout bounds it, and a channel that opens after we gave up is closed.
 */
export function openTunnel(bastion: SshSession, target: ConnectTarget, signal?: AbortSignal): Promise<ClientChannel> {
  return new Promise<ClientChannel>((resolve, reject) => {
    let settled = false;
    let unwatch = (): void => undefined;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      unwatch();
      return true;
    };
    const onAbort = (): void => {
      if (settle()) reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      if (!settle()) return;
      reject(
        new ConnectError(
          'timeout',
          `${describeTarget(target)}: the bastion could not open a connection to the node within ` +
            `${seconds(target.timeoutMs)} (node down or partitioned?)`,
          { host: target.name, hop: 'node' },
        ),
      );
    }, target.timeoutMs);
    if (signal?.aborted) {
      onAbort();
      return;
    }
    unwatch = watchAbort(signal, onAbort);

    try {
      bastion.client.forwardOut('127.0.0.1', 0, target.address, target.port, (error, channel) => {
        if (!settle()) {
          channel?.close();
          return;
        }
        if (error) {
          const failure = toConnectError(error, target);
          // "administratively prohibited" and resource shortage are the bastion's policy, not the node.
          const scoped =
            failure.failure === 'channel'
              ? new ConnectError('channel', failure.message, { host: target.name, hop: 'bastion', cause: error })
              : failure;
          reject(bastionGoneOr(bastion, target, scoped));
          return;
        }
        // The node's end of the stream (its sshd died, the connection was reset): the bastion
        // sends EOF and keeps the channel half-open, and ssh2 will neither notice nor destroy a
        // half-ended stream. SSH cannot go on without its transport: close the channel, so that the
        // session over it ends now, not when a keepalive or the script's deadline would notice.
        channel.once('end', () => channel.close());
        resolve(channel);
      });
    } catch (error) {
      if (settle()) reject(bastionGoneOr(bastion, target, toConnectError(error, target)));
    }
  });
}

/** When the bastion connection itself died, that (not the node) is what the operator must see. */
export function bastionGoneOr(bastion: SshSession, target: ConnectTarget, error: ConnectError): ConnectError {
  if (bastion.alive) return error;
  return new ConnectError(
    'closed',
    `${describeTarget(target)}: the bastion connection carrying this node closed` +
      (bastion.closeError === undefined ? '' : ` (${String(bastion.closeError)})`),
    { host: target.name, hop: 'bastion', cause: error },
  );
}
