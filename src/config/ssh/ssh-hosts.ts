import { resolve as resolvePath } from 'node:path';
import type { SourcePosition } from '../../util/errors.ts';
import { addressProblem, userName } from '../validators.ts';
import { effectiveSsh, hostNameOf, tokenValues } from './effective.ts';
import type { LocalIdentity } from './effective.ts';
import { resolveSshHost } from './resolve.ts';
import type { SshHostOptions, Sourced } from './resolve.ts';
import type { SshConfigFile } from './statements.ts';
import { expandTokens } from './tokens.ts';

/**
 * What an ssh config gives one inventory host (a node, or the bastion it jumps through), in
 * nodeward's terms, and what nodeward refuses of it. Values are only those the config set, so
 * the inventory can say which wins (see normalize-inventory.ts).
 */

export interface HopView {
  /** HostName (or the name itself, as ssh connects to it). */
  readonly address: string;
  readonly user: string | undefined;
  readonly port: number | undefined;
  /** Absolute path of the first IdentityFile (the one ssh tries first); undefined: none set. */
  readonly identityFile: Sourced<string> | undefined;
  readonly identitiesOnly: Sourced<boolean> | undefined;
  readonly knownHosts: Sourced<string> | undefined;
  readonly acceptNew: boolean;
  readonly connectTimeoutMs: number | undefined;
  readonly keepaliveIntervalMs: number | undefined;
  readonly keepaliveCountMax: number | undefined;
}

export interface NodeView extends HopView {
  /** The ProxyJump bastion; null: `ProxyJump none` or none set (direct). */
  readonly bastion: (HopView & { readonly name: string }) | null;
}

/** What the inventory writes for a host, which decides %r and %p and whether a key is named elsewhere. */
export interface Explicit {
  readonly user: string | undefined;
  readonly port: number | undefined;
}

export interface SshContext {
  readonly config: SshConfigFile;
  readonly local: LocalIdentity;
  /** For a relative IdentityFile or UserKnownHostsFile, as ssh resolves them. */
  readonly cwd: string;
}

interface Collector {
  refuse(at: SourcePosition, message: string): void;
}

export function nodeView(ctx: SshContext, name: string, explicit: Explicit, collector: Collector): NodeView {
  const { options, hop } = hopView(ctx, name, explicit, collector);
  return { ...hop, bastion: jumpOf(ctx, options, collector) };
}

