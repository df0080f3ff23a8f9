import { describe, expect, it } from 'vitest';
import { classifyFailure, isRetryable, toConnectError } from '../../../src/transport/classify-error.ts';
import type { ConnectTarget } from '../../../src/transport/classify-error.ts';
import { ConnectError } from '../../../src/util/errors.ts';

const sshError = (message: string, extra: Record<string, unknown>): Error => Object.assign(new Error(message), extra);

const node: ConnectTarget = { hop: 'node', name: 'node-3', address: '198.19.0.13', port: 22, user: 'ops', timeoutMs: 15000, viaBastion: true };
const bastion: ConnectTarget = { hop: 'bastion', name: 'bastion', address: '198.18.1.2', port: 22, user: 'ops', timeoutMs: 15000, viaBastion: false };

describe('classifyFailure', () => {
  it.each([
    [sshError('All configured authentication methods failed', { level: 'client-authentication' }), 'auth'],
    [sshError('agent failure', { level: 'agent' }), 'auth'],
    [sshError('Timed out while waiting for handshake', { level: 'client-timeout' }), 'timeout'],
    [sshError('Keepalive timeout', { level: 'client-timeout' }), 'timeout'],
    [sshError('connect ECONNREFUSED 198.18.1.2:22', { level: 'client-socket', code: 'ECONNREFUSED' }), 'refused'],
    [sshError('connect EHOSTUNREACH', { level: 'client-socket', code: 'EHOSTUNREACH' }), 'unreachable'],
    [sshError('read ECONNRESET', { level: 'client-socket', code: 'ECONNRESET' }), 'banner'],
    [sshError('getaddrinfo ENOTFOUND x', { level: 'client-dns' }), 'unreachable'],
    [sshError('Connection lost before handshake', { level: 'protocol' }), 'banner'],
    [sshError('kex_exchange_identification: Connection closed by remote host', {}), 'banner'],
    [sshError('Host denied (verification failed)', { level: 'handshake' }), 'hostkey-changed'],
    [sshError('Handshake failed: no matching host key format', { level: 'handshake' }), 'protocol'],
    [sshError('(SSH) Channel open failure: Connection refused', { reason: 2 }), 'refused'],
    [sshError('(SSH) Channel open failure: No route to host', { reason: 2 }), 'unreachable'],
    [sshError('(SSH) Channel open failure: Connection timed out', { reason: 2 }), 'timeout'],
    [sshError('(SSH) Channel open failure: administratively prohibited: open failed', { reason: 1 }), 'channel'],
    [new ConnectError('closed', 'x', {}), 'closed'],
  ])('%s → %s', (error, failure) => {
    expect(classifyFailure(error)).toBe(failure);
  });
});

describe('toConnectError', () => {
  it('scopes errors to the host and hop, and names user@host for auth', () => {
    const error = toConnectError(sshError('All configured authentication methods failed', { level: 'client-authentication' }), node);
    expect(error).toBeInstanceOf(ConnectError);
    expect(error).toMatchObject({ failure: 'auth', host: 'node-3', hop: 'node', code: 'connect-auth' });
    expect(error.message).toContain('ops@198.19.0.13');
    const timeout = toConnectError(sshError('Timed out while waiting for handshake', { level: 'client-timeout' }), bastion);
    expect(timeout.message).toMatch(/^bastion 198\.18\.1\.2:22: no answer within 15 s \(/);
    expect(timeout.hop).toBe('bastion');
  });

  it('retries only connections dropped before the key exchange', () => {
    expect(isRetryable(toConnectError(sshError('Connection lost before handshake', { level: 'protocol' }), bastion))).toBe(true);
    for (const level of ['client-authentication', 'client-timeout', 'handshake']) {
      expect(isRetryable(toConnectError(sshError('x Host denied', { level }), bastion))).toBe(false);
    }
  });
});
