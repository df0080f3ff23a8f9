import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labReset } from '../../lab/lab.ts';
import { listClusterNodes } from '../../src/kube/list-nodes.ts';
import { LAB_ZONES } from '../../lab/node-labels.ts';
import { run } from '../../lab/run.ts';
import { testLab } from './helpers.ts';
import { nodeward, onNode } from './nodeward.ts';

interface PlanJson {
  nodes: { name: string; address: string; status: string; refusal: { guard: string }[]; kubernetes: { node: string; ready: string; cordoned: boolean; kubeletVersion: string } | null }[];
}
interface OutcomeJson {
  nodes: { name: string; status: string; reason: string | null }[];
  notPlanned?: string[];
}

const lab = testLab();
const info = lab.info;
const api = info.apiserver.url;
const dir = await mkdtemp(join(tmpdir(), 'nw-kube-inv-'));
const names = info.nodes.map((n) => n.name);
const zoneOf = (name: string): string => LAB_ZONES[(Number(/-(\d+)$/.exec(name)?.[1]) - 1) % LAB_ZONES.length] ?? '';

/** The shortest inventory for a cluster: where the bastion and keys are, and that the nodes are the cluster's. */
async function clusterInventory(name: string, nodes: string, kubeconfig = info.files.kubeconfig): Promise<string> {
  const file = join(dir, name);
  const text = [
    `bastion: { host: ${info.bastion.address}, port: ${info.bastion.port}, user: ops }`,
    `knownHosts: ${info.files.knownHosts}`,
    `kubeconfig: ${kubeconfig}`,
    `defaults: { user: ops, identityFile: ${info.files.identityFile} }`,
    `nodes: ${nodes}`,
    '',
  ].join('\n');
  await writeFile(file, text);
  return file;
}

async function playbook(qps: number): Promise<string> {
  const file = join(dir, `qps-${qps}.yaml`);
  await writeFile(file, `name: qps\nresources:\n  - name: event-qps\n    kubeletConfig: { set: { eventRecordQPS: ${qps} } }\n`);
  return file;
}

/** The independent oracle: kubectl's own reading of the same selector. */
async function kubectlNodes(selector: string): Promise<string[]> {
  const r = await run('kubectl', ['--kubeconfig', info.files.kubeconfig, 'get', 'nodes', '-l', selector, '-o', 'json'], { timeoutMs: 30_000 });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name).sort();
}