export function hopView(ctx: SshContext, name: string, explicit: Explicit, collector: Collector): { options: SshHostOptions; hop: HopView } {
  const resolution = resolveSshHost(ctx.config, name, { localUser: ctx.local.user, user: explicit.user });
  for (const issue of resolution.issues) collector.refuse(issue, issue.message);
  const { options } = resolution;
  const { effective, issues } = effectiveSsh(options, ctx.local);
  for (const issue of issues) collector.refuse(issue, issue.message);

  const host = hostNameOf(options);
  const address = 'value' in host ? host.value : name;
  const problem = addressProblem(address);
  if (problem !== undefined && options.hostName) collector.refuse(options.hostName.at, `HostName ${options.hostName.value}: ${problem}`);
  if (options.user && !userName.safeParse(options.user.value).success) collector.refuse(options.user.at, `User ${options.user.value}: not a user name nodeward accepts`);

  const strict = options.strictHostKeyChecking;
  if (strict?.value === 'no') {
    collector.refuse(strict.at, 'StrictHostKeyChecking no is refused: nodeward always verifies host keys; use accept-new to record the keys of new hosts (a changed key is still refused)');
  }
  if (options.proxyCommand && effective.proxycommand !== undefined) {
    collector.refuse(options.proxyCommand.at, 'ProxyCommand is not supported: nodeward reaches hosts itself, directly or through one bastion; write the bastion as ProxyJump user@host[:port]');
  }

  // tokens take the values the connection will use: the inventory's user and port if it sets them
  const values = { ...tokenValues(options, ctx.local), remoteUser: explicit.user ?? effective.user, port: explicit.port ?? effective.port };
  const path = (raw: string, at: SourcePosition, keyword: string): string | undefined => {
    const expanded = expandTokens(raw, values);
    if ('unknown' in expanded) {
      collector.refuse(at, `${keyword} ${raw}: unknown token ${expanded.unknown}`);
      return undefined;
    }
    return resolvePath(ctx.cwd, expanded.value);
  };
  const first = options.identityFiles[0];
  const identityPath = first === undefined ? undefined : path(first.value, first.at, 'IdentityFile');
  let knownHosts: Sourced<string> | undefined;
  const userKnown = options.userKnownHostsFile;
  if (userKnown !== undefined) {
    if (userKnown.value.length > 1) collector.refuse(userKnown.at, `UserKnownHostsFile: ${userKnown.value.length} files; nodeward reads one known_hosts file per host: name one`);
    else if (userKnown.value[0] !== undefined) {
      const file = path(userKnown.value[0], userKnown.at, 'UserKnownHostsFile');
      if (file !== undefined) knownHosts = { value: file, at: userKnown.at };
    }
  }
  const seconds = (n: number | undefined): number | undefined => (n === undefined || n <= 0 ? undefined : n * 1000);
  return {
    options,
    hop: {
      address,
      user: options.user?.value,
      port: options.port?.value,
      identityFile: identityPath === undefined || first === undefined ? undefined : { value: identityPath, at: first.at },
      identitiesOnly: options.identitiesOnly,
      knownHosts,
      acceptNew: strict?.value === 'accept-new',
      connectTimeoutMs: seconds(options.connectTimeout?.value),
      // 0 is ssh's "off"; nodeward keeps its own keepalive then, to notice a node that went away
      keepaliveIntervalMs: seconds(options.serverAliveInterval?.value),
      keepaliveCountMax: options.serverAliveCountMax === undefined || options.serverAliveCountMax.value <= 0 ? undefined : options.serverAliveCountMax.value,
    },
  };
}

/** `[ssh://][user@]host[:port]`, one hop; null when there is no real ProxyJump. */
function jumpOf(ctx: SshContext, options: SshHostOptions, collector: Collector): NodeView['bastion'] {
  const jump = options.proxyJump;
  if (jump === undefined || jump.value.toLowerCase() === 'none' || options.proxyCommand !== undefined) return null;
  if (jump.value.includes(',')) {
    collector.refuse(jump.at, `ProxyJump ${jump.value}: ${jump.value.split(',').length} hops; nodeward goes through one bastion at most`);
    return null;
  }
  const parsed = parseJump(jump.value);
  if (parsed === undefined) {
    collector.refuse(jump.at, `ProxyJump ${jump.value}: expected [user@]host[:port]`);
    return null;
  }
  const { options: bastionOptions, hop } = hopView(ctx, parsed.host, { user: parsed.user, port: parsed.port }, collector);
  const beyond = bastionOptions.proxyJump?.value;
  if (beyond !== undefined && beyond.toLowerCase() !== 'none' && bastionOptions.proxyCommand === undefined) {
    collector.refuse(jump.at, `ProxyJump ${jump.value}: ${parsed.host} is itself reached through ${beyond} (${where(bastionOptions.proxyJump?.at)}): two hops; nodeward goes through one bastion at most`);
  }
  return { ...hop, name: parsed.host, user: parsed.user ?? hop.user, port: parsed.port ?? hop.port };
}

function where(at: SourcePosition | undefined): string {
  return at === undefined ? '?' : `${at.file}:${at.line}`;
}

export function parseJump(text: string): { user: string | undefined; host: string; port: number | undefined } | undefined {
  const rest = text.startsWith('ssh://') ? text.slice(6) : text;
  const atSign = rest.lastIndexOf('@');
  const user = atSign === -1 ? undefined : rest.slice(0, atSign);
  const hostPort = atSign === -1 ? rest : rest.slice(atSign + 1);
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::([0-9]+))?$/.exec(hostPort);
  const host = match?.[1] ?? match?.[2];
  if (match === null || host === undefined || user === '') return undefined;
  const port = match[3] === undefined ? undefined : Number(match[3]);
  if (port !== undefined && !(port >= 1 && port <= 65535)) return undefined;
  return { user, host, port };
}
