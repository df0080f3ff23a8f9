import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKubeconfig } from '../../../src/kube/kubeconfig.ts';
import { writeKubeconfig } from './fake-apiserver.ts';

const dir = mkdtempSync(join(tmpdir(), 'nw-kubeconfig-'));
writeFileSync(join(dir, 'ca.crt'), 'PEM');
const server = 'https://10.0.0.1:6443';
const load = (cluster: Record<string, unknown>, user: Record<string, unknown> = {}) => loadKubeconfig(writeKubeconfig(dir, 'k.yaml', cluster, user));

describe('loadKubeconfig', () => {
  it("takes the current context's cluster and user; files relative to the kubeconfig's folder", async () => {
    const target = await load({ server, 'certificate-authority': 'ca.crt', 'tls-server-name': 'api' }, { tokenFile: 'tok' });
    expect(target).toMatchObject({ context: 'test', cluster: 'c1', user: 'u1', tls: { ca: Buffer.from('PEM'), insecure: false, serverName: 'api' } });
    expect(target.server.href).toBe('https://10.0.0.1:6443/');
    expect(target.auth.header).toEqual({ kind: 'tokenFile', path: join(dir, 'tok') });
  });

  it('picks the current context among several', async () => {
    const file = join(dir, 'multi.yaml');
    writeFileSync(file, `apiVersion: v1
kind: Config
current-context: two
clusters:
- { name: a, cluster: { server: "https://a:6443" } }
- { name: b, cluster: { server: "http://b:8080" } }
users:
- { name: ua, user: { token: ta } }
- { name: ub, user: { username: jo, password: pw } }
contexts:
- { name: one, context: { cluster: a, user: ua } }
- { name: two, context: { cluster: b, user: ub, namespace: kube-system } }
`);
    const target = await loadKubeconfig(file);
    expect(target).toMatchObject({ context: 'two', cluster: 'b', user: 'ub', auth: { header: { kind: 'basic', username: 'jo', password: 'pw' } } });
    expect(target.server.host).toBe('b:8080');
  });

  it.each([
    ['no current-context', { server }, {}, (doc: Record<string, unknown>) => ({ ...doc, 'current-context': '' }), 'sets no current-context'],
    ['a context that is not there', { server }, {}, (doc: Record<string, unknown>) => ({ ...doc, 'current-context': 'gone' }), 'current-context gone: no such context'],
    ['a user that is not there', { server }, {}, (doc: Record<string, unknown>) => ({ ...doc, users: [] }), 'context test names user u1, which the kubeconfig does not define'],
    ['no server', {}, {}, undefined, 'cluster c1 has no server'],
    ['an unsupported scheme', { server: 'unix:///run/k.sock' }, {}, undefined, 'only https:// and http://'],
    ['a CA twice', { server, 'certificate-authority': 'ca.crt', 'certificate-authority-data': 'UEVN' }, {}, undefined, 'certificate-authority-data and certificate-authority are both specified for c1'],
    ['a CA with insecure', { server, 'certificate-authority': 'ca.crt', 'insecure-skip-tls-verify': true }, {}, undefined, 'specifying a root certificates file with the insecure flag is not allowed'],
    ['a missing CA file', { server, 'certificate-authority': 'nope.crt' }, {}, undefined, `unable to read certificate-authority for c1 ${join(dir, 'nope.crt')} (ENOENT)`],
    ['a token and basic auth', { server }, { token: 't', username: 'u', password: 'p' }, undefined, 'more than one authentication method found for u1'],
    ['a certificate without a key', { server }, { 'client-certificate': 'ca.crt' }, undefined, 'client-key-data or client-key must be specified for u1'],
    ['a key without a certificate', { server }, { 'client-key': 'ca.crt' }, undefined, 'client-cert-data or client-cert must be specified for u1'],
    ['proxy-url', { server, 'proxy-url': 'http://proxy:3128' }, {}, undefined, 'cluster c1 sets proxy-url, which nodeward does not support'],
    ['auth-provider', { server }, { 'auth-provider': { name: 'gcp', config: {} } }, undefined, 'user u1 uses auth-provider (gcp), which Kubernetes removed and nodeward does not support: use an exec credential plugin'],
    ['exec v1alpha1', { server }, { exec: { apiVersion: 'client.authentication.k8s.io/v1alpha1', command: 'x' } }, undefined, 'exec apiVersion client.authentication.k8s.io/v1alpha1 is not supported'],
    ['exec Always interactive', { server }, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'x', interactiveMode: 'Always' } }, undefined, 'interactiveMode Always'],
  ])('refuses %s, naming the kubeconfig', async (_what, cluster, user, edit, message) => {
    let file = writeKubeconfig(dir, 'bad.yaml', cluster, user);
    if (edit) {
      const { readFileSync } = await import('node:fs');
      file = join(dir, 'bad-edited.yaml');
      writeFileSync(file, JSON.stringify(edit(JSON.parse(readFileSync(join(dir, 'bad.yaml'), 'utf8')) as Record<string, unknown>)));
    }
    await expect(loadKubeconfig(file)).rejects.toMatchObject({ name: 'KubeApiError', message: expect.stringContaining(message) });
    await expect(loadKubeconfig(file)).rejects.toThrow(`kubeconfig ${file}: `);
  });

  it('an unreadable or non-YAML file', async () => {
    await expect(loadKubeconfig(join(dir, 'absent'))).rejects.toThrow(`kubeconfig ${join(dir, 'absent')}: cannot be read (ENOENT)`);
    writeFileSync(join(dir, 'broken.yaml'), 'clusters: [\n');
    await expect(loadKubeconfig(join(dir, 'broken.yaml'))).rejects.toThrow(/broken\.yaml: not YAML/);
  });

  it('an exec command: with a / against the kubeconfig folder, a bare name left to PATH, an absolute path as is', async () => {
    const exec = (command: string) => ({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command, interactiveMode: 'Never' } });
    expect((await load({ server }, exec('bin/plugin'))).auth.exec?.path).toBe(join(dir, 'bin/plugin'));
    expect((await load({ server }, exec('kubelogin'))).auth.exec?.path).toBe('kubelogin');
    expect((await load({ server }, exec('/usr/bin/aws'))).auth.exec?.path).toBe('/usr/bin/aws');
    // without provideClusterInfo the plugin is not told about the cluster
    expect((await load({ server }, exec('x'))).auth.exec?.cluster).toBeUndefined();
  });
});
