import type { ConfigIssue, SourcePosition } from '../../util/errors.ts';
import { hostLineMatches, matchPatternList } from './patterns.ts';
import type { Arg, SshConfigFile, Statement } from './statements.ts';

/**
 * What an ssh config says for one host name, worked out as ssh does it (readconf.c): the
 * files are read top to bottom, `Host` and `Match` switch the lines below them on or off for
 * this host, and the first value obtained for a keyword wins (IdentityFile adds up). Only the
 * keywords nodeward honours are kept; those it cannot honour become refusals with their line.
 */

export interface Sourced<T> {
  readonly value: T;
  readonly at: SourcePosition;
}

export interface SshHostOptions {
  /** The name as given (`ssh NAME`). */
  readonly name: string;
  readonly hostName?: Sourced<string>;
  readonly user?: Sourced<string>;
  readonly port?: Sourced<number>;
  readonly identityFiles: readonly Sourced<string>[];
  readonly identitiesOnly?: Sourced<boolean>;
  /** As written, `none` included; set only while no ProxyCommand was (ssh keeps one of the two). */
  readonly proxyJump?: Sourced<string>;
  /** As written; `none` also stops a later ProxyJump, but `ProxyJump none` does not stop this. */
  readonly proxyCommand?: Sourced<string>;
  readonly userKnownHostsFile?: Sourced<readonly string[]>;
  readonly strictHostKeyChecking?: Sourced<StrictMode>;
  /** Seconds. */
  readonly connectTimeout?: Sourced<number>;
  readonly serverAliveInterval?: Sourced<number>;
  readonly serverAliveCountMax?: Sourced<number>;
}

export type StrictMode = 'yes' | 'no' | 'ask' | 'accept-new';

export interface ResolveContext {
  /** The local user name: `Match localuser`, and `Match user` before any User is set. */
  readonly localUser: string;
  /** A user given outside the config (the inventory's, a ProxyJump's `user@`), as `ssh -l` gives one: `Match user` sees it. */
  readonly user?: string | undefined;
}

