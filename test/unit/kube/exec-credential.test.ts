import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExecCredential } from '../../../src/kube/exec-credential.ts';
import { createKubeRest } from '../../../src/kube/rest.ts';
import { makePki, startApiServer, status, writeKubeconfig, type FakeApiServer, type Pki } from './fake-apiserver.ts';

// The plugins are small sh scripts: each run appends KUBERNETES_EXEC_INFO and its args to a log,
// and prints the ExecCredential the test wrote into a file (so a test can change the answer).
let pki: Pki;
let api: FakeApiServer;
const V1 = 'client.authentication.k8s.io/v1';
const V1BETA1 = 'client.authentication.k8s.io/v1beta1';

function plugin(name: string): { path: string; log: string; answer: (credential: unknown) => void; runs: () => { info: { apiVersion: string; spec: Record<string, unknown> }; args: string; env: string }[] } {
  const dir = join(pki.dir, 'plugins');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  const log = join(dir, `${name}.log`);
  const answerFile = join(dir, `${name}.json`);
  writeFileSync(log, '');
  writeFileSync(path, `#!/bin/sh
printf '%s\\t%s\\t%s\\n' "$KUBERNETES_EXEC_INFO" "$*" "$FROM_KUBECONFIG" >> '${log}'
if [ -s '${answerFile}.fail' ]; then cat '${answerFile}.fail' >&2; exit 3; fi
cat '${answerFile}'
`);
  chmodSync(path, 0o755);
  return {
    path,
    log,
    answer: (credential) => writeFileSync(answerFile, typeof credential === 'string' ? credential : JSON.stringify(credential)),
    runs: () => readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => {
      const [info = '', args = '', env = ''] = line.split('\t');
      return { info: JSON.parse(info) as { apiVersion: string; spec: Record<string, unknown> }, args, env };
    }),
  };
}

const credential = (apiVersion: string, status_: Record<string, unknown>) => ({ apiVersion, kind: 'ExecCredential', status: status_ });
const ca = () => ({ server: api.url, 'certificate-authority-data': readFileSync(pki.ca).toString('base64') });
const get = (rest: ReturnType<typeof createKubeRest>) => rest.request({ method: 'GET', path: '/api/v1/nodes/n1' });

beforeAll(async () => {
  pki = makePki();
  api = await startApiServer(pki);
});
afterAll(() => api.close());

