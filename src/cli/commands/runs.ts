import { resolve } from 'node:path';
import type { Command } from 'commander';
import { listRuns, readRunJournal, type RunRecord } from '../../journal/run-journal.ts';
import { palette } from '../../text/colors.ts';
import { renderTable } from '../../text/table.ts';
import { UsageError } from '../../util/errors.ts';
import { detectTerminal } from '../output.ts';
import { addOutputOptions, outputsFrom, type OutputFlags } from '../output-options.ts';
import { writeReports } from '../../report/write.ts';
import { OUTCOME_FORMATS } from './apply.ts';

interface RunsFlags extends OutputFlags {
  readonly inventory?: string;
  readonly since?: string;
  readonly color?: boolean;
}

/** `--since 24h`, `7d`, `30m` or a date: the earliest start time to list. */
export function parseSince(value: string, now = Date.now()): number {
  const relative = /^(\d+)\s*([smhd])$/.exec(value.trim());
  if (relative) {
    const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return now - Number(relative[1]) * unit * 1000;
  }
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new UsageError(`--since ${JSON.stringify(value)}: give a duration (30m, 24h, 7d) or a date (2026-12-01, 2026-12-01T10:00:00Z)`);
  return at;
}

/** "5 applied", "3 applied, 1 rolled-back, 1 failed": the run's outcome over its nodes. */
export function outcomeOf(run: RunRecord): string {
  const counts = new Map<string, number>();
  for (const node of Object.values(run.nodes)) counts.set(node.status, (counts.get(node.status) ?? 0) + 1);
  const text = [...counts].map(([status, n]) => `${n} ${status}`).join(', ') || 'no node';
  return run.finishedAt ? text : `${text} (unfinished)`;
}

function selected(runs: readonly RunRecord[], flags: RunsFlags): RunRecord[] {
  const inventory = flags.inventory === undefined ? undefined : resolve(flags.inventory);
  const since = flags.since === undefined ? undefined : parseSince(flags.since);
  return runs.filter((run) => (inventory === undefined || resolve(run.inventory) === inventory) && (since === undefined || Date.parse(run.startedAt) >= since));
}

/** What `runs show` says of a run: per node its status, what it changed and what a rollback would restore. */
function renderRun(run: RunRecord): string {
  const lines = [
    `run ${run.runId}: ${run.command} by ${run.operator}, started ${run.startedAt}${run.finishedAt ? `, finished ${run.finishedAt}` : ', unfinished'}`,
    `inventory ${run.inventory}${run.playbooks.length > 0 ? `; playbooks ${run.playbooks.join(', ')}` : ''}${run.reason ? `; reason: ${run.reason}` : ''}`,
    '',
  ];
  const rows = Object.values(run.nodes).map((node) => {
    const undoable = node.status === 'applied' || node.status === 'failed' || node.status === 'pending';
    const restore = undoable && node.changes.length > 0 ? `${node.changes.length} change(s): ${node.changes.slice(0, 4).join(', ')}${node.changes.length > 4 ? ', …' : ''}` : '-';
    return [node.name, node.status, String(node.changes.length), node.restarted.join(',') || '-', restore, node.reason ?? ''];
  });
  lines.push(renderTable(['NODE', 'STATUS', 'CHANGES', 'RESTARTED', 'ROLLBACK WOULD RESTORE', 'REASON'], rows).trimEnd());
  const undoable = Object.values(run.nodes).some((node) => node.status === 'applied' || node.status === 'failed' || node.status === 'pending');
  if (undoable && !run.command.startsWith('rollback')) lines.push('', `Undo it with: nodeward rollback ${run.runId} -i ${run.inventory}   (it shows what it would restore, node by node, and asks)`);
  return lines.join('\n') + '\n';
}

export function registerRuns(program: Command): void {
  const runs = program
    .command('runs')
    .summary('list recorded runs (apply, rollout, drift --fix, rollback) from the local journal')
    .description(
      'Lists the runs recorded on this machine (newest last): what ran, on which inventory, when, by whom, on how ' +
        'many nodes and how it ended. `nodeward runs show RUN_ID` tells per node what the run did and what a ' +
        'rollback would restore.',
    )
    .option('-i, --inventory <file>', 'only runs of this inventory')
    .option('--since <when>', 'only runs started since: a duration (30m, 24h, 7d) or a date')
    .option('--no-color', 'no colors');
  addOutputOptions(runs, OUTCOME_FORMATS);
  runs.addHelpText('after', '\nExamples:\n  nodeward runs -i inventory.yaml --since 24h\n  nodeward runs show 20261203T143642Z-eeca76');
  runs.action(async (flags: RunsFlags) => {
    const outputs = outputsFrom(flags, OUTCOME_FORMATS, (m) => process.stderr.write(`note: ${m}\n`));
    const list = selected(await listRuns(), flags);
    const human = (): string => {
      const p = palette(detectTerminal(flags.color).color && outputs.some((o) => o.format === 'table' && o.file === undefined));
      const rows = list.map((run) => [run.runId, run.command, run.inventory, run.startedAt.replace(/\.\d+Z$/, 'Z'), run.operator, String(Object.keys(run.nodes).length), outcomeOf(run)]);
      return rows.length === 0 ? 'no runs recorded' + (flags.inventory || flags.since ? ' that match' : '') + '\n' : renderTable(['RUN', 'COMMAND', 'INVENTORY', 'STARTED', 'OPERATOR', 'NODES', 'OUTCOME'], rows, p.bold);
    };
    await writeReports(outputs, (format) => (format === 'json' ? JSON.stringify(list, null, 2) + '\n' : human()), (t) => process.stdout.write(t));
  });
  const show = runs
    .command('show')
    .description('one run, per node: its status, what it changed, what it restarted and what a rollback would restore')
    .argument('<run-id>', 'the run');
  addOutputOptions(show, OUTCOME_FORMATS);
  show.action(async (runId: string, flags: OutputFlags) => {
    const outputs = outputsFrom(flags, OUTCOME_FORMATS, (m) => process.stderr.write(`note: ${m}\n`));
    const run = await readRunJournal(runId);
    await writeReports(outputs, (format) => (format === 'json' ? JSON.stringify(run, null, 2) + '\n' : renderRun(run)), (t) => process.stdout.write(t));
  });
}
