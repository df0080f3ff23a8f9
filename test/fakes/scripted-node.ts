import type { Script } from '../../src/node/sh.ts';
import type { HostSpec } from '../../src/config/types.ts';
import { ConnectError } from '../../src/util/errors.ts';
import type { Connector, ConnectorStats, ExecOptions, ExecResult, Transport } from '../../src/transport/types.ts';

/**
 * A node that answers nodeward's scripts from a script of its own: each incoming script is told
 * apart by what only it contains (the lock's `nw_locked`, the write's `NW_DONE written`, …) and
 * answered with canned output, or an error (a lost session, a deadline). Every script sent is kept,
 * by kind, so a test can say what reached the node and what did not.
 */
export type ScriptKind = 'lock' | 'facts' | 'unlock' | 'write' | 'rollback' | 'restart' | 'settle' | 'probe' | 'inspect' | 'diagnosis' | 'other';

export function kindOf(script: string): ScriptKind {
  if (script.includes('nw_locked()')) return 'lock';
  if (script.includes('nw_sec()')) return 'facts';
  if (script.includes('NW_UNLOCK')) return 'unlock';
  if (script.includes('echo NW_DONE written')) return 'write';
  if (script.includes('NW_RUN_OWED')) return 'inspect';
  if (script.includes('nw_claim()')) return 'rollback';
  if (script.includes('NW_RESTARTED')) return 'restart';
  if (script.includes('echo NW_OK settled')) return 'settle';
  if (script.includes('NW_NOW') && script.includes('ActiveState')) return 'probe';
  if (script.includes('journalctl -u')) return 'diagnosis';
  return 'other';
}

export type Reply = string | Error | ((script: string, call: number) => string | Error);

export interface ScriptedNode {
  readonly connector: Connector;
  /** Every script the node received (not those sent while it was unreachable), with its kind, in order. */
  readonly sent: { kind: ScriptKind; script: string }[];
  count(kind: ScriptKind): number;
}

/**
 * The line a lock script that was asked for the facts prints before them (where its lock is ours and
 * no earlier run is pending); '' for a lock script that was not asked. The facts themselves come from
 * the test's `FactsReader` (test/fakes/fixed-facts.ts), so nothing follows the line.
 */
export function factsFollow(script: string): string {
  const token = /printf 'NW_FACTS %s\\n' '?(NWB[0-9a-f]+)/.exec(script)?.[1];
  return token ? `NW_FACTS ${token}\n` : '';
}

const OK: Record<ScriptKind, Reply> = {
  lock: (script) => `NW_LOCK acquired\n${factsFollow(script)}`,
  facts: '',
  unlock: 'NW_UNLOCK released\n',
  write: 'NW_OK backup\nNW_OK op-0\nNW_DONE written\n',
  rollback: 'NW_DONE rolled-back\n',
  restart: 'NW_RESTARTED 1000 0\n',
  settle: 'NW_OK settled\n',
  probe: 'Id=kubelet.service\nActiveState=active\nSubState=running\nNRestarts=0\nResult=success\n\nId=containerd.service\nActiveState=active\nSubState=running\nNRestarts=0\nResult=success\n\nNW_NOW 1001\nNW_HEALTHZ ok\n',
  inspect: 'NW_NOW 1001\nNW_RUN none\n',
  diagnosis: 'ActiveState=failed\n',
  other: '',
};

/** A node answering every kind as a healthy node would, except where `replies` says otherwise. */
export function scriptedNode(host: HostSpec, replies: Partial<Record<ScriptKind, Reply>> = {}, options: { reachable?: (() => boolean) | undefined } = {}): ScriptedNode {
  const sent: { kind: ScriptKind; script: string }[] = [];
  const calls = new Map<ScriptKind, number>();
  const transport: Transport = {
    host,
    async exec(input: Script, _options?: ExecOptions): Promise<ExecResult> {
      // a node gone away takes no script: the session is dead too
      if (options.reachable && !options.reachable()) throw new ConnectError('closed', `${host.name}: the node session closed`, { host: host.name, hop: 'node' });
      const script = input.text;
      const kind = kindOf(script);
      sent.push({ kind, script });
      const call = (calls.get(kind) ?? 0) + 1;
      calls.set(kind, call);
      const reply = replies[kind] ?? OK[kind];
      const answer = typeof reply === 'function' ? reply(script, call) : reply;
      if (answer instanceof Error) throw answer;
      return { host: host.name, exitCode: answer.includes('NW_FAIL') ? 10 : 0, signal: null, stdout: Buffer.from(answer), stderr: Buffer.alloc(0), durationMs: 1 };
    },
    close: async () => {},
  };
  // a node that goes away (reachable() false) refuses new logins as a dead bastion hop does
  const reach = async (): Promise<Transport> => {
    if (options.reachable && !options.reachable()) throw new ConnectError('timeout', `${host.name}: timed out connecting through the bastion`, { host: host.name, hop: 'bastion' });
    return transport;
  };
  const stats: ConnectorStats = { bastionConnections: 1, nodeSessions: 1, maxHandshakesInFlight: 1, maxBastionHandshakes: 1, maxNodeHandshakes: 1, execs: {}, retries: 0 };
  return {
    connector: { connect: reach, connectFresh: reach, stats: () => stats, closeAll: async () => {} },
    sent,
    count: (kind) => sent.filter((s) => s.kind === kind).length,
  };
}
