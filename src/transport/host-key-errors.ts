import { ConnectError } from '../util/errors.ts';
import { describeTarget } from './classify-error.ts';
import type { ConnectTarget } from './classify-error.ts';
import { knownHostsName } from './known-hosts.ts';
import type { HostKeyVerdict } from './known-hosts.ts';
import { quoted, sh } from '../node/sh.ts';

export interface BastionHint {
  readonly user: string;
  readonly host: string;
  readonly port: number;
}

/**
 * The command that adds a host's plain key to known_hosts, run from the operator's own terminal
 * (through the bastion for a node behind one); quoted as any shell text nodeward writes.
 */
function addKeyCommand(target: ConnectTarget, knownHostsPath: string, bastion: BastionHint | undefined): string {
  const scan = sh`ssh-keyscan -p ${target.port} ${target.address}`;
  const add =
    target.hop === 'node' && bastion !== undefined
      ? sh`ssh -p ${bastion.port} ${`${bastion.user}@${bastion.host}`} ${quoted(scan)} >> ${knownHostsPath}`
      : sh`${scan} >> ${knownHostsPath}`;
  return add.text;
}

/**
 * The operator-facing refusal for a host key that is not a match: names the host, the port,
 * the key type and fingerprint, and says how to fix it without weakening verification.
 */
export function hostKeyError(
  verdict: HostKeyVerdict,
  target: ConnectTarget,
  knownHostsPath: string,
  bastion: BastionHint | undefined,
): ConnectError {
  const subject = describeTarget(target);
  const name = knownHostsName(target.address, target.port);
  const presented = `${verdict.keyType} key ${verdict.fingerprint}`;
  const lines = verdict.offendingLines.filter((line) => line > 0).map((line) => `${knownHostsPath}:${line}`);
  const scope = { host: target.name, hop: target.hop };

  if (verdict.status === 'unknown') {
    const how = addKeyCommand(target, knownHostsPath, bastion);
    return new ConnectError(
      'hostkey-unknown',
      `${subject}: host key for ${name} is not in ${knownHostsPath} (server presented ${presented}). ` +
        `Check that fingerprint out of band, then add it with \`${how}\`, or run again with --accept-new ` +
        'to record keys of hosts not yet in known_hosts (changed keys are never accepted).',
      scope,
    );
  }
  if (verdict.status === 'certified-only') {
    const how = addKeyCommand(target, knownHostsPath, bastion);
    return new ConnectError(
      'hostkey-unknown',
      `${subject}: ${name} is vouched for only by an SSH certificate authority (@cert-authority in ${lines.join(', ') || knownHostsPath}), ` +
        `and nodeward's SSH transport (ssh2) cannot negotiate certificate host keys, so it cannot check the host's certificate. ` +
        `Add the host's plain key (server presented ${presented}) to ${knownHostsPath}: check the fingerprint out of band ` +
        `(or verify it with ssh, which does check the certificate), then \`${how}\`. --accept-new does not apply to hosts a CA vouches for.`,
      scope,
    );
  }
  if (verdict.status === 'revoked') {
    return new ConnectError(
      'hostkey-changed',
      `${subject}: the ${presented} presented for ${name} is marked @revoked in ${lines.join(', ') || knownHostsPath}; ` +
        'refusing to connect.',
      scope,
    );
  }
  return new ConnectError(
    'hostkey-changed',
    `${subject}: WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! Someone could be eavesdropping on ` +
      `you right now (man-in-the-middle attack), or the host key has just been changed. ` +
      `The server presented ${presented}, but ${knownHostsPath} holds a different ` +
      `${verdict.knownKeyTypes.join('/')} key for ${name}` +
      (lines.length > 0 ? ` (offending entry ${lines.join(', ')})` : '') +
      '. Refusing to connect; --accept-new never replaces a key. If the change is expected, remove the ' +
      `old entry with \`${sh`ssh-keygen -R ${name} -f ${knownHostsPath}`.text}\` and add the new key.`,
    scope,
  );
}
