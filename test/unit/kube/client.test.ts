import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeStatusReader } from '../../../src/health/node-status.ts';
import { createKubeNodes } from '../../../src/kube/client.ts';
import { KubeApiError, KubeConflictError } from '../../../src/kube/errors.ts';
import { listClusterNodes } from '../../../src/kube/list-nodes.ts';
import { makePki, startApiServer, status, writeKubeconfig, type FakeApiServer, type Pki } from './fake-apiserver.ts';

// The five calls nodeward makes, against an in-process HTTPS API server: what goes on the wire
// (paths, selectors, content types, bodies) and how the answers are read.
let pki: Pki;
let api: FakeApiServer;
let kubeconfig: string;

const node = (name: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name, resourceVersion: '7', labels: { pool: 'a' }, annotations: { note: 'x' } },
  spec: {},
  status: {
    addresses: [{ type: 'Hostname', address: name }, { type: 'InternalIP', address: `10.0.0.${name.slice(-1)}` }],
    conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-02T03:04:05Z', reason: 'KubeletReady' }],
    nodeInfo: { kubeletVersion: 'v1.31.4' },
  },
  ...extra,
});
const pod = (name: string, extra: Record<string, unknown> = {}) => ({ metadata: { name, namespace: 'web', uid: `uid-${name}`, ...extra }, status: { phase: 'Running' } });

beforeAll(async () => {
  pki = makePki();
  api = await startApiServer(pki);
  kubeconfig = writeKubeconfig(pki.dir, 'client.yaml', { server: api.url, 'certificate-authority-data': readFileSync(pki.ca).toString('base64') }, { token: 'tok' });
});
afterAll(() => api.close());

describe('listClusterNodes', () => {
  it('pages with limit and continue, sends the labelSelector encoded, sorts by name', async () => {
    const pages: Record<string, unknown> = {
      '': { items: [node('node-10'), node('node-2')], metadata: { continue: 'page two' } },
      'page two': { items: [node('node-1')], metadata: { continue: '' } },
    };
    api.handle((s) => ({ json: { kind: 'NodeList', ...(pages[s.url.searchParams.get('continue') ?? ''] as object) } }));
    const before = api.seen.length;
    const nodes = await listClusterNodes(kubeconfig, 'zone in (a,b),!node-role.kubernetes.io/control-plane');
    expect(nodes.map((n) => n.name)).toEqual(['node-1', 'node-2', 'node-10']);
    expect(nodes[0]).toEqual({
      name: 'node-1', address: '10.0.0.1', addresses: { Hostname: 'node-1', InternalIP: '10.0.0.1' }, labels: { pool: 'a' }, annotations: { note: 'x' },
      state: { node: 'node-1', ready: 'True', cordoned: false, kubeletVersion: 'v1.31.4' },
    });
    const calls = api.seen.slice(before);
    expect(calls.map((s) => [s.method, s.url.pathname, Object.fromEntries(s.url.searchParams)])).toEqual([
      ['GET', '/api/v1/nodes', { labelSelector: 'zone in (a,b),!node-role.kubernetes.io/control-plane', limit: '500' }],
      ['GET', '/api/v1/nodes', { labelSelector: 'zone in (a,b),!node-role.kubernetes.io/control-plane', limit: '500', continue: 'page two' }],
    ]);
    expect(calls[0]?.headers.authorization).toBe('Bearer tok');
  });

  it('no selector: none sent; a refusal names the selector, the kubeconfig, the server and the Status message', async () => {
    api.handle(() => ({ json: { items: [] } }));
    await listClusterNodes(kubeconfig);
    expect([...(api.seen[api.seen.length - 1]?.url.searchParams.keys() ?? [])]).toEqual(['limit']);
    api.handle(() => status(400, 'unable to parse requirement: found \'(\', expected: identifier'));
    const failed = listClusterNodes(kubeconfig, 'a in (');
    await expect(failed).rejects.toBeInstanceOf(KubeApiError);
    await expect(failed).rejects.toMatchObject({
      status: 400,
      message: `listing the Nodes (labelSelector a in () with ${kubeconfig} (${api.url}): unable to parse requirement: found '(', expected: identifier`,
    });
  });

  it('an unreadable kubeconfig is a KubeApiError too', async () => {
    await expect(listClusterNodes(`${pki.dir}/none.yaml`)).rejects.toMatchObject({ name: 'KubeApiError', message: expect.stringContaining('cannot be read (ENOENT)') });
  });
});

