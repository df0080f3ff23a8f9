import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError } from '../../../src/kube/errors.ts';
import { createKubeRest } from '../../../src/kube/rest.ts';
import { makePki, startApiServer, status, writeKubeconfig, type FakeApiServer, type Pki } from './fake-apiserver.ts';

let pki: Pki;
let api: FakeApiServer;
let plain: FakeApiServer;
const b64 = (file: string) => readFileSync(file).toString('base64');
const version = { major: '1', minor: '31' };

beforeAll(async () => {
  pki = makePki();
  api = await startApiServer(pki);
  plain = await startApiServer(undefined);
  api.handle(() => ({ json: version }));
  plain.handle(() => ({ json: version }));
});
afterAll(async () => {
  await api.close();
  await plain.close();
});

const get = (kubeconfig: string) => createKubeRest(kubeconfig).request({ method: 'GET', path: '/version' });
const last = (server: FakeApiServer) => server.seen[server.seen.length - 1];

describe('TLS as the kubeconfig says', () => {
  it('verifies the server against certificate-authority (a file, relative to the kubeconfig) and certificate-authority-data', async () => {
    writeFileSync(join(pki.dir, 'ca-copy.crt'), readFileSync(pki.ca));
    expect(await get(writeKubeconfig(pki.dir, 'ca-file.yaml', { server: api.url, 'certificate-authority': 'ca-copy.crt' }))).toEqual(version);
    expect(await get(writeKubeconfig(pki.dir, 'ca-data.yaml', { server: api.url, 'certificate-authority-data': b64(pki.ca) }))).toEqual(version);
  });

  it('refuses a server its CA did not sign, and one with no CA given (not in the default roots)', async () => {
    const wrong = get(writeKubeconfig(pki.dir, 'wrong-ca.yaml', { server: api.url, 'certificate-authority-data': b64(pki.otherCa) }));
    await expect(wrong).rejects.toBeInstanceOf(KubeApiError);
    await expect(wrong).rejects.toThrow(/GET \/version: .*(certificate|self.signed)/i);
    await expect(get(writeKubeconfig(pki.dir, 'no-ca.yaml', { server: api.url }))).rejects.toThrow(/certificate/i);
  });

  it('insecure-skip-tls-verify: true talks to any server', async () => {
    expect(await get(writeKubeconfig(pki.dir, 'insecure.yaml', { server: api.url, 'insecure-skip-tls-verify': true }))).toEqual(version);
  });

  it('tls-server-name: sent as SNI and checked against the certificate instead of the address', async () => {
    const named = writeKubeconfig(pki.dir, 'sni.yaml', { server: api.url, 'certificate-authority-data': b64(pki.ca), 'tls-server-name': 'api.test' });
    expect(await get(named)).toEqual(version);
    expect(last(api)?.servername).toBe('api.test');
    // a name the certificate does not hold is refused, though the address is in it
    const other = writeKubeconfig(pki.dir, 'sni-wrong.yaml', { server: api.url, 'certificate-authority-data': b64(pki.ca), 'tls-server-name': 'other.test' });
    await expect(get(other)).rejects.toThrow(/other\.test/);
  });
});

