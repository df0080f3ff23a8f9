import type { HostSpec } from '../config/types.ts';
import type { Script } from '../node/sh.ts';
import type { Connector, Transport } from './types.ts';

/** The script a node was sent, with the host it went to. */
export type ScriptRecorder = (host: HostSpec, script: Script) => void;

/**
 * A connector whose transports tell `record` every script before sending it, byte for byte as
 * given to exec: `plan --show-scripts` writes out the facts script the nodes really received.
 */
export function recordingConnector(inner: Connector, record: ScriptRecorder): Connector {
  const wrap = (transport: Transport): Transport => ({
    host: transport.host,
    exec: (script, options) => {
      record(transport.host, script);
      return transport.exec(script, options);
    },
    close: () => transport.close(),
  });
  const fresh = inner.connectFresh?.bind(inner);
  return {
    connect: async (host, signal) => wrap(await inner.connect(host, signal)),
    ...(fresh ? { connectFresh: async (host: HostSpec, signal?: AbortSignal) => wrap(await fresh(host, signal)) } : {}),
    stats: () => inner.stats(),
    closeAll: () => inner.closeAll(),
  };
}
