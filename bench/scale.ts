/**
 * Issue 6's thousand nodes: plan 100, 250, 500 and 1,000 lab nodes and show how time and
 * controller memory grow, next to the OpenSSH floor at each size in the same run (issue 16:
 * `true` on every node through one multiplexed bastion connection, as bench/plan.ts);
 * optionally a CPU profile of one plan (`node --cpu-prof`).
 *
 *   npx tsx bench/scale.ts [--nodes 100,250,500,1000] [--runs 3] [--per-machine 4] [--full] [--profile 500]
 *                          [--playbook bundled|FILE] [--max-handshakes N] [--no-floor] [--keep]
 *
 * nodeward runs with its default settings (the inventory with the lab's kubeconfig) unless
 * --max-handshakes is given.
 *
 * The job is issue 6's (bench/nodeward/harden.yaml) unless --playbook bundled (every bundled playbook).
 *
 * The lab presents 1,000 nodes as 250 machines with 4 sshd ports each, and runs only sshd on
 * them (--light) unless --full: see bench/README.md for why. Every node is still planned over
 * its own SSH session through the bastion, reading its real files. Lab NODEWARD_LAB_ID (default 8).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { labUp, readLabInfo } from '../lab/lab.ts';
import { tryReadLabInfo } from '../lab/info.ts';
import { must } from '../lab/run.ts';
import { bastionCounter } from './lib/bastion-counter.ts';
import { benchLabId, downLab, workDir, writeInventory } from './lib/bench-lab.ts';
import { busyness, machineLine } from './lib/machine.ts';
import { measure, type Measured } from './lib/measure.ts';
import { NODEWARD_PLAYBOOK } from './lib/ansible-setup.ts';
import { handshakesCell, NODEWARD_CLI, readStats, REPO, type NodewardStats } from './lib/nodeward.ts';
import { floorFiles } from './lib/openssh-floor.ts';
import { summarizeProfile } from './lib/profile-summary.ts';
import { fixed, markdownTable, median, mib, span } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '100,250,500,1000' },
    runs: { type: 'string', default: '3' },
    'per-machine': { type: 'string', default: '4' },
    full: { type: 'boolean', default: false },
    profile: { type: 'string' },
    // unset: nodeward's default (no fleet-wide bound; the per-sshd ones always apply)
    'max-handshakes': { type: 'string' },
    'no-floor': { type: 'boolean', default: false },
    playbook: { type: 'string', default: NODEWARD_PLAYBOOK },
    keep: { type: 'boolean', default: false },
  },
});
const sizes = values.nodes.split(',').map(Number);
const runs = Number(values.runs);
const perMachine = Number(values['per-machine']);
const light = !values.full;
const maxHandshakes = values['max-handshakes'];
const withFloor = !values['no-floor'];
const log = (line: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

interface Sample extends Measured {
  /** The controller's own CPU time (user + system), from GNU time. */
  readonly cpuSeconds: number;
  readonly tcp: number;
  readonly failures: number;
  readonly stats: NodewardStats | undefined;
}

const dir = workDir('scale');
const logFile = path.join(dir, 'runs.log');
const machine = await machineLine();
log(`machine: ${machine}`);
await must('npm', ['run', '-s', 'build'], { cwd: REPO });
benchLabId();
const want = Math.max(...sizes, Number(values.profile ?? 0));
const current = tryReadLabInfo();
const fits = current !== undefined && current.nodeCount >= want && (current.layout?.perMachine ?? 1) === perMachine && (current.layout?.light ?? false) === light;
if (!fits) {
  log(`lab ${benchLabId()}: up ${want} nodes, ${perMachine} per machine${light ? ', sshd only' : ''}`);
  const started = performance.now();
  await labUp(want, { perMachine, light, log: (line) => log(`  lab: ${line}`) });
  log(`lab up in ${fixed((performance.now() - started) / 1000, 1)} s`);
}
const info = readLabInfo();
const counter = bastionCounter(info.bastion.netns);
const floorScript = floorFiles(info, dir);

interface FloorSample {
  readonly wallSeconds: number;
  readonly failures: number;
}

