import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { labHeal, labReset } from '../../lab/lab.ts';
import { testLab } from './helpers.ts';
import { nodeSnapshot, nodeward, onNode } from './nodeward.ts';

interface RolloutJson {
  runId: string | null;
  journal: string | null;
  stopped: string | null;
  nodes: { name: string; status: string; reason: string | null }[];
}

interface NodeView {
  spec: { unschedulable?: boolean };
  metadata: { annotations?: Record<string, string> };
  status: { conditions: { type: string; status: string }[] };
}

interface PodList {
  items: { metadata: { namespace: string; name: string; uid: string; ownerReferences: { kind: string }[] } }[];
}

const lab = testLab();
const api = lab.info.apiserver.url;
const inventory = lab.info.files.inventory;
const names = lab.info.nodes.map((n) => n.name);
const [n1 = 'node-1', n2 = 'node-2', n3 = 'node-3'] = names;
// (a canary rolled back under --drain is uncordoned: see rollout.lab.test.ts)
const FAST = ['--health-timeout', '40', '--yes', '--json', '--waves', '1,100%'];

async function node(name: string): Promise<NodeView> {
  return (await (await fetch(`${api}/api/v1/nodes/${name}`)).json()) as NodeView;
}

const unschedulable = async (name: string): Promise<boolean> => (await node(name)).spec.unschedulable === true;
const ourAnnotations = async (name: string): Promise<string[]> => Object.keys((await node(name)).metadata.annotations ?? {}).filter((k) => k.startsWith('nodeward.io/'));

async function setUnschedulable(name: string, value: boolean): Promise<void> {
  const res = await fetch(`${api}/api/v1/nodes/${name}`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ spec: { unschedulable: value ? true : null } }) });
  expect(res.ok).toBe(true);
}

/** Pod name → uid on a node, and the controller kind of each. */
async function podsOn(name: string): Promise<Map<string, { uid: string; kind: string }>> {
  const list = (await (await fetch(`${api}/api/v1/pods?fieldSelector=spec.nodeName%3D${name}`)).json()) as PodList;
  return new Map(list.items.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, { uid: p.metadata.uid, kind: p.metadata.ownerReferences[0]?.kind ?? '' }]));
}

async function pdb(method: 'POST' | 'DELETE', app: string): Promise<void> {
  const url = `${api}/apis/policy/v1/namespaces/default/poddisruptionbudgets${method === 'DELETE' ? `/${app}` : ''}`;
  const body = method === 'POST' ? JSON.stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: app }, spec: { maxUnavailable: 0, selector: { matchLabels: { app } } } }) : undefined;
  await fetch(url, { method, headers: { 'content-type': 'application/json' }, ...(body ? { body } : {}) });
}

async function patchPlaybook(qps: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nw-drain-'));
  const file = join(dir, 'patch.yaml');
  await writeFile(file, `name: patch\nresources:\n  - name: event-qps\n    kubeletConfig: { set: { eventRecordQPS: ${qps} } }\n`);
  return file;
}

const parse = (stdout: string): RolloutJson => JSON.parse(stdout) as RolloutJson;
const outcome = (json: RolloutJson, name: string) => json.nodes.find((n) => n.name === name);

/** Starts watching a node's schedulability at the moment a progress line shows up on stderr. */
function sampleAt(marker: string, name: string): { onStderr: (text: string) => void; sample: () => Promise<boolean | undefined> } {
  let taken: Promise<boolean> | undefined;
  return {
    onStderr: (text) => {
      if (!taken && text.includes(marker)) taken = unschedulable(name);
    },
    sample: async () => taken,
  };
}

