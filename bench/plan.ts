/**
 * Issue 2's benchmark: plan 10, 50 and 100 lab nodes with nodeward and, in the same run, the
 * OpenSSH floor (`true` on every node in parallel through one multiplexed bastion connection).
 *
 *   npx tsx bench/plan.ts [--nodes 10,50,100] [--runs 3] [--playbooks kubelet,kernel,files] [--keep]
 *
 * Without --playbooks nodeward plans every bundled playbook (what `nodeward plan` does).
 *
 * Runs as root (the lab). Uses lab NODEWARD_LAB_ID (default 8), brings it up when needed and
 * takes it down at the end unless --keep. Logs and raw numbers go to /tmp/nodeward-bench<ID>/plan.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { labReset, readLabInfo } from '../lab/lab.ts';
import { must } from '../lab/run.ts';
import { bastionCounter } from './lib/bastion-counter.ts';
import { downLab, ensureLab, workDir, writeInventory } from './lib/bench-lab.ts';
import { busyness, machineLine } from './lib/machine.ts';
import { measure, type Measured } from './lib/measure.ts';
import { floorFiles } from './lib/openssh-floor.ts';
import { fixed, markdownTable, median, mib, span } from './lib/stats.ts';
import { handshakesCell, NODEWARD_CLI, REPO, readStats, type NodewardStats } from './lib/nodeward.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '10,50,100' },
    runs: { type: 'string', default: '3' },
    playbooks: { type: 'string', default: '' },
    keep: { type: 'boolean', default: false },
  },
});
const sizes = values.nodes.split(',').map(Number);
const runs = Number(values.runs);
const playbooks = values.playbooks.split(',').filter(Boolean);
const log = (line: string): void => void process.stderr.write(`${line}\n`);

interface Sample extends Measured {
  readonly tcp: number;
  readonly failures: number;
  readonly stats?: NodewardStats | undefined;
}

const dir = workDir('plan');
log(`machine: ${await machineLine()}`);
log('building dist/ (npm run build)');
await must('npm', ['run', '-s', 'build'], { cwd: REPO });
await ensureLab(Math.max(...sizes), log);
// Every run plans the seeded drift, whatever an earlier benchmark left on the nodes.
const info = await labReset(readLabInfo().nodes.slice(0, Math.max(...sizes)).map((node) => node.name));
const counter = bastionCounter(info.bastion.netns);
const floor = floorFiles(info, dir);
const logFile = path.join(dir, 'runs.log');
const results = new Map<string, Sample[]>();
const record = (key: string, sample: Sample): void => void results.set(key, [...(results.get(key) ?? []), sample]);

async function runFloor(n: number): Promise<Sample> {
  await counter.reset();
  const out = path.join(dir, `floor-${n}.out`);
  const m = await measure(['sh', floor.script, floor.config, String(n)], { logFile, stdoutFile: out, alsoCount: [floor.marker] });
  const failures = (readFileSync(out, 'utf8').match(/^FAIL /gm) ?? []).length + (m.exitCode === 0 ? 0 : 1);
  return { ...m, tcp: await counter.read(), failures };
}

async function runNodeward(n: number, inventory: string): Promise<Sample> {
  await counter.reset();
  const statsFile = path.join(dir, `stats-${n}.jsonl`);
  rmSync(statsFile, { force: true });
  const out = path.join(dir, `plan-${n}.json`);
  const m = await measure(['node', NODEWARD_CLI, 'plan', '-i', inventory, ...playbooks, '--json', '-q'], {
    logFile,
    stdoutFile: out,
    env: { ...process.env, NODEWARD_CONNECTION_STATS: statsFile },
  });
  const plan = JSON.parse(readFileSync(out, 'utf8')) as { nodes: { status: string }[] };
  const errors = plan.nodes.filter((node) => node.status === 'error').length;
  // exit 1 is a plan in which apply would refuse some node (a guard: the lab's cgroupfs nodes
  // without the containerd playbook), 2 one with changes: both are answers, not failures
  const failures = errors + (plan.nodes.length === n ? 0 : n - plan.nodes.length) + ([0, 1, 2].includes(m.exitCode) ? 0 : 1);
  return { ...m, tcp: await counter.read(), failures, stats: readStats(statsFile) };
}

for (const n of sizes) {
  const inventory = writeInventory(info, n, path.join(dir, `inventory-${n}.yaml`));
  for (let r = 0; r < runs; r++) {
    // Alternate who goes first so that neither always inherits a warmer machine.
    const order = r % 2 === 0 ? (['floor', 'nodeward'] as const) : (['nodeward', 'floor'] as const);
    for (const who of order) {
      const sample = who === 'floor' ? await runFloor(n) : await runNodeward(n, inventory);
      record(`${n}:${who}`, sample);
      log(`N=${n} run ${r + 1} ${who}: ${fixed(sample.wallSeconds, 2)} s, ${sample.tcp} bastion TCP, peak RSS ${mib(sample.peakRssBytes)}, failures ${sample.failures} (${busyness()})`);
    }
  }
}

const rows: string[][] = [];
for (const n of sizes) {
  for (const who of ['nodeward', 'floor'] as const) {
    const samples = results.get(`${n}:${who}`) ?? [];
    const stats = samples.flatMap((s) => (s.stats ? [s.stats] : []));
    rows.push([
      String(n),
      who === 'nodeward' ? 'nodeward plan' : 'OpenSSH floor (`true`)',
      fixed(median(samples.map((s) => s.wallSeconds)), 2),
      samples.map((s) => fixed(s.wallSeconds, 2)).join(', '),
      who === 'nodeward' ? span(stats.flatMap((s) => Object.values(s.execs))) : '1',
      span(samples.map((s) => s.tcp)),
      who === 'nodeward' ? handshakesCell(stats, span) : `${n} (no cap)`,
      mib(median(samples.map((s) => s.peakRssBytes))),
      String(samples.reduce((sum, s) => sum + s.failures, 0)),
    ]);
  }
}
const table = markdownTable(
  ['nodes', 'what', 'wall s (median)', 'wall s (all runs)', 'remote execs per node', 'TCP connections to the bastion', 'most handshakes in flight (at one bastion, at one node)', 'controller peak RSS', 'failures'],
  rows,
);
const header = `machine: ${await machineLine()}\nplaybooks: ${playbooks.length > 0 ? playbooks.join(', ') : 'every bundled one'}; runs per cell: ${runs}; finished ${new Date().toISOString()} (${busyness()})\n`;
writeFileSync(path.join(dir, 'results.md'), header + '\n' + table);
process.stdout.write(header + '\n' + table);
await counter.remove();
if (!values.keep) await downLab(log);