export interface Resolution {
  readonly options: SshHostOptions;
  /** Bad values and what nodeward cannot honour, at their lines (only what applies to this host). */
  readonly issues: readonly ConfigIssue[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** ssh's multistate tables (readconf.c) for the keywords below. */
const YES_NO: Record<string, boolean> = { yes: true, true: true, no: false, false: false };
const STRICT: Record<string, StrictMode> = { yes: 'yes', true: 'yes', no: 'no', false: 'no', off: 'no', ask: 'ask', 'accept-new': 'accept-new' };

/** Keywords that change how a host is reached or verified in ways nodeward does not do. */
const UNSUPPORTED: Record<string, string> = {
  hostkeyalias: 'nodeward looks host keys up by the address it connects to; remove HostKeyAlias, or record the key under the address',
  canonicalizehostname: 'nodeward does not canonicalize host names; write the full name in HostName',
};

export function resolveSshHost(config: SshConfigFile, name: string, context: ResolveContext): Resolution {
  const options: Mutable<SshHostOptions> & { identityFiles: Sourced<string>[] } = { name, identityFiles: [] };
  const issues: ConfigIssue[] = [];
  const refuse = (at: SourcePosition, message: string): void => {
    issues.push({ ...at, message });
  };
  const unsupportedSeen = new Set<string>();

  /** `Match host` sees the HostName obtained so far (with %h), else the name (readconf.c). */
  const currentHost = (): string => (options.hostName === undefined ? name : options.hostName.value.replaceAll('%h', name));

  const matchLine = (args: readonly Arg[], at: SourcePosition): boolean => {
    let result = true;
    for (let i = 0; i < args.length; i++) {
      const word = args[i]?.text ?? '';
      const negated = word.startsWith('!');
      const criterion = (negated ? word.slice(1) : word).toLowerCase();
      if (criterion === 'all') {
        if (negated) result = false;
        continue;
      }
      if (['canonical', 'final', 'exec', 'localnetwork', 'tagged'].includes(criterion)) {
        // Once a criterion before it failed, ssh's answer no longer depends on this one.
        if (result) refuse(at, `Match ${criterion} is not supported: nodeward ${criterion === 'exec' ? 'runs no local commands to choose settings' : 'resolves every host in one pass, without canonicalization, tags or local networks'}; write the hosts as Host or Match host patterns`);
        if (criterion !== 'canonical' && criterion !== 'final') i++;
        result = false;
        continue;
      }
      const list = args[i + 1]?.text;
      if (!['host', 'originalhost', 'user', 'localuser'].includes(criterion)) {
        refuse(at, `Match: unknown criterion '${word}'`);
        return false;
      }
      if (list === undefined) {
        refuse(at, `Match ${word}: missing argument`);
        return false;
      }
      i++;
      let hit: boolean;
      if (criterion === 'host') hit = matchPatternList(currentHost(), list, true);
      else if (criterion === 'originalhost') hit = matchPatternList(name, list, true);
      else if (criterion === 'user') hit = matchPatternList(context.user ?? options.user?.value ?? context.localUser, list, false);
      else hit = matchPatternList(context.localUser, list, false);
      if (hit === negated) result = false;
    }
    return result;
  };

  const single = (statement: Extract<Statement, { kind: 'option' }>): string | undefined => {
    const first = statement.args[0];
    if (first === undefined) refuse(statement.at, `${statement.keyword}: missing argument`);
    return first?.text;
  };

  const setOption = (statement: Extract<Statement, { kind: 'option' }>): void => {
    const { keyword, at } = statement;
    const value = (): string | undefined => single(statement);
    const seconds = (text: string): number | undefined => {
      const n = convtime(text);
      if (n === undefined) refuse(at, `${keyword} ${text}: not a time (seconds, or like 1m30s)`);
      return n;
    };
    switch (keyword) {
      case 'hostname': {
        const v = value();
        if (options.hostName === undefined && v !== undefined) options.hostName = { value: v, at };
        return;
      }
      case 'user': {
        const v = value();
        if (options.user === undefined && v !== undefined) options.user = { value: v, at };
        return;
      }
      case 'port': {
        const v = value();
        if (options.port !== undefined || v === undefined) return;
        const n = /^[0-9]+$/.test(v) ? Number(v) : NaN;
        if (!(n >= 1 && n <= 65535)) refuse(at, `Port ${v}: not a port number (1-65535)`);
        else options.port = { value: n, at };
        return;
      }
      case 'identityfile': {
        const v = value();
        if (v !== undefined && !options.identityFiles.some((f) => f.value === v)) options.identityFiles.push({ value: v, at });
        return;
      }
      case 'identitiesonly': {
        const v = value();
        if (options.identitiesOnly !== undefined || v === undefined) return;
        const b = YES_NO[v.toLowerCase()];
        if (b === undefined) refuse(at, `IdentitiesOnly ${v}: expected yes or no`);
        else options.identitiesOnly = { value: b, at };
        return;
      }
      case 'proxyjump': {
        const v = value();
        if (options.proxyJump === undefined && options.proxyCommand === undefined && v !== undefined) options.proxyJump = { value: v, at };
        return;
      }
      case 'proxycommand': {
        // what ssh 9 does (checked against ssh -G): a real ProxyJump wins, `ProxyJump none` does not
        const text = statement.args.map((a) => a.text).join(' ');
        const jump = options.proxyJump?.value;
        if (options.proxyCommand === undefined && (jump === undefined || jump.toLowerCase() === 'none') && text !== '') options.proxyCommand = { value: text, at };
        return;
      }
      case 'userknownhostsfile': {
        if (options.userKnownHostsFile === undefined && statement.args.length > 0) options.userKnownHostsFile = { value: statement.args.map((a) => a.text), at };
        return;
      }
      case 'stricthostkeychecking': {
        const v = value();
        if (options.strictHostKeyChecking !== undefined || v === undefined) return;
        const mode = STRICT[v.toLowerCase()];
        if (mode === undefined) refuse(at, `StrictHostKeyChecking ${v}: expected yes, ask, accept-new or no`);
        else options.strictHostKeyChecking = { value: mode, at };
        return;
      }
      case 'connecttimeout': {
        const v = value();
        if (options.connectTimeout !== undefined || v === undefined) return;
        // `none` is ssh's unset marker (-1): a later line can still set it (checked against ssh -G)
        if (v.toLowerCase() === 'none') return;
        const n = seconds(v);
        if (n !== undefined) options.connectTimeout = { value: n, at };
        return;
      }
      case 'serveraliveinterval': {
        const v = value();
        if (options.serverAliveInterval !== undefined || v === undefined) return;
        const n = seconds(v);
        if (n !== undefined) options.serverAliveInterval = { value: n, at };
        return;
      }
      case 'serveralivecountmax': {
        const v = value();
        if (options.serverAliveCountMax !== undefined || v === undefined) return;
        if (!/^[0-9]+$/.test(v)) refuse(at, `ServerAliveCountMax ${v}: not a number`);
        else options.serverAliveCountMax = { value: Number(v), at };
        return;
      }
      default: {
        const why = UNSUPPORTED[keyword];
        // The first value is the one ssh would use; `no`/`none` turn the feature off.
        if (why === undefined || unsupportedSeen.has(keyword)) return;
        unsupportedSeen.add(keyword);
        const v = (value() ?? '').toLowerCase();
        if (v !== 'no' && v !== 'none') refuse(at, `${keyword} is not supported: ${why}`);
      }
    }
  };

  const run = (file: SshConfigFile): void => {
    // Every file starts active; an Include in an inactive block is never read for this host.
    let active = true;
    for (const statement of file.statements) {
      if (statement.kind === 'host') active = hostLineMatches(name, statement.patterns);
      else if (statement.kind === 'match') active = matchLine(statement.args, statement.at);
      else if (!active) continue;
      else if (statement.kind === 'include') for (const included of statement.files) run(included);
      else setOption(statement);
    }
  };
  run(config);
  return { options, issues };
}

/** convtime(3) of misc.c: `90`, `1m30s`, `2h`; units s m h d w. */
export function convtime(text: string): number | undefined {
  if (text === '') return undefined;
  if (/^[0-9]+$/.test(text)) return Number(text);
  const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  const re = /([0-9]+)([smhdwSMHDW]?)/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = re.exec(text)) !== null) {
    total += Number(match[1]) * (units[(match[2] ?? 's').toLowerCase() || 's'] ?? 1);
    consumed = re.lastIndex;
  }
  return consumed === text.length ? total : undefined;
}