describe('exec credential plugins', () => {
  it('v1: a token, with args, env and KUBERNETES_EXEC_INFO (interactive false); run once while valid', async () => {
    const p = plugin('v1-token');
    p.answer(credential(V1, { token: 'tok-1', expirationTimestamp: new Date(Date.now() + 3_600_000).toISOString() }));
    api.handle((s) => (s.headers.authorization === 'Bearer tok-1' ? { json: { kind: 'Node' } } : status(401, 'Unauthorized')));
    // a command with a `/` resolves against the kubeconfig's folder
    const rest = createKubeRest(writeKubeconfig(pki.dir, 'exec-v1.yaml', ca(), {
      exec: { apiVersion: V1, command: './plugins/v1-token', args: ['get-token', '--cluster', 'c 1'], env: [{ name: 'FROM_KUBECONFIG', value: 'yes' }], interactiveMode: 'Never' },
    }));
    expect(await get(rest)).toEqual({ kind: 'Node' });
    expect(await get(rest)).toEqual({ kind: 'Node' });
    const runs = p.runs();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toEqual({ info: { apiVersion: V1, kind: 'ExecCredential', spec: { interactive: false } }, args: 'get-token --cluster c 1', env: 'yes' });
  });

  it('v1beta1: a client certificate (PEM in the credential), and the cluster with provideClusterInfo', async () => {
    const p = plugin('v1beta1-cert');
    p.answer(credential(V1BETA1, { clientCertificateData: readFileSync(pki.clientCert, 'utf8'), clientKeyData: readFileSync(pki.clientKey, 'utf8') }));
    api.handle(() => ({ json: { kind: 'Node' } }));
    const rest = createKubeRest(writeKubeconfig(pki.dir, 'exec-v1beta1.yaml', { ...ca(), 'tls-server-name': 'api.test', extensions: [{ name: 'client.authentication.k8s.io/exec', extension: { audience: 'x' } }] }, {
      exec: { apiVersion: V1BETA1, command: p.path, provideClusterInfo: true },
    }));
    await get(rest);
    expect(api.seen[api.seen.length - 1]?.clientCn).toBe('nodeward-admin');
    expect(api.seen[api.seen.length - 1]?.headers.authorization).toBeUndefined();
    expect(p.runs()[0]?.info.spec).toEqual({
      interactive: false,
      cluster: { server: api.url, 'tls-server-name': 'api.test', 'certificate-authority-data': readFileSync(pki.ca).toString('base64'), config: { audience: 'x' } },
    });
  });

  it('an expired credential is asked for again before the next request; a valid one is not', async () => {
    // no clock games: a credential already past its expirationTimestamp, then one valid for an hour
    const p = plugin('expiring');
    p.answer(credential(V1, { token: 'expired', expirationTimestamp: new Date(Date.now() - 1_000).toISOString() }));
    api.handle(() => ({ json: {} }));
    const rest = createKubeRest(writeKubeconfig(pki.dir, 'exec-expiring.yaml', ca(), { exec: { apiVersion: V1, command: p.path, interactiveMode: 'IfAvailable' } }));
    await get(rest);
    await get(rest);
    expect(p.runs()).toHaveLength(2);
    p.answer(credential(V1, { token: 'long', expirationTimestamp: new Date(Date.now() + 3_600_000).toISOString() }));
    await get(rest);
    await get(rest);
    expect(p.runs()).toHaveLength(3);
    expect(api.seen.slice(-4).map((s) => s.headers.authorization)).toEqual(['Bearer expired', 'Bearer expired', 'Bearer long', 'Bearer long']);
  });

  it('a 401 runs the plugin once more and retries once; a second 401 is the error', async () => {
    const p = plugin('revoked');
    p.answer(credential(V1, { token: 'revoked' }));
    api.handle((s) => (s.headers.authorization === 'Bearer fresh' ? { json: { ok: true } } : status(401, 'Unauthorized')));
    const rest = createKubeRest(writeKubeconfig(pki.dir, 'exec-401.yaml', ca(), { exec: { apiVersion: V1, command: p.path, interactiveMode: 'Never' } }));
    await expect(get(rest)).rejects.toMatchObject({ name: 'KubeApiError', status: 401, message: 'Unauthorized' });
    expect(p.runs()).toHaveLength(2); // the first token, then once more after the 401
    p.answer(credential(V1, { token: 'fresh' }));
    const before = api.seen.length;
    expect(await get(rest)).toEqual({ ok: true });
    expect(api.seen.slice(before).map((s) => s.headers.authorization)).toEqual(['Bearer revoked', 'Bearer fresh']);
    expect(p.runs()).toHaveLength(3);
  });

  it('a failing plugin: the user, the command and the first line of its stderr', async () => {
    const p = plugin('failing');
    writeFileSync(join(pki.dir, 'plugins', 'failing.json.fail'), '\nerror: token expired, run `login`\nmore detail\n');
    const rest = createKubeRest(writeKubeconfig(pki.dir, 'exec-fail.yaml', ca(), { exec: { apiVersion: V1, command: p.path, interactiveMode: 'Never' } }));
    await expect(get(rest)).rejects.toThrow(`getting credentials for user u1: exec ${p.path}: exit status 3: error: token expired, run \`login\``);
  });

  it('a plugin not installed: its installHint; one not on PATH is looked up there', async () => {
    const hinted = createKubeRest(writeKubeconfig(pki.dir, 'exec-missing.yaml', ca(), {
      exec: { apiVersion: V1, command: 'nodeward-no-such-plugin', interactiveMode: 'Never', installHint: 'install it with: apt-get install x' },
    }));
    await expect(get(hinted)).rejects.toThrow('exec nodeward-no-such-plugin: executable nodeward-no-such-plugin not found: install it with: apt-get install x');
    // a bare name is found on PATH (sh is)
    plugin('on-path').answer(credential(V1, { token: 'path' }));
    const onPath = createKubeRest(writeKubeconfig(pki.dir, 'exec-path.yaml', ca(), {
      exec: { apiVersion: V1, command: 'sh', args: [join(pki.dir, 'plugins', 'on-path')], interactiveMode: 'Never' },
    }));
    api.handle(() => ({ json: {} }));
    await get(onPath);
    expect(api.seen[api.seen.length - 1]?.headers.authorization).toBe('Bearer path');
  });

  it('an answer of the wrong version or without a credential is refused', () => {
    expect(() => parseExecCredential(JSON.stringify(credential(V1BETA1, { token: 'x' })), V1)).toThrow('configured to use API version client.authentication.k8s.io/v1, it returned client.authentication.k8s.io/v1beta1');
    expect(() => parseExecCredential(JSON.stringify(credential(V1, {})), V1)).toThrow('neither a token nor a client certificate');
    expect(() => parseExecCredential(JSON.stringify(credential(V1, { clientCertificateData: 'x' })), V1)).toThrow('only one of');
    expect(() => parseExecCredential('Please log in', V1)).toThrow('not JSON');
    expect(() => parseExecCredential(JSON.stringify(credential(V1, { token: 't', expirationTimestamp: 'soon' })), V1)).toThrow('not a time');
    expect(parseExecCredential(JSON.stringify(credential(V1, { token: 't', expirationTimestamp: '2030-01-02T03:04:05Z' })), V1))
      .toEqual({ token: 't', clientCert: undefined, expiresAt: Date.UTC(2030, 0, 2, 3, 4, 5) });
  });

  it('a static token in the kubeconfig wins over the plugin (client-go), which then never runs', async () => {
    const p = plugin('unused');
    p.answer(credential(V1, { token: 'plugin' }));
    api.handle(() => ({ json: {} }));
    await get(createKubeRest(writeKubeconfig(pki.dir, 'exec-static.yaml', ca(), { token: 'static', exec: { apiVersion: V1, command: p.path, interactiveMode: 'Never' } })));
    expect(api.seen[api.seen.length - 1]?.headers.authorization).toBe('Bearer static');
    expect(p.runs()).toHaveLength(0);
  });
});
