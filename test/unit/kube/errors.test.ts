import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { describeApiError } from '../../../src/kube/errors.ts';

describe('describeApiError', () => {
  it("reads client-node's ApiException by shape: the status and the API server's own words", () => {
    const body = JSON.stringify({ kind: 'Status', message: 'Cannot evict pod', details: { causes: [{ message: 'PDB web' }] } });
    expect(describeApiError(new ApiException(429, 'Too Many Requests', body, {}))).toEqual({ status: 429, message: 'Cannot evict pod: PDB web' });
    expect(describeApiError(new ApiException(500, 'x', undefined, {}))).toEqual({ status: 500, message: 'HTTP 500' });
  });

  it('keeps the first line of any other error', () => {
    expect(describeApiError(new Error('ECONNREFUSED 127.0.0.1:6443\nstack'))).toEqual({ status: undefined, message: 'ECONNREFUSED 127.0.0.1:6443' });
  });
});
