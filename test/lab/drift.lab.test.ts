import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labFault, labHeal, labReset } from '../../lab/lab.ts';
import { lintExposition } from '../../src/report/prometheus.ts';
import { testcases, xmlProblems } from '../unit/report/xml-check.ts';
import { testLab } from './helpers.ts';
import { nodeward, onNode } from './nodeward.ts';

interface DriftJson {
  exitCode: number;
  summary: { byStatus: Record<string, number>; changes: { found: number; new: number; fixed: number } };
  rules: { rule: string; checks: string[]; nodes: string[] }[];
  nodes: { name: string; status: string; reason: string | null; counts: { found: number; new: number; persisting: number; fixed: number }; items: { kind: string; target: string; checks: string[]; rules: string[]; state: string; summary: string[] }[] }[];
}

const lab = testLab();
const inventory = lab.info.files.inventory;
const names = lab.info.nodes.map((n) => n.name);
const [n1 = 'node-1', n2 = 'node-2', n3 = 'node-3', n4 = 'node-4'] = names;
let state = '';
let out = '';

/** `nodeward drift` with this test's own history, its JSON report parsed. */
async function drift(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; json: DriftJson; stdout: string; stderr: string }> {
  const file = join(out, `drift-${Date.now()}.json`);
  const result = await nodeward(['drift', '-i', inventory, '--state-dir', state, '--format', `json=${file}`, '-q', ...args], { env });
  return { code: result.code, json: JSON.parse(await readFile(file, 'utf8')) as DriftJson, stdout: result.stdout, stderr: result.stderr };
}

const node = (json: DriftJson, name: string) => json.nodes.find((n) => n.name === name);