describe('credentials', () => {
  const ca = () => ({ server: api.url, 'certificate-authority-data': b64(pki.ca) });

  it('a client certificate (files, and -data) is presented when the server asks', async () => {
    await get(writeKubeconfig(pki.dir, 'cert-files.yaml', ca(), { 'client-certificate': pki.clientCert, 'client-key': 'client.key' }));
    expect(last(api)?.clientCn).toBe('nodeward-admin');
    expect(last(api)?.headers.authorization).toBeUndefined();
    await get(writeKubeconfig(pki.dir, 'cert-data.yaml', ca(), { 'client-certificate-data': b64(pki.clientCert), 'client-key-data': b64(pki.clientKey) }));
    expect(last(api)?.clientCn).toBe('nodeward-admin');
    await get(writeKubeconfig(pki.dir, 'cert-none.yaml', ca()));
    expect(last(api)?.clientCn).toBeUndefined();
    // the server does not trust a certificate from another CA: it is not taken as an identity
    await get(writeKubeconfig(pki.dir, 'cert-stranger.yaml', ca(), { 'client-certificate': pki.strangerCert, 'client-key': pki.strangerKey }));
    expect(last(api)?.clientCn).toBeUndefined();
  });

  it('a bearer token, a tokenFile (read relative to the kubeconfig, trimmed), basic auth', async () => {
    await get(writeKubeconfig(pki.dir, 'token.yaml', ca(), { token: 'abc.def' }));
    expect(last(api)?.headers.authorization).toBe('Bearer abc.def');
    writeFileSync(join(pki.dir, 'token-file'), 'from-file\n');
    await get(writeKubeconfig(pki.dir, 'token-file.yaml', ca(), { tokenFile: 'token-file' }));
    expect(last(api)?.headers.authorization).toBe('Bearer from-file');
    await get(writeKubeconfig(pki.dir, 'basic.yaml', ca(), { username: 'admin', password: 'p:ss' }));
    expect(last(api)?.headers.authorization).toBe(`Basic ${Buffer.from('admin:p:ss').toString('base64')}`);
  });

  it('a token and a client certificate together: both are sent', async () => {
    await get(writeKubeconfig(pki.dir, 'cert-token.yaml', ca(), { token: 't', 'client-certificate': pki.clientCert, 'client-key': pki.clientKey }));
    expect(last(api)?.headers.authorization).toBe('Bearer t');
    expect(last(api)?.clientCn).toBe('nodeward-admin');
  });

  it('impersonation headers from as, as-groups, as-uid', async () => {
    await get(writeKubeconfig(pki.dir, 'as.yaml', ca(), { token: 't', as: 'jane', 'as-groups': ['ops', 'dev'], 'as-uid': '42' }));
    expect(last(api)?.headers['impersonate-user']).toBe('jane');
    expect(last(api)?.headers['impersonate-group']).toBe('ops, dev');
    expect(last(api)?.headers['impersonate-uid']).toBe('42');
  });

  it('a rotated tokenFile is read again after a 401, once', async () => {
    const file = join(pki.dir, 'rotating');
    writeFileSync(file, 'old');
    const rest = createKubeRest(writeKubeconfig(pki.dir, 'rotating.yaml', ca(), { tokenFile: file }));
    api.handle((s) => (s.headers.authorization === 'Bearer new' ? { json: version } : status(401, 'Unauthorized')));
    try {
      await expect(rest.request({ method: 'GET', path: '/version' })).rejects.toMatchObject({ status: 401, message: 'Unauthorized' });
      const before = api.seen.length;
      writeFileSync(file, 'new');
      expect(await rest.request({ method: 'GET', path: '/version' })).toEqual(version);
      expect(api.seen.slice(before).map((s) => s.headers.authorization)).toEqual(['Bearer old', 'Bearer new']);
    } finally {
      api.handle(() => ({ json: version }));
    }
  });

  it('a plain http server gets the headers too (kubectl does the same)', async () => {
    expect(await get(writeKubeconfig(pki.dir, 'plain.yaml', { server: plain.url }, { token: 'p' }))).toEqual(version);
    expect(last(plain)?.headers.authorization).toBe('Bearer p');
  });
});

describe('answers and failures', () => {
  const kubeconfig = () => writeKubeconfig(pki.dir, 'answers.yaml', { server: plain.url });

  it("a Status answer is a KubeApiError with the HTTP status and the server's words", async () => {
    plain.handle(() => status(403, 'nodes is forbidden: User "x" cannot list resource "nodes"', ['one cause', 'another']));
    await expect(get(kubeconfig())).rejects.toMatchObject({
      name: 'KubeApiError', status: 403, message: 'nodes is forbidden: User "x" cannot list resource "nodes": one cause: another',
    });
    plain.handle(() => ({ status: 502, text: '<html>\n<h1>502 Bad Gateway</h1>' }));
    await expect(get(kubeconfig())).rejects.toMatchObject({ status: 502, message: 'HTTP 502: <html>' });
    plain.handle(() => ({ status: 500, text: '' }));
    await expect(get(kubeconfig())).rejects.toMatchObject({ status: 500, message: 'HTTP 500' });
  });

  it('a 2xx that is not JSON is a KubeApiError', async () => {
    plain.handle(() => ({ status: 200, text: 'hello' }));
    await expect(get(kubeconfig())).rejects.toMatchObject({ name: 'KubeApiError', status: 200, message: expect.stringMatching(/GET \/version is not JSON/) });
  });

  it('a server that does not answer is given up on after the timeout', async () => {
    plain.handle(() => ({ hang: true }));
    const rest = createKubeRest(kubeconfig(), { timeoutMs: 300 });
    await expect(rest.request({ method: 'GET', path: '/version' })).rejects.toThrow(/GET \/version: no answer from 127\.0\.0\.1:\d+ within 0\.3 s/);
  });

  it('an API server that is not there: the address and the error code', async () => {
    const file = writeKubeconfig(pki.dir, 'refused.yaml', { server: 'http://127.0.0.1:1' });
    await expect(get(file)).rejects.toThrow(/GET \/version: connect ECONNREFUSED 127\.0\.0\.1:1/);
  });

  it('a server URL with a path prefix keeps it', async () => {
    plain.handle(() => ({ json: version }));
    await get(writeKubeconfig(pki.dir, 'prefix.yaml', { server: `${plain.url}/k8s/clusters/c-1/` }));
    expect(last(plain)?.url.pathname).toBe('/k8s/clusters/c-1/version');
  });
});
