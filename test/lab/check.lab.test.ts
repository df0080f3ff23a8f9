import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labFault, labHeal, labReset } from '../../lab/lab.ts';
import { testcases, xmlProblems } from '../unit/report/xml-check.ts';
import { VENDORED_VERSIONS } from '../oracle/kube-bench/definitions.ts';
import { testLab } from './helpers.ts';
import { compareWithKubeBench } from '../oracle/kube-bench/compare.ts';
import { kubeBenchOn } from './kube-bench-oracle.ts';
import { nodeward } from './nodeward.ts';
import { SHELL_VERDICTS, shellAudit } from './shell-audit.ts';

interface CheckJson {
  summary: { automatedFailing: number; nodeErrors: number };
  nodes: { name: string; status: string; benchmark: string | null; benchmarkReason: string }[];
  checks: { id: string; source: string; assessment: string; status: string; kubeBench: string | null; results: { node: string; status: string; failed: boolean; reasons: string[]; fixes: { kind: string; target: string; summary: string[] }[] }[] }[];
}

const lab = testLab();
const inventory = lab.info.files.inventory;
const names = lab.info.nodes.map((n) => n.name);

async function check(extra: string[] = []): Promise<{ code: number; json: CheckJson; stderr: string }> {
  const result = await nodeward(['check', '-i', inventory, '--format', 'json', '-q', ...extra]);
  return { code: result.code, json: JSON.parse(result.stdout) as CheckJson, stderr: result.stderr };
}

function status(json: CheckJson, id: string, node: string): { status: string; failed: boolean; fixes: { summary: string[] }[] } {
  const r = json.checks.find((c) => c.id === id)?.results.find((x) => x.node === node);
  if (!r) throw new Error(`no result for ${id} on ${node}`);
  return r;
}

/** nodeward's verdicts held against plain-shell audits over SSH, for every comparable check on every node. */
async function agreesWithShell(json: CheckJson): Promise<void> {
  for (const node of lab.info.nodes) {
    const audit = await shellAudit(lab.info, node.address);
    for (const [id, bad] of Object.entries(SHELL_VERDICTS)) {
      if (!json.checks.some((c) => c.id === id)) continue;
      const r = status(json, id, node.name);
      const fails = r.status === 'fail' || (r.status === 'warn' && r.failed);
      expect(fails, `${id} on ${node.name}: nodeward says ${r.status}, the shell audit sees ${JSON.stringify(audit)}`).toBe(bad(audit));
    }
  }
}

/**
 * The oracle: kube-bench's own definitions of every vendored benchmark version, run on every node as
 * kube-bench runs them, held against `nodeward check --benchmark VERSION` check by check.
 */
async function agreesWithKubeBench(phase: string): Promise<void> {
  const runs = new Map(await Promise.all(names.map(async (name) => [name, await kubeBenchOn(name)] as const)));
  const problems: string[] = [];
  for (const version of VENDORED_VERSIONS) {
    const { code, json, stderr } = await check(['--benchmark', version]);
    expect(code, stderr).not.toBe(1);
    const byNode = new Map([...runs].map(([name, all]) => [name, all.find((r) => r.version === version) ?? all[0]!]));
    const states = [...byNode.values()].flatMap((r) => r.verdicts.map((v) => v.state));
    // kube-bench decides (PASS and, before apply, FAIL) on these nodes: the comparison can fail
    expect(states.filter((st) => st === 'PASS').length, `${version} ${phase}: kube-bench passes something`).toBeGreaterThan(10);
    if (phase === 'before apply') expect(states, `${version}: kube-bench fails something on a seeded node`).toContain('FAIL');
    const c = compareWithKubeBench(version, byNode, json);
    process.stderr.write(`[kube-bench] ${version} ${phase}: ${c.agreed + c.documented} verdicts compared on ${names.length} nodes: ${c.agreed} agree, ${c.documented} documented deviations\n`);
    expect(c.agreed).toBeGreaterThan(names.length * 15);
    problems.push(...c.mismatches);
  }
  expect(problems).toEqual([]);
}