describe('nodeward rollout --drain (lab)', () => {
  // each test patches its own setting, so one reset is enough; cordons and the PDB are cleared every time
  beforeAll(async () => {
    await labHeal();
    await labReset();
  });

  beforeEach(async () => {
    await pdb('DELETE', 'api');
    for (const name of names) await setUnschedulable(name, false);
  });

  afterEach(async () => {
    await pdb('DELETE', 'api');
  });

  afterAll(async () => {
    await labHeal();
    await labReset();
    for (const name of names) await setUnschedulable(name, false);
  });

  it('cordons each node during its change, evicts all but DaemonSet pods, and gives back its prior schedulability', async () => {
    const file = await patchPlaybook(21);
    await setUnschedulable(n2, true); // an operator had cordoned node-2 already
    const podsBefore = await podsOn(n1);
    expect([...podsBefore.values()].map((p) => p.kind).sort()).toEqual(['DaemonSet', 'ReplicaSet', 'ReplicaSet']);
    const during = sampleAt(`${n1}: restarting`, n1);
    const result = await nodeward(['rollout', '-i', inventory, file, '--reason', 'INC-4', '--drain', '--drain-timeout', '20', '--limit', `${n1},${n2}`, ...FAST], { onStderr: during.onStderr });
    expect(result.code, result.stderr).toBe(0);
    const json = parse(result.stdout);
    expect(outcome(json, n1)?.status).toBe('applied');
    expect(outcome(json, n2)?.status).toBe('applied');
    expect(await during.sample()).toBe(true);
    expect(result.stderr).toContain(`${n1}: evicting 2 pod(s), skipping 1 DaemonSet pod(s)`);
    expect(result.stderr.indexOf(`${n1}: evicting`)).toBeLessThan(result.stderr.indexOf(`${n1}: writing`));
    expect(result.stderr.indexOf(`${n1}: uncordoned`)).toBeGreaterThan(result.stderr.indexOf(`${n1}: waiting for health`));

    expect(await unschedulable(n1)).toBe(false);
    expect(await unschedulable(n2)).toBe(true);
    expect(result.stderr).toMatch(new RegExp(`${n2}: left cordoned: it was unschedulable before this run`));
    expect(await ourAnnotations(n1)).toEqual([]);
    expect(await ourAnnotations(n2)).toEqual([]);

    // the evicted pods come back (new uids) once the node is schedulable again; the DaemonSet pod never left
    await expect
      .poll(async () => {
        const after = await podsOn(n1);
        return [...podsBefore].map(([key, p]) => (p.kind === 'DaemonSet' ? after.get(key)?.uid === p.uid : after.has(key) && after.get(key)?.uid !== p.uid));
      }, { timeout: 10_000 })
      .toEqual([true, true, true]);

    const journal = JSON.parse(await readFile(json.journal ?? '', 'utf8')) as { nodes: Record<string, { cordon?: { wasUnschedulable: boolean; restoredAt?: string } }> };
    expect(journal.nodes[n1]?.cordon).toMatchObject({ wasUnschedulable: false, restoredAt: expect.any(String) });
    expect(journal.nodes[n2]?.cordon).toMatchObject({ wasUnschedulable: true, restoredAt: expect.any(String) });
  });

  it('a PodDisruptionBudget that blocks an eviction times the drain out: the node is uncordoned, unchanged and reported', async () => {
    const file = await patchPlaybook(23);
    const before = await nodeSnapshot(n3);
    await pdb('POST', 'api');
    const result = await nodeward(['rollout', '-i', inventory, file, '--reason', 'INC-6', '--drain', '--drain-timeout', '4', '--limit', n3, ...FAST]);
    expect(result.code, result.stderr).toBe(1);
    const json = parse(result.stdout);
    expect(outcome(json, n3)).toMatchObject({ status: 'refused', reason: expect.stringMatching(/drain timed out: 1 pod\(s\) not evicted: default\/api-\S+ \(blocked by a PodDisruptionBudget: .*disruption budget/) });
    expect(result.stderr).toMatch(new RegExp(`${n3}: eviction blocked: default/api-`));
    expect(await unschedulable(n3)).toBe(false);
    expect(await ourAnnotations(n3)).toEqual([]);
    expect(await nodeSnapshot(n3)).toBe(before);
  });

  it('Ctrl-C during a drain uncordons the node before exiting', async () => {
    const file = await patchPlaybook(24);
    await pdb('POST', 'api');
    const result = await nodeward(['rollout', '-i', inventory, file, '--reason', 'INC-7', '--drain', '--drain-timeout', '60', '--limit', n3, ...FAST], {
      onStderr: (text, child) => {
        if (text.includes(`${n3}: eviction blocked`) && !child.killed) child.kill('SIGINT');
      },
    });
    expect(result.code, result.stderr).toBe(130);
    expect(outcome(parse(result.stdout), n3)).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/interrupted while draining/) });
    expect(await unschedulable(n3)).toBe(false);
    expect(await ourAnnotations(n3)).toEqual([]);
  });

  it('a rollout killed while a node is cordoned: --resume takes its lock over, uncordons the node and finishes the owed restart', async () => {
    const file = await patchPlaybook(25);
    const killed = await nodeward(['rollout', '-i', inventory, file, '--reason', 'INC-8', '--drain', '--drain-timeout', '20', '--limit', `${n1},${n2}`, ...FAST], {
      onStderr: (text, child) => {
        if (text.includes(`${n1}: restarting`) && !child.killed) child.kill('SIGKILL');
      },
    });
    expect(killed.code).not.toBe(0);
    expect(await unschedulable(n1)).toBe(true);
    expect(await ourAnnotations(n1)).toContain('nodeward.io/cordoned-by');
    const runId = (/^run (\S+):/m.exec(killed.stderr) ?? [])[1] ?? '';

    const resumed = await nodeward(['rollout', '--resume', runId, '-i', inventory, ...FAST.slice(0, 4)]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const json = parse(resumed.stdout);
    expect(resumed.stderr).toMatch(new RegExp(`warning: ${n1}: took over the lock of an interrupted earlier attempt of this run ${runId}`));
    expect(resumed.stderr).toMatch(new RegExp(`warning: ${n1}: run ${runId} left the node cordoned .*uncordoned it`));
    expect(outcome(json, n1)).toMatchObject({ status: 'applied', reason: expect.stringContaining(`interrupted attempt ${runId}`) });
    expect(outcome(json, n2)?.status).toBe('applied');
    for (const name of [n1, n2]) {
      expect(await unschedulable(name)).toBe(false);
      expect(await ourAnnotations(name)).toEqual([]);
      expect((await onNode(name, 'grep -E "^eventRecordQPS:" /var/lib/kubelet/config.yaml')).trim()).toBe('eventRecordQPS: 25');
    }
    expect(await onNode(n1, `cat /var/lib/nodeward/runs/${runId}/state`)).toBe('done\n');
  });
});
