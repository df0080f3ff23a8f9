import type { HostSpec } from '../config/types.ts';
import { sleep } from '../transport/retry.ts';
import type { Script } from '../node/sh.ts';
import type { Connector, ExecOptions, ExecResult, Transport } from '../transport/types.ts';
import { ConnectError, errorMessage, RemoteCommandError } from '../util/errors.ts';

/**
 * A node's session for one run, renewed when it is lost: a dropped session, a bastion that
 * restarted, a script the controller gave up on (its transport then ends that session). Which
 * scripts may simply be sent again over the new session is the caller's decision: `exec` never
 * resends, `resilient` resends once (for probes, reads and other scripts that may run twice).
 */
export class NodeLink implements Transport {
  private current: Transport;
  private readonly connector: Connector;
  readonly host: HostSpec;
  /** The same node, for scripts that may run twice: one that failed because the session was gone is sent again once over a renewed one. */
  readonly resilient: Transport;

  /** `resilientWithinMs`: how long `resilient` tries to reach the node again before it gives up. */
  constructor(connector: Connector, host: HostSpec, first: Transport, resilientWithinMs = 10_000) {
    this.connector = connector;
    this.host = host;
    this.current = first;
    this.resilient = {
      host,
      exec: async (script, options) => {
        try {
          return await this.current.exec(script, options);
        } catch (error) {
          if (!isLostContact(error)) throw error;
          if ((await this.renew(resilientWithinMs)) !== undefined) throw error;
          return this.current.exec(script, options);
        }
      },
      close: () => Promise.resolve(),
    };
  }

  exec(script: Script, options?: ExecOptions): Promise<ExecResult> {
    return this.current.exec(script, options);
  }

  /** The connector owns the sessions. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * A working session again (the cached one if it still works, else a new login), trying for up
   * to `windowMs`; undefined when it worked, else why not.
   */
  async renew(windowMs: number, signal?: AbortSignal): Promise<string | undefined> {
    const deadline = Date.now() + windowMs;
    let last = 'no attempt';
    for (;;) {
      try {
        this.current = await this.connector.connect(this.host, signal);
        return undefined;
      } catch (error) {
        last = errorMessage(error);
      }
      if (signal?.aborted || Date.now() + 2000 > deadline) return last;
      await sleep(2000);
    }
  }
}

/** The script's fate is unknown: the session went away, or nobody (node or controller) saw it end. */
export function isLostContact(error: unknown): boolean {
  return error instanceof ConnectError || (error instanceof RemoteCommandError && error.timedOut);
}