const api2 = (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${api}${path}`, init);

describe('inventory nodes from the cluster (lab)', () => {
  let workers = '';
  let all = '';
  beforeAll(async () => {
    workers = await clusterInventory('workers.yaml', '{ fromKubernetes: { labelSelector: "node-role.kubernetes.io/worker", address: InternalIP } }');
    all = await clusterInventory('all.yaml', '{ fromKubernetes: {} }');
  });
  afterAll(async () => {
    await labReset();
  });

  it('plans the Nodes the selector finds, as kubectl -l finds them, with their Kubernetes state', async () => {
    const result = await nodeward(['plan', '-i', workers, await playbook(7), '-o', 'json']);
    expect(result.code, result.stderr).toBe(2);
    const plan = JSON.parse(result.stdout) as PlanJson;
    expect(plan.nodes.map((n) => n.name).sort()).toEqual(await kubectlNodes('node-role.kubernetes.io/worker'));
    expect(plan.nodes.map((n) => n.name)).not.toContain('node-1');
    for (const node of plan.nodes) {
      expect(node.address).toBe(info.nodes.find((n) => n.name === node.name)?.address);
      expect(node.kubernetes).toEqual({ node: node.name, ready: 'True', cordoned: false, kubeletVersion: 'v1.31.4' });
    }
    const human = await nodeward(['plan', '-i', workers, await playbook(7)]);
    expect(human.stdout).toMatch(/Kubernetes: Ready, kubelet v1\.31\.4/);
  });

  it("reads the Nodes field for field as kubectl get nodes -l SELECTOR -o json does (nodeward's own client)", async () => {
    interface KubectlNode {
      metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
      spec?: { unschedulable?: boolean };
      status?: { addresses?: { type: string; address: string }[]; conditions?: { type: string; status: string }[]; nodeInfo?: { kubeletVersion?: string } };
    }
    for (const selector of ['node-role.kubernetes.io/worker', 'topology.kubernetes.io/zone in (lab-a,lab-c)', '!node-role.kubernetes.io/control-plane,topology.kubernetes.io/zone notin (lab-b)']) {
      const r = await run('kubectl', ['--kubeconfig', info.files.kubeconfig, 'get', 'nodes', '-l', selector, '-o', 'json'], { timeoutMs: 30_000 });
      expect(r.code, r.stderr).toBe(0);
      const expected = (JSON.parse(r.stdout) as { items: KubectlNode[] }).items.map((n) => {
        const addresses = Object.fromEntries((n.status?.addresses ?? []).map((a) => [a.type, a.address]));
        return {
          name: n.metadata.name,
          address: addresses['InternalIP'] ?? n.status?.addresses?.[0]?.address,
          addresses,
          labels: n.metadata.labels ?? {},
          annotations: n.metadata.annotations ?? {},
          state: { node: n.metadata.name, ready: n.status?.conditions?.find((c) => c.type === 'Ready')?.status, cordoned: n.spec?.unschedulable === true, kubeletVersion: n.status?.nodeInfo?.kubeletVersion },
        };
      }).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
      expect(expected.length, selector).toBeGreaterThan(0);
      expect(await listClusterNodes(info.files.kubeconfig, selector), selector).toEqual(expected);
    }
  });

  it('selects by Node labels with --limit, kubectl -l style', async () => {
    const pb = await playbook(7);
    const selected = async (limit: string): Promise<string[]> => {
      const r = await nodeward(['plan', '-i', all, pb, '-o', 'json', '--limit', limit]);
      expect(r.code, r.stderr).toBe(2);
      return (JSON.parse(r.stdout) as PlanJson).nodes.map((n) => n.name).sort();
    };
    expect(await selected(`topology.kubernetes.io/zone=${zoneOf('node-2')}`)).toEqual(await kubectlNodes(`topology.kubernetes.io/zone=${zoneOf('node-2')}`));
    expect(await selected('!node-role.kubernetes.io/control-plane')).toEqual(await kubectlNodes('!node-role.kubernetes.io/control-plane'));
    expect(await selected('topology.kubernetes.io/zone in (lab-a,lab-c)')).toEqual(await kubectlNodes('topology.kubernetes.io/zone in (lab-a,lab-c)'));
    expect(await selected('topology.kubernetes.io/zone notin (lab-a)')).toEqual(await kubectlNodes('topology.kubernetes.io/zone notin (lab-a)'));
  });

  it('stops before any node is contacted when the API server cannot be reached or the source is wrong', async () => {
    const dead = join(dir, 'dead-kubeconfig');
    await writeFile(dead, (await readFile(info.files.kubeconfig, 'utf8')).replace(api, 'http://127.0.0.1:9'));
    const unreachable = await nodeward(['plan', '-i', await clusterInventory('dead.yaml', '{ fromKubernetes: {} }', dead), await playbook(7)]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/error: listing the Nodes with .*dead-kubeconfig \(http:\/\/127\.0\.0\.1:9\): .*ECONNREFUSED/);
    expect(unreachable.stderr).not.toMatch(/node-\d/);
    const bad = await clusterInventory('bad.yaml', '{ fromKubernetes: { labelSelector: "zone in (a", adress: InternalIP } }');
    const invalid = await nodeward(['plan', '-i', bad, await playbook(7)]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain(`${bad}:5:`);
    expect(invalid.stderr).toMatch(/unknown key 'adress' \(did you mean 'address'\?\)/);
  });

  it('refuses a kubelet restart on a node that is not Ready before the run, unless --allow-not-ready', async () => {
    await onNode('node-2', 'systemctl stop kubelet');
    try {
      // the lifecycle monitor marks it Unknown once its heartbeat is 8 s old
      for (let i = 0; i < 80; i++) {
        const node = (await (await api2('/api/v1/nodes/node-2')).json()) as { status: { conditions: { type: string; status: string }[] } };
        if (node.status.conditions.find((c) => c.type === 'Ready')?.status !== 'True') break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const pb = await playbook(9);
      const refused = await nodeward(['plan', '-i', all, pb, '-o', 'json', '--limit', 'node-2,node-3']);
      const plan = JSON.parse(refused.stdout) as PlanJson;
      const n2 = plan.nodes.find((n) => n.name === 'node-2');
      expect(n2?.kubernetes?.ready).toBe('Unknown');
      expect(n2?.status).toBe('refused');
      expect(n2?.refusal.map((r) => r.guard)).toContain('node-not-ready');
      expect(plan.nodes.find((n) => n.name === 'node-3')?.status).toBe('changes');
      const apply = await nodeward(['apply', '-i', all, pb, '--yes', '--json', '--limit', 'node-2']);
      expect((JSON.parse(apply.stdout) as OutcomeJson).nodes).toEqual([expect.objectContaining({ name: 'node-2', status: 'refused' })]);
      const allowed = await nodeward(['plan', '-i', all, pb, '-o', 'json', '--limit', 'node-2', '--allow-not-ready']);
      expect((JSON.parse(allowed.stdout) as PlanJson).nodes[0]?.refusal.map((r) => r.guard) ?? []).not.toContain('node-not-ready');
    } finally {
      await onNode('node-2', 'systemctl start kubelet');
    }
  });

  it('applies a saved plan to the nodes still there: one gone is skipped and reported, one new is named, not planned', async () => {
    const pb = await playbook(11);
    const saved = join(dir, 'plan.json');
    const planned = await nodeward(['plan', '-i', all, pb, '--out', saved, '-o', 'json']);
    expect(planned.code, planned.stderr).toBe(2);
    // node-3 leaves the cluster (its kubelet stopped first, or it would register again); node-9 joins
    await onNode('node-3', 'systemctl stop kubelet');
    expect((await api2('/api/v1/nodes/node-3', { method: 'DELETE' })).ok).toBe(true);
    const joined = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-9', labels: { 'topology.kubernetes.io/zone': 'lab-c' } }, status: { addresses: [{ type: 'InternalIP', address: '198.18.250.9' }] } };
    expect((await api2('/api/v1/nodes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(joined) })).ok).toBe(true);
    try {
      const applied = await nodeward(['apply', '--plan', saved, '-i', all, '--json']);
      const out = JSON.parse(applied.stdout) as OutcomeJson;
      expect(out.nodes.find((n) => n.name === 'node-3')).toEqual(expect.objectContaining({ status: 'skipped', reason: expect.stringMatching(/no longer in the cluster/) }));
      for (const name of names.filter((n) => n !== 'node-3')) expect(out.nodes.find((n) => n.name === name)?.status).toBe('applied');
      expect(out.nodes.map((n) => n.name)).not.toContain('node-9');
      expect(out.notPlanned).toEqual(['node-9']);
      const human = await nodeward(['apply', '--plan', saved, '-i', all]);
      expect(human.stdout).toMatch(/Not planned: node-9 \(in the cluster since the plan was made/);
    } finally {
      await api2('/api/v1/nodes/node-9', { method: 'DELETE' });
      await onNode('node-3', 'systemctl start kubelet');
    }
  });
});

describe('waves by failure domain (lab)', () => {
  let all = '';
  beforeAll(async () => {
    await labReset();
    all = await clusterInventory('zones.yaml', '{ fromKubernetes: {} }');
  });

  it('rolls out the canary in one zone, then one zone at a time, and the preview shows the waves by zone', async () => {
    const result = await nodeward(['rollout', '-i', all, await playbook(13), '--reason', 'zones', '--waves-by', 'topology.kubernetes.io/zone', '--waves', '1,100%', '--health-timeout', '40', '--yes']);
    expect(result.code, result.stderr).toBe(0);
    const zones = [...new Set(names.map(zoneOf))].sort();
    const preview = result.stdout.slice(result.stdout.indexOf('Rollout (reason: zones), waves by topology.kubernetes.io/zone:'));
    // --waves 1,100% within each zone: its first node, then the rest of it; the first wave of all is the canary
    const waves = zones.map((zone) => names.filter((n) => zoneOf(n) === zone)).map((inZone) => [inZone.slice(0, 1), inZone.slice(1)].filter((w) => w.length > 0));
    const total = waves.flat().length - 1;
    let index = 0;
    const expected = zones.flatMap((zone, z) => [`  topology.kubernetes.io/zone=${zone}`, ...(waves[z] ?? []).map((wave) => `    ${index++ === 0 ? 'canary' : `wave ${index - 1}/${total}`}: ${wave.join(', ')}`)]);
    const lines = preview.split('\n').slice(1, 1 + expected.length).map((l) => l.replace(/ \(\d+ nodes?; .*$/, ''));
    expect(lines).toEqual(expected);
    // the waves ran in that order: each zone's nodes were done before the next zone's started
    for (const name of names) expect(await onNode(name, 'grep -c "eventRecordQPS: 13" /var/lib/kubelet/config.yaml')).toMatch(/^1/);
  });

  it('--max-unavailable 1 restarts one node at a time even in one batch of all', async () => {
    const result = await nodeward(['apply', '-i', all, await playbook(15), '--yes', '--batch', '100%', '--max-unavailable', '1', '--concurrency', '3', '--health-timeout', '40']);
    expect(result.code, result.stderr).toBe(0);
    // on the nodes themselves: when each kubelet came back (one monotonic clock: the nodes share the host's kernel).
    // A node restarts only once the one before passed its gate: never two at once, so their starts are
    // apart by at least the gate's probe and the next restart's round trip and kubelet start (0.6 s and
    // more seen here; at once, without the cap, they come within 0.1 s of each other).
    const started = await Promise.all(names.map(async (name) => Number((await onNode(name, 'systemctl show kubelet -p ActiveEnterTimestampMonotonic --value')).trim())));
    const sorted = [...started].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect((sorted[i] ?? 0) - (sorted[i - 1] ?? 0)).toBeGreaterThan(250_000);
    expect(result.stderr).toMatch(/waiting for a free slot/);
  });
});
