import { describe, expect, it } from 'vitest';
import { applyNode, type NodeApplyDeps } from '../../../src/apply/node-apply.ts';
import type { ResourceEntry } from '../../../src/config/playbook-types.ts';
import type { HostSpec } from '../../../src/config/types.ts';
import type { NodeFacts } from '../../../src/facts/types.ts';
import { buildNodePlan } from '../../../src/planner/build.ts';
import { resourceSchemas, type ResourceSpec } from '../../../src/spec/schemas.ts';
import { ConnectError, FactsError } from '../../../src/util/errors.ts';
import { factsFollow, scriptedNode, type ScriptedNode, type ScriptKind, type Reply } from '../../fakes/scripted-node.ts';
import { fixedFacts } from '../../fakes/fixed-facts.ts';
import { factsFrom } from '../plan/fixture-facts.ts';

// The steps of one node's apply (apply/node/), each path through them driven by a node that
// answers from a script: what reached the node, and what the outcome says, for every branch the
// lab tests reach only with a real fault.
const host: HostSpec = { name: 'node-1', address: '198.19.0.11', port: 22, user: 'ops', identityFile: undefined, become: 'sudo', labels: {}, groups: [], vars: {} };
const KCFG = '/var/lib/kubelet/config.yaml';
const BEFORE = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\nreadOnlyPort: 10255\n';
const AFTER = BEFORE.replace('readOnlyPort: 10255', 'readOnlyPort: 0');

function entry(spec: unknown): ResourceEntry {
  return { id: 't/kubelet', name: 'kubelet', checks: [], note: undefined, when: undefined, resource: { kind: 'kubeletConfig', spec: resourceSchemas.kubeletConfig.parse(spec) } as ResourceSpec, source: { file: 't.yaml', line: 1, column: 1 } };
}

const ENTRIES = [entry({ set: { readOnlyPort: 0 } })];

const CTD = '/etc/containerd/config.toml';
const SYSTEMD_CONTAINERD = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\nSystemdCgroup = true\n';

function nodeFacts(kubeletConfig = BEFORE): NodeFacts {
  return factsFrom({ kubelet: { configPath: KCFG }, files: { [KCFG]: { content: kubeletConfig }, [CTD]: { content: SYSTEMD_CONTAINERD } }, units: { kubelet: {}, containerd: {} } });
}

interface Run {
  readonly node: ScriptedNode;
  readonly warnings: string[];
  readonly steps: string[];
}

async function apply(replies: Partial<Record<ScriptKind, Reply>>, options: { facts?: NodeFacts | (() => NodeFacts); approved?: 'today' | 'other'; deps?: Partial<NodeApplyDeps>; reachable?: () => boolean; reads?: ('apart' | 'in-lock')[] } = {}) {
  const node = scriptedNode(host, replies, { reachable: options.reachable });
  const warnings: string[] = [];
  const steps: string[] = [];
  const facts = options.facts ?? nodeFacts();
  const approved = options.approved === 'today' ? buildNodePlan(host, ENTRIES, nodeFacts()) : options.approved === 'other' ? buildNodePlan(host, ENTRIES, nodeFacts(BEFORE.replace('10255', '10266'))) : undefined;
  const deps: NodeApplyDeps = {
    connector: node.connector,
    stateDir: '/var/lib/nodeward',
    runId: '20261203T120000Z-abcdef',
    lock: { owner: 'ops@test', pid: 4242, command: 'nodeward apply', ttlSeconds: 900 },
    gate: { timeoutMs: 2_000, intervalMs: 5, nodeStatus: undefined },
    hooks: { warn: (_h, message) => warnings.push(message), nodeStep: (_h, name, detail) => steps.push(detail ? `${name}: ${detail}` : name) },
    journal: undefined,
    signal: undefined,
    bounds: { command: 5, package: 10, reconnect: 1 },
    facts: fixedFacts(facts, options.reads),
    ...options.deps,
  };
  const result = await applyNode({ host, entries: ENTRIES, approved }, deps);
  const run: Run = { node, warnings, steps };
  return { result, ...run };
}

const lost = (): ConnectError => new ConnectError('closed', 'node-1: the node session closed', { host: 'node-1', hop: 'node' });

const HEALTHY_PROBE = 'Id=kubelet.service\nActiveState=active\nSubState=running\nNRestarts=0\nResult=success\n\nNW_NOW 1001\nNW_HEALTHZ ok\n';
const FAILED_PROBE = 'Id=kubelet.service\nActiveState=failed\nSubState=failed\nNRestarts=0\nResult=exit-code\n\nNW_NOW 1001\nNW_HEALTHZ connection refused\n';

