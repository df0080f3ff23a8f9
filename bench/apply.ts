/**
 * Issue 16's apply benchmark: `nodeward apply --batch 100%` of N lab nodes next to, in the same
 * run, `nodeward plan` and the restart floor (bench/lib/restart-floor.mjs: restart containerd and
 * the kubelet on every node in parallel through one multiplexed bastion connection, poll /healthz
 * on the node, then wait for every Node Ready with a heartbeat newer than its restart). The goal
 * is apply ≤ 1.3 × (plan + floor).
 *
 *   npx tsx bench/apply.ts [--nodes 50,100] [--runs 3] [--playbooks kubelet,kernel,files] [--keep]
 *
 * Without --playbooks every bundled playbook (33 changes per node on the seeded lab). Every apply
 * starts from the seeded drift (lab reset). Runs as root; lab NODEWARD_LAB_ID (default 8); logs
 * and results in /tmp/nodeward-bench<ID>/apply.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { labReset, readLabInfo } from '../lab/lab.ts';
import { must } from '../lab/run.ts';
import { downLab, ensureLab, workDir, writeInventory } from './lib/bench-lab.ts';
import { busyness, machineLine } from './lib/machine.ts';
import { measure, type Measured } from './lib/measure.ts';
import { floorFiles } from './lib/openssh-floor.ts';
import { fixed, markdownTable, median, mib } from './lib/stats.ts';
import { NODEWARD_CLI, REPO } from './lib/nodeward.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '50,100' },
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
  readonly failures: number;
  readonly note: string;
}

const dir = workDir('apply');
log(`machine: ${await machineLine()}`);
await must('npm', ['run', '-s', 'build'], { cwd: REPO });
await ensureLab(Math.max(...sizes), log);
const info = readLabInfo();
const floor = floorFiles(info, dir);
const logFile = path.join(dir, 'runs.log');
const FLOOR = path.join(import.meta.dirname, 'lib', 'restart-floor.mjs');
const results = new Map<string, Sample[]>();
const record = (key: string, sample: Sample): void => void results.set(key, [...(results.get(key) ?? []), sample]);

async function runFloor(n: number): Promise<Sample> {
  const out = path.join(dir, `floor-${n}.out`);
  const m = await measure(['node', FLOOR, floor.config, String(n), info.apiserver.url], { logFile, stdoutFile: out, alsoCount: [floor.marker] });
  const text = readFileSync(out, 'utf8');
  const failures = (text.match(/^FAIL /gm) ?? []).length + (m.exitCode === 0 ? 0 : 1);
  return { ...m, failures, note: /^phases (.*)$/m.exec(text)?.[1] ?? '' };
}

async function runNodeward(n: number, inventory: string, command: 'plan' | 'apply'): Promise<Sample> {
  const out = path.join(dir, `${command}-${n}.json`);
  const args = command === 'plan' ? ['plan', '-i', inventory, ...playbooks, '--json', '-q'] : ['apply', '-i', inventory, ...playbooks, '--yes', '--batch', '100%', '--json', '-q'];
  const m = await measure(['node', NODEWARD_CLI, ...args], { logFile, stdoutFile: out, env: { ...process.env, XDG_STATE_HOME: path.join(dir, 'state') } });
  const json = JSON.parse(readFileSync(out, 'utf8')) as { nodes: { status: string }[] };
  const ok = command === 'plan' ? ['changes', 'in-sync'] : ['applied', 'in-sync'];
  const failures = json.nodes.filter((node) => !ok.includes(node.status)).length + (json.nodes.length === n ? 0 : n - json.nodes.length);
  return { ...m, failures, note: '' };
}

for (const n of sizes) {
  const names = info.nodes.slice(0, n).map((node) => node.name);
  const inventory = writeInventory(info, n, path.join(dir, `inventory-${n}.yaml`));
  for (let r = 0; r < runs; r++) {
    await labReset(names);
    // alternate: the floor first, then plan and apply on the seeded drift; or the other way round
    const floorFirst = r % 2 === 0;
    if (floorFirst) record(`${n}:floor`, await runFloor(n));
    record(`${n}:plan`, await runNodeward(n, inventory, 'plan'));
    record(`${n}:apply`, await runNodeward(n, inventory, 'apply'));
    if (!floorFirst) record(`${n}:floor`, await runFloor(n));
    const last = (k: string): Sample | undefined => results.get(`${n}:${k}`)?.at(-1);
    log(`N=${n} run ${r + 1}: floor ${fixed(last('floor')?.wallSeconds ?? 0, 2)} s (${last('floor')?.note}), plan ${fixed(last('plan')?.wallSeconds ?? 0, 2)} s, apply ${fixed(last('apply')?.wallSeconds ?? 0, 2)} s, failures ${['floor', 'plan', 'apply'].map((k) => last(k)?.failures).join('/')} (${busyness()})`);
  }
}

const rows = sizes.map((n) => {
  const get = (k: string): Sample[] => results.get(`${n}:${k}`) ?? [];
  const med = (k: string): number => median(get(k).map((s) => s.wallSeconds));
  // the ratio per run (same conditions), then its median
  const ratios = get('apply').map((a, i) => a.wallSeconds / ((get('plan')[i]?.wallSeconds ?? NaN) + (get('floor')[i]?.wallSeconds ?? NaN)));
  return [
    String(n),
    fixed(med('floor'), 2),
    get('floor').map((s) => s.note).join('; '),
    fixed(med('plan'), 2),
    fixed(med('apply'), 2),
    get('apply').map((s) => fixed(s.wallSeconds, 2)).join(', '),
    fixed(median(ratios), 2),
    mib(median(get('apply').map((s) => s.peakRssBytes))),
    ['floor', 'plan', 'apply'].map((k) => get(k).reduce((sum, s) => sum + s.failures, 0)).join(' / '),
  ];
});
const table = markdownTable(['nodes', 'restart floor s', 'floor phases', 'plan s', 'apply s (median)', 'apply s (all runs)', 'apply ÷ (plan + floor)', 'apply peak RSS', 'failures floor / plan / apply'], rows);
const header = `machine: ${await machineLine()}\nplaybooks: ${playbooks.length > 0 ? playbooks.join(', ') : 'every bundled one'}; runs: ${runs}; finished ${new Date().toISOString()} (${busyness()})\n`;
writeFileSync(path.join(dir, 'results.md'), header + '\n' + table);
process.stdout.write(header + '\n' + table);
if (!values.keep) await downLab(log);
