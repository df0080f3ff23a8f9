import { createPrivateKey, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, ParsedKey } from 'ssh2';
import { ConnectError, errorMessage } from '../util/errors.ts';
import type { Hop } from '../util/errors.ts';

/** What a connect needs to authenticate: a parsed private key, or an ssh-agent socket. */
export type Identity =
  | { readonly kind: 'key'; readonly key: ParsedKey }
  | { readonly kind: 'agent'; readonly socket: string };

export interface IdentityRequest {
  readonly identityFile: string | undefined;
  readonly user: string;
  readonly address: string;
  readonly name: string;
  readonly hop: Hop;
}

/**
 * Loads each identity file once per connector (a fleet shares one key) and parses it once.
 * Errors never quote the file's content, only its path.
 */
export function createIdentityCache(agentSocket: string | undefined): (request: IdentityRequest) => Promise<Identity> {
  const keys = new Map<string, Promise<ParsedKey | Error>>();

  const load = async (path: string): Promise<ParsedKey | Error> => {
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (error) {
      return new Error(`cannot read identity file ${path}: ${errorMessage(error)}`);
    }
    const parsed = ssh2.utils.parseKey(data);
    if (parsed instanceof Error) {
      if (/encrypted/i.test(parsed.message)) {
        return new Error(
          `identity file ${path} is passphrase-protected: load it into ssh-agent (ssh-add) ` +
            'and remove identityFile from the inventory, or use a key without a passphrase',
        );
      }
      return new Error(`identity file ${path} is not a private key ssh2 can read (${parsed.message})`);
    }
    const key = Array.isArray(parsed) ? (parsed as ParsedKey[])[0] : parsed;
    if (key === undefined || !key.isPrivateKey()) {
      return new Error(`identity file ${path} holds no private key`);
    }
    return withKeyObject(key);
  };

  return async (request) => {
    const fail = (message: string): never => {
      throw new ConnectError('auth', `${request.user}@${request.address} (${request.hop}): ${message}`, {
        host: request.name,
        hop: request.hop,
      });
    };
    if (request.identityFile === undefined) {
      if (agentSocket === undefined || agentSocket === '') {
        return fail('no identityFile in the inventory and no ssh-agent (SSH_AUTH_SOCK is not set)');
      }
      return { kind: 'agent', socket: agentSocket };
    }
    let pending = keys.get(request.identityFile);
    if (pending === undefined) {
      pending = load(request.identityFile);
      keys.set(request.identityFile, pending);
    }
    const key = await pending;
    if (key instanceof Error) return fail(key.message);
    return { kind: 'key', key };
  };
}

/**
 * ssh2 signs with the key's PEM text, which OpenSSL parses again for every signature (0.3 ms
 * of CPU for ed25519, one per node connect); an ed25519 key signs with a KeyObject parsed once
 * instead. Everything else is the parsed key itself (its prototype).
 */
function withKeyObject(key: ParsedKey): ParsedKey {
  if (key.type !== 'ssh-ed25519') return key;
  const keyObject = createPrivateKey(key.getPrivatePEM());
  return Object.create(key, {
    sign: {
      value: (data: Buffer, algo?: string): Buffer | Error => {
        try {
          return sign(typeof algo === 'string' && algo !== '' ? algo : null, data, keyObject);
        } catch (error) {
          return error instanceof Error ? error : new Error(String(error));
        }
      },
    },
  }) as ParsedKey;
}

/** ssh2 auth methods for an identity: only that one method, no `none`/password probing. */
export function authMethods(identity: Identity, username: string): AnyAuthMethod[] {
  if (identity.kind === 'agent') return [{ type: 'agent', username, agent: identity.socket }];
  return [{ type: 'publickey', username, key: identity.key }];
}