/** OpenSSH's floor for n nodes; its memory is not sampled (thousands of ssh processes). */
async function floor(n: number): Promise<FloorSample> {
  const out = path.join(dir, `floor-${n}.out`);
  const m = await measure(['sh', floorScript.script, floorScript.config, String(n)], { logFile, stdoutFile: out, noMemory: true, timeoutMs: 20 * 60_000 });
  const failures = (readFileSync(out, 'utf8').match(/^FAIL /gm) ?? []).length + (m.exitCode === 0 ? 0 : 1);
  return { wallSeconds: m.wallSeconds, failures };
}

async function plan(n: number, extraNodeArgs: string[] = []): Promise<Sample> {
  await counter.reset();
  const inventory = writeInventory(info, n, path.join(dir, `inventory-${n}.yaml`));
  const statsFile = path.join(dir, `stats-${n}.jsonl`);
  rmSync(statsFile, { force: true });
  const out = path.join(dir, `plan-${n}.txt`);
  const playbooks = values.playbook === 'bundled' ? [] : [values.playbook];
  const timeFile = path.join(dir, `time-${n}.txt`);
  const m = await measure(['/usr/bin/time', '-f', '%U %S %M', '-o', timeFile, 'node', ...extraNodeArgs, NODEWARD_CLI, 'plan', '-i', inventory, ...playbooks, '-q', ...(maxHandshakes === undefined ? [] : [`--max-handshakes=${maxHandshakes}`])], {
    logFile,
    stdoutFile: out,
    env: { ...process.env, NODEWARD_CONNECTION_STATS: statsFile },
    timeoutMs: 20 * 60_000,
  });
  // The plan as a user sees it (grouped changes and the footer); the footer counts the nodes.
  // "Plan: N nodes, C changes, R restarts; … E errors" (src/report's footer)
  const summary = /^Plan: (\d+) nodes?, .*?(\d+) errors?$/m.exec(readFileSync(out, 'utf8'));
  const failures = summary ? Number(summary[2]) + Math.max(0, n - Number(summary[1])) : n;
  const [user = 0, system = 0, maxKib = 0] = (readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number);
  const peakRssBytes = Math.max(m.peakRssBytes, maxKib * 1024);
  return { ...m, peakRssBytes, cpuSeconds: user + system, tcp: await counter.read(), failures, stats: readStats(statsFile) };
}

const results = new Map<number, Sample[]>();
const floors = new Map<number, FloorSample[]>();
for (let r = 0; r < runs; r++) {
  for (const n of sizes) {
    // Alternate who goes first so that neither always inherits a warmer machine.
    for (const who of r % 2 === 0 || !withFloor ? ['nodeward', 'floor'] : ['floor', 'nodeward']) {
      if (who === 'floor') {
        if (!withFloor) continue;
        const sample = await floor(n);
        floors.set(n, [...(floors.get(n) ?? []), sample]);
        log(`N=${n} run ${r + 1} OpenSSH floor: ${fixed(sample.wallSeconds, 2)} s, failures ${sample.failures} (${busyness()})`);
        continue;
      }
      const sample = await plan(n);
      results.set(n, [...(results.get(n) ?? []), sample]);
      log(`N=${n} run ${r + 1}: ${fixed(sample.wallSeconds, 2)} s (controller CPU ${fixed(sample.cpuSeconds, 2)} s), RSS ${mib(sample.peakRssBytes)}, handshakes ≤ ${sample.stats?.maxHandshakesInFlight ?? '?'} (bastion ${sample.stats?.maxBastionHandshakes ?? '?'}, node ${sample.stats?.maxNodeHandshakes ?? '?'}), bastion TCP ${sample.tcp}, failures ${sample.failures} (${busyness()})`);
    }
  }
}

/** Least squares y = a + b·x and R². */
function fit(points: readonly (readonly [number, number])[]): { a: number; b: number; r2: number } {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const b = sxx === 0 ? 0 : sxy / sxx;
  const a = my - b * mx;
  const ssTot = points.reduce((s, [, y]) => s + (y - my) ** 2, 0);
  const ssRes = points.reduce((s, [x, y]) => s + (y - (a + b * x)) ** 2, 0);
  return { a, b, r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot };
}

