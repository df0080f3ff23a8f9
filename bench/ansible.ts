/**
 * Issue 6's side-by-side benchmark: nodeward and Ansible on the same lab, bastion and job
 * (bench/nodeward/harden.yaml, bench/ansible/harden.yml). Phases, each from a freshly seeded
 * lab: plan (`nodeward plan` vs `ansible-playbook --check --diff`), apply, and a no-op re-run.
 *
 *   npx tsx bench/ansible.ts [--nodes 10,50,100] [--runs 3] [--latency-nodes 50] [--latency-ms 25] [--keep]
 *
 * Runs as root; installs Debian's ansible when missing. Lab NODEWARD_LAB_ID (default 8).
 * Logs and raw numbers: /tmp/nodeward-bench<ID>/ansible.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { labFault, labHeal, labReset } from '../lab/lab.ts';
import { must } from '../lab/run.ts';
import { ANSIBLE_PLAYBOOK, ansibleFailures, ensureAnsible, NODEWARD_PLAYBOOK, stopMasters, writeAnsibleSetup } from './lib/ansible-setup.ts';
import { bastionCounter } from './lib/bastion-counter.ts';
import { downLab, ensureLab, workDir, writeInventory } from './lib/bench-lab.ts';
import { busyness, machineLine } from './lib/machine.ts';
import { measure, type Measured } from './lib/measure.ts';
import { NODEWARD_CLI, REPO } from './lib/nodeward.ts';
import { fixed, markdownTable, median, mib } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '10,50,100' },
    runs: { type: 'string', default: '3' },
    'latency-nodes': { type: 'string', default: '50' },
    'latency-ms': { type: 'string', default: '25' },
    'latency-runs': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const sizes = values.nodes.split(',').filter(Boolean).map(Number);
const runs = Number(values.runs);
const latencyNodes = values['latency-nodes'] === '0' ? undefined : Number(values['latency-nodes']);
const latencyMs = Number(values['latency-ms']);
const latencyRuns = Number(values['latency-runs'] ?? values.runs);
const log = (line: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

type Tool = 'nodeward' | 'ansible';
type Phase = 'plan' | 'apply' | 'no-op';
interface Sample extends Measured {
  readonly tcp: number;
  readonly failures: number;
  readonly dropped: number;
}

const dir = workDir('ansible');
const logFile = path.join(dir, 'runs.log');
const results = new Map<string, Sample[]>();
const key = (scenario: string, n: number, phase: Phase, tool: Tool): string => `${scenario}|${n}|${phase}|${tool}`;

const machine = await machineLine();
log(`machine: ${machine}`);
const ansibleVersion = await ensureAnsible(log);
log(ansibleVersion);
await must('npm', ['run', '-s', 'build'], { cwd: REPO });
const info = await ensureLab(Math.max(...sizes, latencyNodes ?? 0), log);
const counter = bastionCounter(info.bastion.netns);
let sequence = 0;

async function runTool(tool: Tool, phase: Phase, n: number, scenario: string): Promise<Sample> {
  await counter.reset();
  const tag = `${scenario}-${n}-${phase}-${tool}-${++sequence}`;
  const out = path.join(dir, `${tag}.out`);
  let m: Measured;
  let failures = 0;
  let dropped = 0;
  if (tool === 'nodeward') {
    const inventory = writeInventory(info, n, path.join(dir, `nodeward-${n}.yaml`), { kubeconfig: false });
    const argv =
      phase === 'plan'
        ? ['node', NODEWARD_CLI, 'plan', '-i', inventory, NODEWARD_PLAYBOOK, '--json', '-q', `--concurrency=${Math.min(n, 100)}`]
        : ['node', NODEWARD_CLI, 'apply', '-i', inventory, NODEWARD_PLAYBOOK, '--yes', '--batch', '100%', '--json', '-q', `--concurrency=${Math.min(n, 100)}`];
    m = await measure(argv, { logFile, stdoutFile: out, timeoutMs: 30 * 60_000 });
    try {
      const nodes = (JSON.parse(readFileSync(out, 'utf8')) as { nodes: { status: string }[] }).nodes;
      const ok = phase === 'plan' ? ['changes', 'in-sync'] : ['applied', 'in-sync'];
      failures = nodes.filter((node) => !ok.includes(node.status)).length + Math.max(0, n - nodes.length);
    } catch {
      failures = n;
    }
  } else {
    const controlDir = `/tmp/nwb${info.id}-cp${sequence}`;
    const config = writeAnsibleSetup(info, n, path.join(dir, `ansible-${n}`), controlDir);
    const argv = ['ansible-playbook', ANSIBLE_PLAYBOOK, ...(phase === 'plan' ? ['--check', '--diff'] : [])];
    m = await measure(argv, {
      logFile,
      stdoutFile: out,
      env: { ...process.env, ANSIBLE_CONFIG: config, ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0' },
      alsoCount: [controlDir],
      timeoutMs: 30 * 60_000,
    });
    await stopMasters(controlDir);
    rmSync(controlDir, { recursive: true, force: true });
    const text = readFileSync(out, 'utf8');
    ({ hosts: failures, dropped } = ansibleFailures(text));
    if (!/PLAY RECAP/.test(text)) failures = n;
  }
  const sample = { ...m, tcp: await counter.read(), failures, dropped };
  results.set(key(scenario, n, phase, tool), [...(results.get(key(scenario, n, phase, tool)) ?? []), sample]);
  report();
  log(`${scenario} N=${n} ${phase} ${tool}: ${fixed(m.wallSeconds, 1)} s, exit ${m.exitCode}, ${sample.tcp} bastion TCP, RSS ${mib(m.peakRssBytes)} (PSS ${mib(m.peakPssBytes)}), failures ${failures}, dropped ${dropped} (${busyness()})`);
  return sample;
}

async function fresh(n: number): Promise<void> {
  const started = performance.now();
  await labReset(info.nodes.slice(0, n).map((node) => node.name));
  log(`reset ${n} nodes in ${fixed((performance.now() - started) / 1000, 1)} s`);
}

async function scenario(name: string, n: number, count: number): Promise<void> {
  for (let r = 0; r < count; r++) {
    const tools: Tool[] = r % 2 === 0 ? ['nodeward', 'ansible'] : ['ansible', 'nodeward'];
    await fresh(n);
    for (const tool of tools) await runTool(tool, 'plan', n, name);
    for (const [k, tool] of tools.entries()) {
      if (k > 0) await fresh(n);
      await runTool(tool, 'apply', n, name);
      await runTool(tool, 'no-op', n, name);
    }
  }
}

function report(): string {
  const rows: string[][] = [];
  for (const k of [...new Set([...results.keys()].map((x) => x.split('|').slice(0, 3).join('|')))]) {
    const [scenarioName = '', n = '', phase = ''] = k.split('|');
    const a = results.get(`${k}|ansible`) ?? [];
    const w = results.get(`${k}|nodeward`) ?? [];
    const wallA = median(a.map((s) => s.wallSeconds));
    const wallW = median(w.map((s) => s.wallSeconds));
    const sum = (list: Sample[], f: (s: Sample) => number): number => list.reduce((t, s) => t + f(s), 0);
    rows.push([
      scenarioName,
      n,
      phase,
      fixed(wallA, 1),
      fixed(wallW, 2),
      `${fixed(wallA / wallW, 1)}×`,
      `${mib(median(a.map((s) => s.peakRssBytes)))} (PSS ${mib(median(a.map((s) => s.peakPssBytes)))})`,
      mib(median(w.map((s) => s.peakRssBytes))),
      `${Math.max(...a.map((s) => s.tcp))} / ${Math.max(...w.map((s) => s.tcp))}`,
      `${sum(a, (s) => s.failures)} hosts, ${sum(a, (s) => s.dropped)} drops / ${sum(w, (s) => s.failures)}`,
    ]);
  }
  const table = markdownTable(
    ['network', 'nodes', 'phase', 'Ansible s', 'nodeward s', 'Ansible/nodeward', 'Ansible peak RSS', 'nodeward peak RSS', 'bastion TCP (A / nw)', 'failures (A / nw)'],
    rows,
  );
  const header = [
    `machine: ${machine}`,
    `${ansibleVersion}; runs per cell: ${runs} (WAN: ${latencyRuns}); wall = median; finished ${new Date().toISOString()} (${busyness()})`,
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'results.md'), header + '\n' + table);
  writeFileSync(path.join(dir, 'samples.json'), JSON.stringify(Object.fromEntries(results), null, 1));
  return header + '\n' + table;
}

for (const n of sizes) await scenario('LAN', n, runs);
if (latencyNodes !== undefined) {
  await labFault('latency', 'bastion', String(latencyMs));
  try {
    await scenario(`WAN ${latencyMs} ms each way`, latencyNodes, latencyRuns);
  } finally {
    await labHeal('latency');
  }
}

process.stdout.write(report());
await counter.remove();
if (!values.keep) await downLab(log);
