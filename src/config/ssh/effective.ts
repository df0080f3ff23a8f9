import type { ConfigIssue } from '../../util/errors.ts';
import type { SshHostOptions, StrictMode } from './resolve.ts';
import { expandTokens } from './tokens.ts';
import type { TokenValues } from './tokens.ts';

/**
 * One host's settings with ssh's defaults filled in and paths expanded: what `ssh -G NAME`
 * prints for the keywords nodeward honours (IdentityFile as written, since -G prints it so).
 */

export interface LocalIdentity {
  readonly user: string;
  readonly home: string;
  readonly uid: number;
  readonly hostName: string;
}

export interface EffectiveSsh {
  readonly hostname: string;
  readonly user: string;
  readonly port: number;
  readonly identityfile: readonly string[];
  readonly identitiesonly: boolean;
  readonly proxyjump: string | undefined;
  readonly proxycommand: string | undefined;
  readonly userknownhostsfile: readonly string[];
  readonly stricthostkeychecking: StrictMode;
  readonly connecttimeout: number | undefined;
  readonly serveraliveinterval: number;
  readonly serveralivecountmax: number;
}

const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'].map((n) => `~/.ssh/${n}`);
const DEFAULT_KNOWN_HOSTS = ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'];

/** The HostName with %h (and %%) expanded, as ssh connects to it; or the token it cannot expand. */
export function hostNameOf(options: SshHostOptions): { value: string } | { unknown: string } {
  const raw = options.hostName?.value;
  if (raw === undefined) return { value: options.name.toLowerCase() };
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    if (c !== '%') out += c;
    else if (raw.charAt(i + 1) === 'h') (out += options.name.toLowerCase()), i++;
    else if (raw.charAt(i + 1) === '%') (out += '%'), i++;
    else return { unknown: `%${raw.charAt(i + 1)}` };
  }
  // ssh lowercases the name it connects to (and -G prints it so)
  return { value: out.toLowerCase() };
}

export function tokenValues(options: SshHostOptions, local: LocalIdentity): TokenValues {
  const host = hostNameOf(options);
  return {
    host: 'value' in host ? host.value : options.name,
    originalHost: options.name,
    port: options.port?.value ?? 22,
    remoteUser: options.user?.value ?? local.user,
    localUser: local.user,
    home: local.home,
    uid: local.uid,
    localHost: local.hostName,
  };
}

export function effectiveSsh(options: SshHostOptions, local: LocalIdentity): { effective: EffectiveSsh; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const host = hostNameOf(options);
  if ('unknown' in host && options.hostName) issues.push({ ...options.hostName.at, message: `HostName ${options.hostName.value}: nodeward expands only %h and %% here, not ${host.unknown}` });
  const values = tokenValues(options, local);
  const knownHosts = (options.userKnownHostsFile?.value ?? DEFAULT_KNOWN_HOSTS).map((file) => {
    const expanded = expandTokens(file, values);
    if ('value' in expanded) return expanded.value;
    if (options.userKnownHostsFile) issues.push({ ...options.userKnownHostsFile.at, message: `UserKnownHostsFile ${file}: unknown token ${expanded.unknown}` });
    return file;
  });
  const jump = options.proxyJump?.value;
  const command = options.proxyCommand?.value;
  return {
    effective: {
      hostname: values.host,
      user: values.remoteUser,
      port: values.port,
      identityfile: options.identityFiles.length > 0 ? options.identityFiles.map((f) => f.value) : DEFAULT_IDENTITIES,
      identitiesonly: options.identitiesOnly?.value ?? false,
      // `none` is ssh's way of saying unset; -G prints neither then
      proxyjump: jump === undefined || jump.toLowerCase() === 'none' || command !== undefined ? undefined : jump,
      proxycommand: command === undefined || command.toLowerCase() === 'none' ? undefined : command,
      userknownhostsfile: knownHosts,
      stricthostkeychecking: options.strictHostKeyChecking?.value ?? 'ask',
      connecttimeout: options.connectTimeout?.value,
      serveraliveinterval: options.serverAliveInterval?.value ?? 0,
      serveralivecountmax: options.serverAliveCountMax?.value ?? 3,
    },
    issues,
  };
}