describe('nodeward check (lab)', () => {
  beforeAll(async () => {
    await labHeal();
    await labReset();
  });

  afterAll(async () => {
    await labHeal();
    await labReset();
  });

  it('fails the seeded items on every node with the change apply would make (exit 2), as plain-shell audits do', async () => {
    const { code, json, stderr } = await check();
    expect(code, stderr).toBe(2);
    expect(json.nodes.map((n) => [n.name, n.status])).toEqual(names.map((n) => [n, 'checked']));
    for (const node of names) {
      for (const id of ['4.1.1', '4.1.5', '4.1.9', '4.2.1', '4.2.2']) expect(status(json, id, node).status, `${id} on ${node}`).toBe('fail');
      expect(status(json, '4.2.4', node)).toMatchObject({ status: 'warn', failed: true, fixes: [expect.objectContaining({ summary: ['readOnlyPort: 10255 → 0'] })] });
      expect(status(json, '4.1.9', node).fixes[0]?.summary).toEqual(['mode 0644 → 0600']);
      expect(status(json, '4.2.7', node).status).toBe('pass');
    }
    // seeded per node: the CA is 0666 on odd nodes, rotateCertificates is set on even ones (CIS passes it unset; KCFG-10 does not)
    names.forEach((node, i) => {
      expect(status(json, '4.1.7', node).status, node).toBe(i % 2 === 0 ? 'warn' : 'pass');
      expect(status(json, '4.2.10', node).status, node).toBe('pass');
      expect(status(json, 'KCFG-10', node).fixes[0]?.summary, node).toEqual(expect.arrayContaining(i % 2 === 0 ? ['rotateCertificates: (unset) → true'] : ['readOnlyPort: 10255 → 0']));
    });
    // a check is judged by what it audits: the files entry that fixes the mode is pending, the owner is right
    for (const node of names) for (const id of ['4.1.2', '4.1.6', '4.1.8', '4.1.10', '4.2.5', '4.2.6', '4.2.8', '4.2.11']) expect(status(json, id, node).status, `${id} on ${node}`).toBe('pass');
    // each node judged by kube-bench's pick for its kubelet, saying so
    expect(json.nodes.map((n) => [n.benchmark, n.benchmarkReason])).toEqual(names.map(() => ['cis-1.11', "kubelet v1.31.4: kube-bench's choice for 1.31"]));
    await agreesWithShell(json);
  });

  it("matches kube-bench's own definitions on every check it decides, for every vendored benchmark version (seeded nodes, a cgroupfs one among them)", async () => {
    expect(lab.info.nodes.some((n) => n.cgroupDriver === 'cgroupfs')).toBe(true);
    expect(VENDORED_VERSIONS).toEqual(['cis-1.9', 'cis-1.10', 'cis-1.11', 'cis-1.12']);
    await agreesWithKubeBench('before apply');
  });

  it("judges by the inventory's benchmark when it names one", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nw-check-'));
    const file = join(dir, 'inventory.yaml');
    await writeFile(file, (await readFile(inventory, 'utf8')).replaceAll('./', `${lab.info.dir}/`) + 'benchmark: cis-1.10\n');
    const result = await nodeward(['check', '-i', file, '--format', 'json', '-q']);
    const json = JSON.parse(result.stdout) as CheckJson;
    expect(json.nodes.map((n) => [n.benchmark, n.benchmarkReason])).toEqual(names.map(() => ['cis-1.10', 'named by the inventory']));
    expect(json.checks.find((c) => c.id === '4.1.7')?.results.map((r) => r.status)).toEqual(names.map(() => 'warn')); // 600 in cis-1.10
    expect(json.checks.some((c) => c.id === '4.2.14')).toBe(false);
    expect((await nodeward(['check', '-i', inventory, '--benchmark', 'cis-2.0'])).stderr).toMatch(/--benchmark "cis-2.0": must be one of cis-1.9, cis-1.10, cis-1.11, cis-1.12/);
  });

  it('writes JUnit and JSON files in one run; secrets never appear', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nw-check-'));
    const result = await nodeward(['check', '-i', inventory, '-q', '--format', 'table', '--format', `junit=${join(dir, 'cis.xml')}`, '--format', `json=${join(dir, 'cis.json')}`]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/\[FAIL\] 4\.1\.9 .*\n {4}FAIL node-1/);
    expect(result.stdout).toMatch(/apply would: kubeletConfig \/var\/lib\/kubelet\/config\.yaml: readOnlyPort: 10255 → 0 \(restarts kubelet\)/);
    const xml = await readFile(join(dir, 'cis.xml'), 'utf8');
    expect(xmlProblems(xml)).toEqual([]);
    expect(testcases(xml).filter((c) => c.name.startsWith('4.1.9 ') && c.body.includes('<failure'))).toHaveLength(names.length);
    const all = result.stdout + xml + (await readFile(join(dir, 'cis.json'), 'utf8'));
    for (const secret of lab.info.secrets) expect(all).not.toContain(secret);
  });

  it('an unreachable node is an error (exit 1); the others are checked', async () => {
    const victim = names[1] ?? 'node-2';
    await labFault('partition', victim);
    try {
      const { code, json } = await check(['--connect-timeout', '3']);
      expect(code).toBe(1);
      expect(json.nodes.find((n) => n.name === victim)?.status).toBe('error');
      expect(status(json, '4.2.1', victim).status).toBe('error');
      expect(status(json, '4.2.1', names[0] ?? 'node-1').status).toBe('fail');
    } finally {
      await labHeal('partition', victim);
    }
  });

  it('after apply of the playbooks every automated check passes (exit 0), as plain-shell audits agree', async () => {
    const apply = await nodeward(['apply', '-i', inventory, '--yes', '--json', '-q', '--batch', '100%', '--health-timeout', '60']);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    const { code, json, stderr } = await check();
    expect(code, stderr).toBe(0);
    expect(json.summary.automatedFailing).toBe(0);
    const automated = json.checks.filter((c) => c.assessment === 'automated');
    for (const c of automated) {
      for (const r of c.results) {
        // only what an SSH read of the node cannot decide may stay WARN, and it says why
        if (r.status === 'warn') expect([c.id, r.reasons[0]]).toEqual(['4.3.1', expect.stringMatching(/^cannot decide: .*ConfigMap/)]);
        else expect(['pass', 'n/a'], `${c.id} on ${r.node}: ${r.status} ${r.reasons.join('; ')}`).toContain(r.status);
      }
    }
    // the seeded manual failures are fixed too
    for (const node of names) for (const id of ['4.2.4', '4.2.13', '4.2.14', '4.1.7', 'KCFG-10']) expect(status(json, id, node).status, `${id} on ${node}`).toBe('pass');
    await agreesWithShell(json);
    await agreesWithKubeBench('after apply');
  });
});
