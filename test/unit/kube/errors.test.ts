import { describe, expect, it } from 'vitest';
import { apiStatusError, describeApiError, KubeApiError } from '../../../src/kube/errors.ts';

describe('API errors', () => {
  it("a Status answer: the HTTP status and the API server's own words, its causes after its message", () => {
    const body = JSON.stringify({ kind: 'Status', message: 'Cannot evict pod', details: { causes: [{ message: 'PDB web' }, { reason: 'no message' }] } });
    const error = apiStatusError(429, body);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(describeApiError(error)).toEqual({ status: 429, message: 'Cannot evict pod: PDB web' });
    expect(describeApiError(apiStatusError(500, ''))).toEqual({ status: 500, message: 'HTTP 500' });
    expect(describeApiError(apiStatusError(500, '{"kind":"Status"}'))).toEqual({ status: 500, message: 'HTTP 500' });
  });

  it('keeps the first line of any other error, without a status', () => {
    expect(describeApiError(new Error('ECONNREFUSED 127.0.0.1:6443\nstack'))).toEqual({ status: undefined, message: 'ECONNREFUSED 127.0.0.1:6443' });
    expect(describeApiError(new KubeApiError('no answer within 30 s', undefined))).toEqual({ status: undefined, message: 'no answer within 30 s' });
  });
});
