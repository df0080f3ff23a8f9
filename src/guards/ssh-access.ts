import { BlockList, isIP } from 'node:net';
import type { LoginFact } from '../facts/types.ts';
import { ACCUMULATING, parseSshdFile, type SshdSettings } from '../resources/sshd-settings.ts';

/** Whether an address is in a CIDR (or equals an address); false when either is not an IP. */
export function inCidr(address: string, cidr: string): boolean {
  const [base = '', prefix] = cidr.split('/');
  const family = isIP(base);
  if (family === 0 || isIP(address) !== family) return false;
  const list = new BlockList();
  const type = family === 4 ? 'ipv4' : 'ipv6';
  list.addSubnet(base, prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix), type);
  return list.check(address, type);
}

function wildcard(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`);
  return regex.test(value);
}

/** AllowUsers/DenyUsers pattern: USER or USER@HOST (HOST an address pattern or a CIDR). */
function userPatternMatches(pattern: string, login: LoginFact): boolean {
  const at = pattern.indexOf('@');
  const userPart = at === -1 ? pattern : pattern.slice(0, at);
  if (!wildcard(userPart, login.user)) return false;
  if (at === -1) return true;
  const hostPart = pattern.slice(at + 1);
  if (login.clientAddress === undefined) return false;
  return hostPart.includes('/') ? inCidr(login.clientAddress, hostPart) : wildcard(hostPart, login.clientAddress);
}

/**
 * sshd's settings once nodeward's drop-in changes from `oldFile` to `newFile`: nodeward's file is
 * read first, so its values win; the accumulating keywords (AllowUsers …) are the union over all
 * files. A keyword nodeward stops setting has an unknown value (undefined).
 */
export function settingsAfter(effective: SshdSettings, oldFile: string | undefined, newFile: string): Map<string, readonly string[] | undefined> {
  const before = parseSshdFile(oldFile ?? '');
  const after = parseSshdFile(newFile);
  const result = new Map<string, readonly string[] | undefined>();
  for (const key of new Set([...effective.keys(), ...before.keys(), ...after.keys()])) {
    const shown = effective.get(key) ?? [];
    if (ACCUMULATING.has(key)) {
      // what other files contribute: the effective values minus what our old file added
      const others = [...shown];
      for (const value of before.get(key) ?? []) {
        const i = others.findIndex((v) => v.toLowerCase() === value.toLowerCase());
        if (i !== -1) others.splice(i, 1);
      }
      result.set(key, [...(after.get(key) ?? []), ...others]);
    } else if (after.has(key)) {
      result.set(key, [(after.get(key) ?? []).join(' ')]);
    } else {
      result.set(key, before.has(key) ? undefined : shown);
    }
  }
  return result;
}

/** Why the login user could no longer log in with its key under these settings (empty: it can). */
export function lockoutReasons(settings: ReadonlyMap<string, readonly string[] | undefined>, login: LoginFact): string[] {
  const one = (key: string): string | undefined => settings.get(key)?.[0]?.toLowerCase();
  const list = (key: string): readonly string[] => settings.get(key) ?? [];
  const reasons: string[] = [];
  if (one('pubkeyauthentication') === 'no') reasons.push('PubkeyAuthentication would be no');
  const methods = one('authenticationmethods');
  if (methods !== undefined && methods !== 'any' && !methods.split(/\s+/).includes('publickey')) {
    reasons.push(`AuthenticationMethods ${methods} would not allow a key alone`);
  }
  if (login.user === 'root' && ['no', 'forced-commands-only'].includes(one('permitrootlogin') ?? '')) reasons.push(`PermitRootLogin would be ${one('permitrootlogin') ?? ''}`);
  const where = login.clientAddress ? ` from ${login.clientAddress}` : '';
  const denied = list('denyusers').find((p) => userPatternMatches(p, login));
  if (denied) reasons.push(`DenyUsers ${denied} would match ${login.user}${where}`);
  const allowUsers = list('allowusers');
  if (allowUsers.length > 0 && !allowUsers.some((p) => userPatternMatches(p, login))) {
    reasons.push(`AllowUsers ${allowUsers.join(' ')} would not include ${login.user}${where}`);
  }
  const deniedGroup = list('denygroups').find((p) => login.groups.some((g) => wildcard(p, g)));
  if (deniedGroup) reasons.push(`DenyGroups ${deniedGroup} would match a group of ${login.user}`);
  const allowGroups = list('allowgroups');
  if (allowGroups.length > 0 && !allowGroups.some((p) => login.groups.some((g) => wildcard(p, g)))) {
    reasons.push(`AllowGroups ${allowGroups.join(' ')} would not include any group of ${login.user} (${login.groups.join(' ') || 'none'})`);
  }
  return reasons;
}