describe("one node's apply, step by step", () => {
  it('containerd restarted ahead of the kubelet is gated on its unit alone: a cgroup driver changed on both sides is a mismatch until the kubelet restarts too', async () => {
    const cgroupfs = factsFrom({
      kubelet: { configPath: KCFG },
      files: { [KCFG]: { content: BEFORE.replace('cgroupDriver: systemd', 'cgroupDriver: cgroupfs') }, [CTD]: { content: SYSTEMD_CONTAINERD.replace('true', 'false') } },
      units: { kubelet: {}, containerd: {} },
    });
    const entries = [
      entry({ set: { cgroupDriver: 'systemd' } }),
      { ...entry({ set: {} }), id: 't/containerd', name: 'containerd', resource: { kind: 'tomlConfig', spec: resourceSchemas.tomlConfig.parse({ path: CTD, restarts: ['containerd'], set: { 'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options.SystemdCgroup': true } }) } as ResourceSpec },
    ];
    let kubeletRestarted = false;
    const reads: boolean[] = [];
    const node = scriptedNode(host, {
      restart: (script) => {
        if (script.includes('kubelet.service')) kubeletRestarted = true;
        return 'NW_RESTARTED 1000 0\n';
      },
    });
    // the Node is NotReady (runtime and kubelet disagree) from containerd's restart until the kubelet's
    const nodeStatus = { read: async () => (reads.push(kubeletRestarted), kubeletRestarted ? { ready: 'True', heartbeat: 1002, reason: undefined } : { ready: 'False', heartbeat: 1001, reason: 'KubeletNotReady' }) };
    const deps: NodeApplyDeps = {
      connector: node.connector,
      stateDir: '/var/lib/nodeward',
      runId: '20261203T120000Z-abcdef',
      lock: { owner: 'o', pid: 1, command: 'c', ttlSeconds: 60 },
      gate: { timeoutMs: 500, intervalMs: 5, nodeStatus },
      hooks: {},
      journal: undefined,
      signal: undefined,
      bounds: { command: 5, package: 10, reconnect: 1 },
      facts: fixedFacts(cgroupfs),
    };
    const result = await applyNode({ host, entries, approved: undefined }, deps);
    expect(result).toMatchObject({ status: 'applied', restarted: ['containerd', 'kubelet'] });
    const kinds = node.sent.map((s) => s.kind);
    expect(kinds).toEqual(['lock', 'write', 'restart', 'probe', 'settle', 'restart', 'probe', 'settle', 'unlock']);
    const [containerdProbe, kubeletProbe] = node.sent.filter((s) => s.kind === 'probe').map((s) => s.script);
    expect(containerdProbe).toContain('containerd.service');
    expect(containerdProbe).not.toContain('kubelet.service');
    expect(containerdProbe).not.toContain('healthz');
    expect(kubeletProbe).toContain('healthz');
    // the Node is asked about only once the kubelet runs the new config
    expect(reads).toEqual([true]);
  });

  it('the happy path: lock, write, restart behind the gate, settle, unlock: applied with one change and one restart', async () => {
    const { result, node } = await apply({});
    expect(result).toMatchObject({ status: 'applied', changes: 1, restarted: ['kubelet'], touched: true });
    expect(node.sent.map((s) => s.kind)).toEqual(['lock', 'write', 'restart', 'probe', 'settle', 'unlock']);
    // the write carries the new file; the lock carries this run's id
    expect(node.sent[0]?.script).toContain('20261203T120000Z-abcdef');
    const planned = buildNodePlan(host, ENTRIES, nodeFacts()).changes.flatMap((c) => c.operations).find((o) => o.op === 'writeFile');
    expect(planned?.op === 'writeFile' && Buffer.from(planned.content, 'base64').toString()).toContain('readOnlyPort: 0');
    expect(planned?.op === 'writeFile' && node.sent[1]?.script.replace(/\n/g, '').includes(planned.content)).toBe(true);
  });

  it('the facts under the lock come in the lock\'s own exec: the lock script carries the facts script, and no exec reads them apart', async () => {
    const reads: ('apart' | 'in-lock')[] = [];
    const { result, node } = await apply({}, { reads });
    expect(result.status).toBe('applied');
    expect(reads).toEqual(['in-lock']);
    expect(node.count('facts')).toBe(0);
    expect(node.sent[0]?.script).toContain('nw_sec()');
    expect(node.sent[0]?.script).toContain(KCFG);
  });

  it('an earlier run to recover first: it is rolled back, then the node is read again in an exec of its own, and the change made', async () => {
    const reads: ('apart' | 'in-lock')[] = [];
    // a real node answers no facts when a run is pending (scripts.test.ts); the fake answers as it would
    const lock = 'NW_LOCK acquired\nNW_PENDING 20261203T110000Z-123456 writing\n';
    const { result, node, warnings } = await apply({ lock, rollback: `NW_UNDONE file ${KCFG}\nNW_DONE rolled-back\n` }, { reads });
    expect(result.status).toBe('applied');
    expect(warnings).toContain('rolled back run 20261203T110000Z-123456, interrupted while writing');
    expect(reads).toEqual(['apart']);
    expect(node.sent.map((s) => s.kind)).toEqual(['lock', 'rollback', 'settle', 'facts', 'write', 'restart', 'probe', 'settle', 'unlock']);
  });

  it('a lock waited for: the facts come with the lock once it is ours, and a node the waited-for run made in sync is in-sync', async () => {
    const reads: ('apart' | 'in-lock')[] = [];
    const held = 'NW_LOCK held\nNW_HOLDER runId=20261203T110000Z-123456\nNW_HOLDER owner=alice@ci\nNW_HOLDER expires=1900000000\n';
    const { result, node } = await apply({ lock: (script, call) => (call === 1 ? held : `NW_LOCK acquired\n${factsFollow(script)}`) }, { reads, facts: nodeFacts(AFTER), deps: { lock: { owner: 'o', pid: 1, command: 'c', ttlSeconds: 60, waitMs: 1000, pollMs: 5 } } });
    expect(result.status).toBe('in-sync');
    expect(reads).toEqual(['in-lock']);
    expect(node.sent.map((s) => s.kind)).toEqual(['lock', 'lock', 'unlock']);
  });

  it('facts the lock exec answered that cannot be trusted refuse the node before anything is written; the lock is released', async () => {
    const bad = (): NodeFacts => {
      throw new FactsError('node-1: untrusted facts output: section f3 missing', { host: 'node-1', hop: 'node' });
    };
    const { result, node } = await apply({}, { facts: bad });
    expect(result).toMatchObject({ status: 'refused', reason: 'node-1: untrusted facts output: section f3 missing' });
    expect(result.touched).toBeUndefined();
    expect(node.sent.map((s) => s.kind)).toEqual(['lock', 'unlock']);
  });

  it('the gate: the node waits for its part in one exec, then the Node is read again with short pauses until its heartbeat is newer than the restart, with no further exec', async () => {
    let reads = 0;
    const nodeStatus = { read: async () => (++reads < 3 ? { ready: 'True', heartbeat: 1000, reason: undefined } : { ready: 'True', heartbeat: 1001, reason: undefined }) };
    const { result, node } = await apply({}, { deps: { gate: { timeoutMs: 5_000, intervalMs: 50, nodeStatus } } });
    expect(result.status).toBe('applied');
    expect(reads).toBe(3);
    expect(node.count('probe')).toBe(1);
    // the probe the node ran waits on the node, /healthz included
    const probe = node.sent.find((s) => s.kind === 'probe')?.script ?? '';
    expect(probe).toContain('while :; do');
    expect(probe).toContain('10248/healthz');
  });

  it('a Node whose heartbeat stays old fails the gate at its timeout, the node probed again between the API windows', async () => {
    let rolledBack = false;
    // fresh again once the change is rolled back
    const nodeStatus = { read: async () => ({ ready: 'True', heartbeat: rolledBack ? 1001 : 1000, reason: undefined }) };
    const rollback = (): string => ((rolledBack = true), `NW_UNDONE file ${KCFG}\nNW_OWED kubelet\nNW_DONE rolled-back\n`);
    const { result, node } = await apply({ rollback }, { deps: { gate: { timeoutMs: 3_500, intervalMs: 50, nodeStatus } } });
    expect(result.status).toBe('rolled-back');
    expect(result.reason).toMatch(/^not healthy after 4s: Node node-1 has no heartbeat since the restart yet/);
    // one window of 3 s, then the node again, then the rest of the timeout
    expect(node.sent.slice(0, 5).map((s) => s.kind)).toEqual(['lock', 'write', 'restart', 'probe', 'probe']);
  });

  it('a node in sync: lock and unlock, nothing written', async () => {
    const { result, node } = await apply({}, { facts: nodeFacts(AFTER) });
    expect(result.status).toBe('in-sync');
    expect(result.touched).toBeUndefined();
    expect(node.sent.map((s) => s.kind)).toEqual(['lock', 'unlock']);
  });

  it('a lock held by another live run refuses the node, naming the holder; nothing is written and the lock is not released', async () => {
    const held = 'NW_LOCK held\nNW_HOLDER runId=20261203T110000Z-123456\nNW_HOLDER owner=alice@ci\nNW_HOLDER pid=77\nNW_HOLDER command=nodeward apply\nNW_HOLDER expires=1900000000\n';
    const { result, node } = await apply({ lock: held });
    expect(result.status).toBe('refused');
    expect(result.reason).toMatch(/^locked by run 20261203T110000Z-123456 \(alice@ci, pid 77: nodeward apply\) until 2030-/);
    expect(node.sent.map((s) => s.kind)).toEqual(['lock']);
    expect(result.touched).toBeUndefined();
  });

  it('a lock answer that makes no sense fails the node before anything is written', async () => {
    const { result, node } = await apply({ lock: 'garbage\n' });
    expect(result).toMatchObject({ status: 'failed', reason: 'the node answered the lock request with nothing sensible' });
    expect(node.count('write')).toBe(0);
  });

  it('a plan that is stale under the lock is refused, the difference named; nothing is written, the lock released', async () => {
    const { result, node } = await apply({}, { approved: 'other' });
    expect(result.status).toBe('refused');
    expect(result.reason).toMatch(/^stale plan: /);
    expect(node.sent.map((s) => s.kind)).toEqual(['lock', 'unlock']);
  });

  it("the plan the operator approved, still today's plan, is applied", async () => {
    const { result } = await apply({}, { approved: 'today' });
    expect(result.status).toBe('applied');
  });

  it("a change the guards refuse (cgroupfs for a systemd-cgroup containerd) never reaches the node's files", async () => {
    const facts = nodeFacts();
    const node = scriptedNode(host);
    const result = await applyNode(
      { host, entries: [entry({ set: { cgroupDriver: 'cgroupfs' } })], approved: undefined },
      { connector: node.connector, stateDir: '/var/lib/nodeward', runId: '20261203T120000Z-abcdef', lock: { owner: 'o', pid: 1, command: 'c', ttlSeconds: 60 }, gate: { timeoutMs: 1000, intervalMs: 5, nodeStatus: undefined }, hooks: {}, journal: undefined, signal: undefined, facts: fixedFacts(facts) },
    );
    expect(result.status).toBe('refused');
    expect(result.reason).toMatch(/cgroup/i);
    expect(node.sent.map((s) => s.kind)).toEqual(['lock', 'unlock']);
  });

  it('a write that fails before its first change (the backup) refuses the node as untouched', async () => {
    const { result, node } = await apply({ write: 'NW_FAIL backup-0 no space left on device\n' });
    expect(result.status).toBe('refused');
    expect(result.reason).toBe('write failed at backup-0: no space left on device');
    expect(result.touched).toBeUndefined();
    expect(node.count('rollback')).toBe(0);
  });

  it('a write that fails part-way is rolled back on the node: rolled-back, with what was undone', async () => {
    const { result, node } = await apply({
      write: 'NW_OK backup\nNW_OK op-0\nNW_FAIL op-1 mv: cannot move: read-only file system\n',
      rollback: `NW_UNDONE file ${KCFG}\nNW_OWED kubelet\nNW_DONE rolled-back\n`,
    });
    expect(result.status).toBe('rolled-back');
    expect(result.reason).toBe('write failed at op-1: mv: cannot move: read-only file system; undone: 1 file');
    expect(result).toMatchObject({ touched: true, undone: [`file ${KCFG}`], changes: 0 });
    // the restore is followed by a restart of what had loaded the run's file, behind the gate
    expect(node.sent.map((s) => s.kind)).toEqual(['lock', 'write', 'rollback', 'restart', 'probe', 'settle', 'unlock']);
  });

  it('a restart that fails its gate is rolled back, the owed restart done again and gated: rolled-back, with the unit\'s own words', async () => {
    const { result, node } = await apply({
      probe: (_script, call) => (call === 1 ? FAILED_PROBE : HEALTHY_PROBE),
      diagnosis: 'ActiveState=failed SubState=failed NRestarts=0 Result=exit-code\nkubelet: invalid configuration\n',
      rollback: `NW_UNDONE file ${KCFG}\nNW_OWED kubelet\nNW_DONE rolled-back\n`,
    });
    expect(result.status).toBe('rolled-back');
    expect(result.reason).toMatch(/^kubelet\.service failed \(exit-code\); kubelet: ActiveState=failed .*\| kubelet: invalid configuration; undone: 1 file$/);
    expect(node.sent.map((s) => s.kind)).toEqual(['lock', 'write', 'restart', 'probe', 'diagnosis', 'rollback', 'restart', 'probe', 'settle', 'unlock']);
    expect(result.restarted).toEqual(['kubelet']);
  });

  it('a rollback that itself fails leaves the node failed, its state rolling-back, with the command that finishes it', async () => {
    const { result } = await apply({
      write: 'NW_OK backup\nNW_FAIL op-0 disk on fire\n',
      rollback: 'NW_FAIL restore-0 cp: cannot create\n',
    });
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/ROLLBACK FAILED at restore-0: cp: cannot create \(run 20261203T120000Z-abcdef is left rolling-back on the node\)/);
    expect(result.left).toEqual({ state: 'rolling-back', finish: 'nodeward rollback 20261203T120000Z-abcdef --limit node-1' });
    expect(result.touched).toBe(true);
  });

  it("a write whose session is lost is read back from the node: the node's own rollback is reported, never 'untouched'", async () => {
    const { result, node, warnings } = await apply({
      write: lost(),
      inspect: `NW_NOW 1001\nNW_RUN rolled-back\nNW_NODE_UNDONE file ${KCFG}\n`,
    });
    expect(result.status).toBe('rolled-back');
    expect(result.reason).toBe('lost track of the write: the node session closed; the node rolled the run back by itself: undone 1 file');
    expect(result.touched).toBe(true);
    expect(warnings.some((w) => w.startsWith('lost track of the write'))).toBe(true);
    expect(node.sent.map((s) => s.kind)).toEqual(['lock', 'write', 'inspect', 'unlock']);
  });

  it('a write whose session is lost but that had finished on the node is finished through the gates: applied', async () => {
    const { result, node } = await apply({ write: lost(), inspect: 'NW_NOW 1001\nNW_RUN written\nNW_RUN_OWED kubelet\n' });
    expect(result).toMatchObject({ status: 'applied', changes: 1, restarted: ['kubelet'] });
    expect(node.sent.map((s) => s.kind)).toEqual(['lock', 'write', 'inspect', 'restart', 'probe', 'settle', 'unlock']);
  });

  it('a write lost where the run never started on the node refuses it as untouched', async () => {
    const { result } = await apply({ write: lost(), inspect: 'NW_NOW 1001\nNW_RUN none\n' });
    expect(result.status).toBe('refused');
    expect(result.touched).toBeUndefined();
    expect(result.reason).toMatch(/the run never started on the node: nothing was changed$/);
  });

  it('a write lost and a node that cannot be inspected: failed, state unknown, with what the node does by itself', async () => {
    let gone = false;
    const { result, node } = await apply(
      {
        write: () => {
          gone = true;
          return lost();
        },
      },
      { reachable: () => !gone },
    );
    expect(node.sent.map((s) => s.kind)).toEqual(['lock', 'write']);
    expect(result.reason).toMatch(/and the node could not be reached again to learn how far run 20261203T120000Z-abcdef got \(node-1: timed out connecting through the bastion\)/);
    expect(result.status).toBe('failed');
    expect(result.left?.state).toBe('unknown');
    expect(result.reason).toMatch(/a half-written run is rolled back by the node itself; to finish the job: nodeward apply --limit node-1; could not release the node lock/);
    expect(result.touched).toBe(true);
  });

  it('a lock that cannot be released keeps the outcome and says until when the node stays locked', async () => {
    const { result } = await apply({ unlock: lost() });
    expect(result.status).toBe('applied');
    expect(result.reason).toMatch(/^could not release the node lock \(node-1: the node session closed\): it stays until about 20\d\d-.*; a nodeward run from this machine takes the lock over/);
  });

  it('a node that cannot be reached at all is unreachable, nothing sent', async () => {
    const node = scriptedNode(host);
    const refusing = { ...node.connector, connect: async () => Promise.reject(new ConnectError('timeout', 'node-1: timed out', { host: 'node-1', hop: 'bastion' })) };
    const result = await applyNode({ host, entries: ENTRIES, approved: undefined }, { connector: refusing, stateDir: '/var/lib/nodeward', runId: '20261203T120000Z-abcdef', lock: { owner: 'o', pid: 1, command: 'c', ttlSeconds: 60 }, gate: { timeoutMs: 1000, intervalMs: 5, nodeStatus: undefined }, hooks: {}, journal: undefined, signal: undefined });
    expect(result).toMatchObject({ status: 'unreachable', reason: 'node-1: timed out' });
    expect(node.sent).toEqual([]);
  });

  it('an interrupted run does not start a node', async () => {
    const controller = new AbortController();
    controller.abort();
    const { result, node } = await apply({}, { deps: { signal: controller.signal } });
    expect(result).toMatchObject({ status: 'skipped', reason: 'interrupted before this node started' });
    expect(node.sent).toEqual([]);
  });
});
