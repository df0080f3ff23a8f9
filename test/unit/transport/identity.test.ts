import { verify } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { createIdentityCache } from '../../../src/transport/identity.ts';
import { makeKeyDir } from './keys.ts';

const keys = makeKeyDir();
afterAll(() => keys.cleanup());

describe('identity keys', () => {
  it('signs with an ed25519 key parsed once, as ssh2 itself would', async () => {
    const key = keys.key('ed25519', 'id_ed');
    const identity = await createIdentityCache(undefined)({ identityFile: key.privatePath, user: 'ops', address: '10.0.0.1', name: 'n1', hop: 'node' });
    if (identity.kind !== 'key') throw new Error('expected a key identity');
    expect(ssh2.utils.parseKey(key.publicLine)).not.toBeInstanceOf(Error);
    expect(identity.key.type).toBe('ssh-ed25519');
    expect(identity.key.getPublicSSH()).toEqual(key.blob);
    const data = Buffer.from('exchange hash');
    const signature = identity.key.sign(data);
    expect(verify(null, data, identity.key.getPublicPEM(), signature)).toBe(true);
  });

  it('leaves other key types to ssh2', async () => {
    const key = keys.key('ecdsa', 'id_ecdsa');
    const identity = await createIdentityCache(undefined)({ identityFile: key.privatePath, user: 'ops', address: '10.0.0.1', name: 'n1', hop: 'node' });
    if (identity.kind !== 'key') throw new Error('expected a key identity');
    expect(identity.key.getPublicSSH()).toEqual(key.blob);
  });
});