describe('nodeward drift (lab)', () => {
  beforeAll(async () => {
    await labHeal();
    await labReset();
    state = await mkdtemp(join(tmpdir(), 'nw-drift-state-'));
    out = await mkdtemp(join(tmpdir(), 'nw-drift-out-'));
  });

  afterAll(async () => {
    await labHeal();
    await labReset();
  });

  it('on the seeded lab exits 2 and writes every format in one run; the Prometheus file parses', async () => {
    const files = { json: join(out, 'd.json'), junit: join(out, 'd.xml'), markdown: join(out, 'd.md'), prometheus: join(out, 'textfile', 'nodeward.prom') };
    const result = await nodeward(['drift', '-i', inventory, '--state-dir', state, '--format', 'table', ...Object.entries(files).flatMap(([format, file]) => ['--format', `${format}=${file}`])]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toMatch(/nodeward drift: 5 of 5 node\(s\) with drift/);
    expect(result.stderr).toMatch(/^drift: 5 of 5 node\(s\) with drift; exit 2$/m);

    const json = JSON.parse(await readFile(files.json, 'utf8')) as DriftJson;
    expect(json.summary.byStatus['drift']).toBe(names.length);
    for (const n of json.nodes) expect(n.items.every((i) => i.state === 'new')).toBe(true);
    // catalogue ids where the rule has one
    const kubelet = node(json, n1)?.items.find((i) => i.kind === 'kubeletConfig');
    expect(kubelet?.checks).toEqual(expect.arrayContaining(['4.2.1', '4.2.4', '4.1.9']));
    expect(json.rules.find((r) => r.rule === 'kubelet/read-only-port-off')).toEqual({ rule: 'kubelet/read-only-port-off', checks: ['4.2.4', 'KCFG-10'], nodes: names, fixed: [] });

    const xml = await readFile(files.junit, 'utf8');
    expect(xmlProblems(xml)).toEqual([]);
    expect(testcases(xml).filter((c) => c.name.startsWith('kubelet/read-only-port-off') && c.body.includes('<failure'))).toHaveLength(names.length);
    expect(await readFile(files.markdown, 'utf8')).toMatch(/^# nodeward drift: 5 of 5 node\(s\) with drift\n[\s\S]*\| node-1 \| drift \|/);

    const prom = await readFile(files.prometheus, 'utf8');
    expect(lintExposition(prom)).toEqual([]);
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: prom, encoding: 'utf8' });
    if (!promtool.error) expect(promtool.status, promtool.stdout + promtool.stderr).toBe(0);
    for (const name of names) expect(prom).toMatch(new RegExp(`^nodeward_drift_node_changes\\{node="${name}"\\} [1-9]\\d*$`, 'm'));
    expect(prom).toMatch(/^nodeward_drift_last_success_timestamp_seconds\{shard="0\/1"\} \d{10}$/m);
    expect(prom).toMatch(/^nodeward_drift_duration_seconds\{shard="0\/1"\} [\d.]+$/m);
    // written atomically: no temp file left beside it, readable by node_exporter
    expect(await readdir(join(out, 'textfile'))).toEqual(['nodeward.prom']);
    expect(((await stat(files.prometheus)).mode & 0o777).toString(8)).toBe('644');
    const everything = result.stdout + result.stderr + (await Promise.all(Object.values(files).map((f) => readFile(f, 'utf8')))).join('');
    for (const secret of lab.info.secrets) expect(everything).not.toContain(secret);
  });

  it('a second run finds the same drift persisting; --since-last reports nothing new and exits 0', async () => {
    const again = await drift();
    expect(again.code).toBe(2);
    expect(node(again.json, n1)?.counts).toMatchObject({ new: 0, persisting: node(again.json, n1)?.counts.found });
    const sinceLast = await drift(['--since-last']);
    expect(sinceLast.code).toBe(0);
    expect(sinceLast.json.nodes.every((n) => n.items.length === 0 && n.status === 'drift')).toBe(true);
  });

  it('skips a node another run holds (--lock skip), and waits for it with --lock wait', async () => {
    const lock = (seconds: number) => `mkdir -p /var/lib/nodeward && printf 'runId=20261126T000000Z-abcdef\\nowner=someone@elsewhere\\npid=4242\\ncommand=nodeward apply\\nexpires=%s\\n' $(( $(date +%s) + ${seconds} )) > /var/lib/nodeward/lock`;
    await onNode(n3, lock(600));
    try {
      const skipped = await drift(['--limit', `${n2},${n3}`]);
      expect(skipped.code).toBe(2);
      expect(node(skipped.json, n3)).toMatchObject({ status: 'locked', reason: expect.stringContaining('locked by run 20261126T000000Z-abcdef (someone@elsewhere') });
      expect(node(skipped.json, n2)?.status).toBe('drift');
      // the holder finishes 3 s into our wait
      const release = new Promise((r) => setTimeout(r, 3000)).then(() => onNode(n3, 'rm -f /var/lib/nodeward/lock'));
      const started = Date.now();
      const waited = await drift(['--limit', n3, '--lock', 'wait', '--lock-timeout', '30']);
      await release;
      expect(node(waited.json, n3)?.status).toBe('drift');
      expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    } finally {
      await onNode(n3, 'rm -f /var/lib/nodeward/lock');
    }
  });

  it('covers the fleet in disjoint shards (--shard auto/2 as an Indexed Job pod would)', async () => {
    const shards = await Promise.all(['0', '1'].map((i) => drift(['--shard', 'auto/2'], { JOB_COMPLETION_INDEX: i })));
    const covered = shards.map((s) => s.json.nodes.map((n) => n.name));
    expect([...(covered[0] ?? []), ...(covered[1] ?? [])].sort()).toEqual([...names].sort());
    expect((covered[0] ?? []).filter((n) => covered[1]?.includes(n))).toEqual([]);
  });

  it('an unreachable node beside drifted ones exits 6 (--exit-on unreachable: 5), distinct from drift and errors; the others are still judged', async () => {
    await labFault('partition', n4);
    try {
      const prom = join(out, 'unreachable.prom');
      const result = await drift(['--connect-timeout', '3', '--format', `prometheus=${prom}`]);
      // neither finding hides the other from a scheduler
      expect(result.code).toBe(6);
      expect(node(result.json, n4)?.status).toBe('unreachable');
      expect(node(result.json, n1)?.status).toBe('drift');
      const text = await readFile(prom, 'utf8');
      expect(text).toContain(`nodeward_drift_node_status{node="${n4}",status="unreachable"} 1`);
      expect(text).toContain('nodeward_drift_exit_code{shard="0/1"} 6');
      expect((await drift(['--connect-timeout', '3', '--exit-on', 'unreachable'])).code).toBe(5);
    } finally {
      await labHeal('partition', n4);
    }
  });

  it('--fix converges one node at a time (exit 2, reported fixed); the next run exits 0; a hand edit shows as new drift on one node', async () => {
    const fixed = await drift(['--fix', '--health-timeout', '60']);
    expect(fixed.code, fixed.stderr).toBe(2);
    expect(fixed.json.nodes.map((n) => n.status)).toEqual(names.map(() => 'fixed'));
    expect(fixed.json.summary.changes.fixed).toBe(fixed.json.summary.changes.found);
    expect(fixed.json.nodes.every((n) => n.items.every((i) => (i as { fixed?: boolean }).fixed === true))).toBe(true);

    const clean = await drift();
    expect(clean.code).toBe(0);
    expect(clean.json.nodes.every((n) => n.status === 'in-sync')).toBe(true);

    await onNode(n2, "sed -i 's/^readOnlyPort: 0$/readOnlyPort: 10255/' /var/lib/kubelet/config.yaml && chmod 0644 /etc/kubernetes/kubelet.conf");
    const edited = await drift(['--since-last']);
    expect(edited.code).toBe(2);
    expect(edited.json.nodes.filter((n) => n.items.length > 0).map((n) => n.name)).toEqual([n2]);
    const items = node(edited.json, n2)?.items ?? [];
    expect(items.map((i) => [i.kind, i.state])).toEqual([
      ['kubeletConfig', 'new'],
      ['permissions', 'new'],
    ]);
    expect(items[0]).toMatchObject({ summary: ['readOnlyPort: 10255 → 0'], checks: ['4.2.4', 'KCFG-10'], rules: ['kubelet/read-only-port-off'] });
    expect(items[1]).toMatchObject({ target: '/etc/kubernetes/kubelet.conf', checks: ['4.1.5', '4.1.6'] });
    // seen once, it persists: not new any more
    expect((await drift(['--since-last'])).code).toBe(0);
  });
});