describe('createKubeNodes', () => {
  const kube = () => createKubeNodes(kubeconfig);

  it('getNode: GET /api/v1/nodes/NAME', async () => {
    api.handle(() => ({ json: node('node-1', { spec: { unschedulable: true } }) }));
    expect(await kube().getNode('node-1')).toEqual({ name: 'node-1', unschedulable: true, annotations: { note: 'x' }, resourceVersion: '7' });
    expect(api.seen[api.seen.length - 1]?.url.pathname).toBe('/api/v1/nodes/node-1');
    api.handle(() => status(404, 'nodes "node-9" not found'));
    await expect(kube().getNode('node-9')).rejects.toMatchObject({ name: 'KubeApiError', status: 404, message: 'reading Node node-9: nodes "node-9" not found' });
  });

  it('patchNode: a merge patch (content type and body), null removing; 409 is a KubeConflictError', async () => {
    api.handle(() => ({ json: node('node-1') }));
    await kube().patchNode('node-1', { resourceVersion: '7', unschedulable: null, annotations: { 'nodeward.io/cordoned-by': null, keep: 'v' } });
    const seen = api.seen[api.seen.length - 1];
    expect(seen?.method).toBe('PATCH');
    expect(seen?.url.pathname).toBe('/api/v1/nodes/node-1');
    expect(seen?.headers['content-type']).toBe('application/merge-patch+json');
    expect(JSON.parse(seen?.body ?? '')).toEqual({ metadata: { resourceVersion: '7', annotations: { 'nodeward.io/cordoned-by': null, keep: 'v' } }, spec: { unschedulable: null } });
    api.handle(() => status(409, 'Operation cannot be fulfilled on nodes "node-1": the object has been modified; please apply your changes to the latest version and try again'));
    const conflict = kube().patchNode('node-1', { resourceVersion: '6', unschedulable: true, annotations: {} });
    await expect(conflict).rejects.toBeInstanceOf(KubeConflictError);
    await expect(conflict).rejects.toThrow('patching Node node-1: Operation cannot be fulfilled on nodes "node-1": the object has been modified');
  });

  it('podsOn: every namespace, by fieldSelector spec.nodeName, paged; what a drain needs of each pod', async () => {
    api.handle((s) => ({
      json: s.url.searchParams.get('continue')
        ? { items: [pod('ds', { ownerReferences: [{ kind: 'DaemonSet', controller: true }, { kind: 'Other', controller: false }] })] }
        : { items: [pod('mirror', { annotations: { 'kubernetes.io/config.mirror': 'x' }, deletionTimestamp: '2026-01-01T00:00:00Z' })], metadata: { continue: 'c2' } },
    }));
    const before = api.seen.length;
    const pods = await kube().podsOn('node 1/x');
    expect(api.seen.slice(before).map((s) => [s.url.pathname, Object.fromEntries(s.url.searchParams)])).toEqual([
      ['/api/v1/pods', { fieldSelector: 'spec.nodeName=node 1/x', limit: '500' }],
      ['/api/v1/pods', { fieldSelector: 'spec.nodeName=node 1/x', limit: '500', continue: 'c2' }],
    ]);
    expect(pods).toEqual([
      { namespace: 'web', name: 'mirror', uid: 'uid-mirror', phase: 'Running', controllerKinds: [], mirror: true, deleting: true },
      { namespace: 'web', name: 'ds', uid: 'uid-ds', phase: 'Running', controllerKinds: ['DaemonSet'], mirror: false, deleting: false },
    ]);
  });

  it('evict: a policy/v1 Eviction with the uid precondition; 201 evicted, 404/409 gone, 429 blocked, else error', async () => {
    const target = { namespace: 'web', name: 'web-1', uid: 'u-1', phase: 'Running', controllerKinds: ['ReplicaSet'], mirror: false, deleting: false };
    api.handle(() => ({ status: 201, json: { kind: 'Status', status: 'Success' } }));
    expect(await kube().evict(target)).toEqual({ kind: 'evicted' });
    const seen = api.seen[api.seen.length - 1];
    expect([seen?.method, seen?.url.pathname, seen?.headers['content-type']]).toEqual(['POST', '/api/v1/namespaces/web/pods/web-1/eviction', 'application/json']);
    expect(JSON.parse(seen?.body ?? '')).toEqual({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-1', namespace: 'web' }, deleteOptions: { preconditions: { uid: 'u-1' } } });
    api.handle(() => status(404, 'pods "web-1" not found'));
    expect(await kube().evict(target)).toEqual({ kind: 'gone' });
    api.handle(() => status(409, 'Precondition failed: UID in precondition: u-1, UID in object meta: u-2'));
    expect(await kube().evict(target)).toEqual({ kind: 'gone' });
    api.handle(() => status(429, 'Cannot evict pod as it would violate the pod\'s disruption budget.', ['The disruption budget web needs 2 healthy pods and has 2 currently']));
    expect(await kube().evict(target)).toEqual({ kind: 'blocked', message: 'Cannot evict pod as it would violate the pod\'s disruption budget.: The disruption budget web needs 2 healthy pods and has 2 currently' });
    api.handle(() => status(403, 'pods "web-1" is forbidden'));
    expect(await kube().evict(target)).toEqual({ kind: 'error', message: 'pods "web-1" is forbidden' });
  });
});

describe('createNodeStatusReader', () => {
  it("the Ready condition, its heartbeat in seconds; a failure is the reason, not a throw", async () => {
    api.handle(() => ({ json: node('node-3') }));
    const reader = createNodeStatusReader(kubeconfig);
    expect(await reader.read('node-3')).toEqual({ ready: 'True', heartbeat: Date.UTC(2026, 0, 2, 3, 4, 5) / 1000, reason: 'KubeletReady' });
    expect(api.seen[api.seen.length - 1]?.url.pathname).toBe('/api/v1/nodes/node-3');
    api.handle(() => status(503, 'the server is shutting down'));
    expect(await reader.read('node-3')).toEqual({ ready: undefined, heartbeat: undefined, reason: 'API: the server is shutting down' });
  });
});