const rows = sizes.map((n) => {
  const samples = results.get(n) ?? [];
  const wall = median(samples.map((s) => s.wallSeconds));
  const floorRuns = floors.get(n) ?? [];
  const floorWall = floorRuns.length > 0 ? median(floorRuns.map((s) => s.wallSeconds)) : undefined;
  const stats = samples.flatMap((s) => (s.stats ? [s.stats] : []));
  return [
    String(n),
    fixed(wall, 2),
    samples.map((s) => fixed(s.wallSeconds, 2)).join(', '),
    fixed((1000 * wall) / n, 1),
    floorWall === undefined ? '-' : `${fixed(floorWall, 2)} (${floorRuns.map((s) => fixed(s.wallSeconds, 2)).join(', ')})`,
    floorWall === undefined ? '-' : fixed(wall / floorWall, 2),
    fixed(median(samples.map((s) => s.cpuSeconds)), 2),
    mib(median(samples.map((s) => s.peakRssBytes))),
    span(stats.flatMap((s) => Object.values(s.execs))),
    span(samples.map((s) => s.tcp)),
    `${handshakesCell(stats, span)}${maxHandshakes === undefined ? '' : ` (fleet cap ${maxHandshakes})`}`,
    String(samples.reduce((t, s) => t + s.failures, 0)) + (withFloor ? ` / ${floorRuns.reduce((t, s) => t + s.failures, 0)}` : ''),
  ];
});
const time = fit(sizes.map((n) => [n, median((results.get(n) ?? []).map((s) => s.wallSeconds))]));
const cpu = fit(sizes.map((n) => [n, median((results.get(n) ?? []).map((s) => s.cpuSeconds))]));
const memory = fit(sizes.map((n) => [n, median((results.get(n) ?? []).map((s) => s.peakRssBytes)) / 2 ** 20]));
const table = markdownTable(
  ['nodes', 'wall s (median)', 'wall s (all runs)', 'ms per node', 'OpenSSH floor s (median, all runs)', 'nodeward ÷ floor', 'controller CPU s', 'controller peak RSS', 'execs per node', 'bastion TCP', 'most handshakes in flight (at one bastion, at one node)', withFloor ? 'failures (nodeward / floor)' : 'failures'],
  rows,
);
let report = [
  `machine: ${machine}`,
  `playbook: ${values.playbook === 'bundled' ? 'every bundled playbook' : path.relative(REPO, values.playbook)}`,
  `lab: ${info.nodeCount} nodes on ${Math.ceil(info.nodeCount / perMachine)} machines (${perMachine} sshd ports each${light ? ', sshd only' : ''}); runs per size: ${runs}; finished ${new Date().toISOString()} (${busyness()})`,
  '',
  table,
  `time ≈ ${fixed(time.a, 2)} s + ${fixed(time.b * 1000, 2)} ms × nodes (R² ${fixed(time.r2, 3)}); controller CPU ≈ ${fixed(cpu.a, 2)} s + ${fixed(cpu.b * 1000, 2)} ms × nodes (R² ${fixed(cpu.r2, 3)}); RSS ≈ ${fixed(memory.a, 0)} MiB + ${fixed(memory.b * 1024, 1)} KiB × nodes (R² ${fixed(memory.r2, 3)})`,
  '',
].join('\n');

if (values.profile !== undefined) {
  const n = Number(values.profile);
  const profileDir = path.join(dir, `profile-${n}`);
  rmSync(profileDir, { recursive: true, force: true });
  const sample = await plan(n, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
  report += `\nCPU profile of a ${n}-node plan (${fixed(sample.wallSeconds, 2)} s with the profiler on; files in ${profileDir}):\n\n${summarizeProfile(profileDir)}`;
}
writeFileSync(path.join(dir, 'results.md'), report);
process.stdout.write(report);
await counter.remove();
if (!values.keep) await downLab(log);
