import type { Command } from 'commander';
import { refusalReason } from '../../plan/refusal.ts';
import { wouldRefuse } from '../../plan/types.ts';
import { parseBatchSpec, parseFailureBudget } from '../../apply/batches.ts';
import type { NodeWork } from '../../apply/node-apply.ts';
import { applyFleet } from '../../apply/run.ts';
import { newRunId } from '../../node/run-state.ts';
import type { NodeOutcome } from '../../apply/types.ts';
import { assembleNodes, driftVerdict, type DriftVerdict } from '../../drift/assemble.ts';
import { defaultDriftStateDir, historyDir, readNodeHistory, readRunState, writeNodeHistory, writeRunState, type NodeHistory } from '../../drift/history.ts';
import { readForDrift, type DriftRead, type LockMode } from '../../drift/read.ts';
import { inShard, parseShard, shardLabel } from '../../drift/shard.ts';
import type { DriftReport } from '../../drift/types.ts';
import type { BenchmarkId } from '../../config/benchmark-ids.ts';
import { createRunJournal } from '../../journal/run-journal.ts';
import { renderDriftHtml } from '../../report/drift-html.ts';
import { renderDriftJUnit } from '../../report/drift-junit.ts';
import { driftToJson } from '../../report/drift-json.ts';
import { renderDriftMarkdown } from '../../report/drift-markdown.ts';
import { renderDriftPrometheus } from '../../report/drift-prometheus.ts';
import { renderDriftTable } from '../../report/drift-table.ts';
import { headline } from '../../report/drift-text.ts';
import { lintExposition } from '../../report/prometheus.ts';
import { writeReports } from '../../report/write.ts';
import { createApplyProgress } from '../../ui/apply-progress.ts';
import { palette } from '../../text/colors.ts';
import { createPlanProgress } from '../../ui/progress.ts';
import { InternalError, UsageError } from '../../util/errors.ts';
import { applyDeps, operator, type ApplyTuning } from '../apply-deps.ts';
import { addDisplayOptions, addGateOptions } from '../common-options.ts';
import { addConnectOptions, boundsFrom, connectorFor, positiveInt, type ConnectFlags } from '../connect-options.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { addInputOptions, inventoryPath, type InputOptionValues } from '../input-options.ts';
import { addOutputOptions, outputsFrom, type OutputFlags } from '../output-options.ts';
import { hintValues } from '../completion-hints.ts';
import { loadInputs, type Inputs } from '../../run/inputs.ts';
import { detectTerminal } from '../output.ts';
import { abortOnSignals } from '../signals.ts';
import { NODEWARD_VERSION } from '../version.ts';

const FORMATS = ['table', 'json', 'junit', 'markdown', 'prometheus', 'html'] as const;
type DriftFormat = (typeof FORMATS)[number];

interface DriftFlags extends ConnectFlags, InputOptionValues, OutputFlags, ApplyTuning {
  readonly fix?: boolean;
  readonly batch: string;
  readonly maxFailures: string;
  readonly lock: string;
  readonly lockTimeout: string;
  readonly sinceLast?: boolean;
  readonly shard?: string;
  readonly stateDir?: string;
  readonly color?: boolean;
  readonly quiet?: boolean;
  readonly exitOn: string;
  readonly diff: boolean;
}

/** `--exit-on`: which finding the status names when a run finds drift and unreachable nodes both. */
type ExitOn = 'both' | 'drift' | 'unreachable';

function exitFor(verdict: DriftVerdict, exitOn: ExitOn): ExitCode {
  switch (verdict) {
    case 'rollback-failed':
      return EXIT.rollbackFailed;
    case 'rolled-back':
      return EXIT.rolledBack;
    case 'error':
      return EXIT.error;
    case 'drift-and-unreachable':
      return exitOn === 'drift' ? EXIT.changes : exitOn === 'unreachable' ? EXIT.unreachable : EXIT.driftAndUnreachable;
    case 'unreachable':
      return EXIT.unreachable;
    case 'drift':
      return EXIT.changes;
    case 'clean':
      return EXIT.ok;
  }
}

function exitOnFlag(value: string): ExitOn {
  if (value !== 'both' && value !== 'drift' && value !== 'unreachable') throw new UsageError(`--exit-on ${JSON.stringify(value)}: must be both, drift or unreachable`);
  return value;
}

function lockMode(value: string): LockMode {
  if (value !== 'wait' && value !== 'skip') throw new UsageError(`--lock ${JSON.stringify(value)}: must be wait or skip`);
  return value;
}

/** --fix: the drifted nodes through apply's own per-node path (lock, re-read, stale check, guards, gates, rollback). */
async function fix(reads: readonly DriftRead[], inputs: Inputs, flags: DriftFlags, runId: string, signal: AbortSignal, terminal: ReturnType<typeof detectTerminal>): Promise<{ outcomes: Map<string, NodeOutcome>; stopped: string | undefined }> {
  const work: NodeWork[] = reads
    .filter((r) => r.plan.status === 'changes' && r.locked === undefined && !wouldRefuse(r.plan))
    .map((r) => ({ host: r.host, entries: inputs.entriesByHost.get(r.host.name) ?? [], approved: r.plan }));
  // the guards already refused these: not contacted again for nothing
  const refused = reads.filter((r) => r.locked === undefined && wouldRefuse(r.plan)).map((r): NodeOutcome => ({ name: r.host.name, status: 'refused', reason: refusalReason(r.plan), changes: 0, restarted: [], durationMs: 0 }));
  if (work.length === 0) return { outcomes: new Map(refused.map((o) => [o.name, o])), stopped: undefined };
  const journal = await createRunJournal({
    runId,
    command: 'drift --fix',
    operator: operator(),
    reason: 'drift correction',
    startedAt: new Date().toISOString(),
    inventory: inputs.inventory.file,
    playbooks: inputs.playbooks.map((p) => p.file),
    options: { batch: flags.batch, maxFailures: flags.maxFailures, healthTimeout: flags.healthTimeout, lock: flags.lock, shard: flags.shard ?? null },
  });
  if (flags.quiet !== true) process.stderr.write(`run ${runId}: fixing drift on ${work.length} node(s) in batches ${flags.batch}; journal ${journal.path}\n`);
  const connector = connectorFor(inputs.inventory, flags);
  const progress = createApplyProgress({ tty: terminal.liveProgress, quiet: flags.quiet === true, write: (line) => process.stderr.write(line) });
  const lockWait = lockMode(flags.lock) === 'wait' ? flags.lockTimeout : '0';
  try {
    const result = await applyFleet(
      work,
      { batches: parseBatchSpec(flags.batch), budget: parseFailureBudget(flags.maxFailures), concurrency: positiveInt(flags.concurrency, '--concurrency') },
      applyDeps({ inventory: inputs.inventory, connector, runId, command: `nodeward drift --fix ${process.argv.slice(3).join(' ')}`.trim(), tuning: { healthTimeout: flags.healthTimeout, lockTtl: flags.lockTtl, lockWait }, hooks: progress.hooks, journal, signal, bounds: boundsFrom(flags) }),
    );
    return { outcomes: new Map([...refused, ...result.outcomes].map((o) => [o.name, o])), stopped: result.stopped };
  } finally {
    await progress.finish();
    await connector.closeAll();
    await journal.finish();
  }
}

export function registerDrift(program: Command): void {
  const command = program
    .command('drift')
    .summary('scheduled drift report (and --fix): per node and rule, new/fixed/persisting, exit codes for schedulers')
    .description(
      'For cron, systemd timers and Kubernetes CronJobs: never prompts, never needs\n' +
        'a terminal. Plans the selected nodes (one read each) and reports their drift\n' +
        'per node and per playbook rule, compared with the previous run (new,\n' +
        'persisting, gone). --fix applies it through apply\'s own path, one node at a\n' +
        'time, stopping at the first failure, with every guard, health gate and\n' +
        'rollback. Reports go to stdout or files; the prometheus format is a\n' +
        'node_exporter textfile, written atomically.\n\n' +
        'Exit status: 0 no drift, 2 drift found (with --fix: found and fixed), 5 some\n' +
        'nodes unreachable (the others judged, none drifted), 6 drift found and some\n' +
        'nodes unreachable (--exit-on drift|unreachable: 2 or 5 instead), 1 errors,\n' +
        '3 a --fix was rolled back, 4 a rollback failed, 130 interrupted.',
    )
    .argument('[playbook...]', 'playbook files or names of bundled playbooks (default: all bundled)')
    .option('--since-last', 'report only drift the previous run did not find (exit 2 only for new drift)')
    .option('--fix', 'apply the drift: one node at a time, every guard and gate, rollback on failure')
    .option('--batch <sizes>', 'with --fix: rolling batch sizes (counts or percentages)', '1')
    .option('--max-failures <n|%>', 'with --fix: failure budget; once exceeded no further node is touched', '0')
    .option('--lock <wait|skip>', 'a node another nodeward run holds: skip it (reported locked) or wait for it', 'skip')
    .option('--lock-timeout <seconds>', 'with --lock wait: how long to wait per node', '300')
    .option('--shard <I/N>', 'only the nodes of shard I of N (0-based; stable hash of the node name); auto/N takes I from $JOB_COMPLETION_INDEX')
    .option('--state-dir <dir>', 'where runs are remembered (default: $XDG_STATE_HOME/nodeward/drift)')
    .option('--exit-on <both|drift|unreachable>', 'a run that finds drift and unreachable nodes exits 6 (both), 2 (drift) or 5 (unreachable)', 'both')
    .option('--no-diff', 'do not show the diffs of the drifted changes');
  addOutputOptions(command, FORMATS);
  hintValues(command, '--lock', { words: ['wait', 'skip'] });
  hintValues(command, '--exit-on', { words: ['both', 'drift', 'unreachable'] });
  addGateOptions(command, { lockWait: false, prefix: 'with --fix: ' });
  addDisplayOptions(command, 'no progress or summary on stderr');
  addInputOptions(command);
  addConnectOptions(command);
  command.addHelpText(
    'after',
    '\nExamples:\n' +
      '  nodeward drift -i inventory.yaml\n' +
      '  nodeward drift -i inventory.yaml --format json=drift.json --format prometheus=/var/lib/node_exporter/textfile/nodeward.prom\n' +
      '  nodeward drift -i inventory.yaml --fix -o markdown=drift.md\n' +
      '  nodeward drift -i inventory.yaml --format html=drift.html          # a page to open in a browser\n' +
      '  nodeward drift -i inventory.yaml --shard auto/4 --since-last     # pod of an Indexed Job with 4 completions\n' +
      '\nScheduling examples (systemd timer, cron, Kubernetes CronJob): see examples/ in the package.',
  );
  command.action((playbooks: string[], flags: DriftFlags) => runDrift(playbooks, flags));
}

async function runDrift(playbooks: readonly string[], flags: DriftFlags): Promise<void> {
  const outputs = outputsFrom<DriftFormat>(flags, FORMATS, (m) => process.stderr.write(`note: ${m}\n`));
  const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
  const mode = lockMode(flags.lock);
  const exitOn = exitOnFlag(flags.exitOn);
  if (flags.fix) {
    parseBatchSpec(flags.batch);
    parseFailureBudget(flags.maxFailures);
  }
  const signals = abortOnSignals(() => process.stderr.write('\ninterrupted: no new node starts; nodes in flight finish or roll back (Ctrl-C again to quit now)\n'));
  try {
    const startedAt = new Date();
    const runId = newRunId(startedAt);
    const inputs = await loadInputs({ inventory: inventoryPath(flags), limit: flags.limit ?? [], playbooks, acceptNew: flags.acceptNew, sshConfig: flags.sshConfig });
    const hosts = inShard(inputs.hosts, shard);
    const dir = historyDir(flags.stateDir ?? defaultDriftStateDir(), inputs.inventory.file, inputs.playbooks.map((p) => p.file));
    const previous = new Map((await Promise.all(hosts.map((h) => readNodeHistory(dir, h.name)))).flatMap((h): [string, NodeHistory][] => (h ? [[h.node, h]] : [])));
    const lastRun = await readRunState(dir, shardLabel(shard));
    const terminal = detectTerminal(flags.color);
    const connector = connectorFor(inputs.inventory, flags);
    const progress = createPlanProgress(hosts, { tty: terminal.liveProgress, quiet: flags.quiet === true || !terminal.liveProgress, write: (line) => process.stderr.write(line) });
    let reads: DriftRead[];
    try {
      reads = await readForDrift(hosts, inputs.entriesByHost, connector, { concurrency: positiveInt(flags.concurrency, '--concurrency'), signal: signals.signal, lock: { mode, timeoutMs: positiveInt(flags.lockTimeout, '--lock-timeout') * 1000, pollMs: 2000 } }, progress.hooks);
    } finally {
      await progress.finish();
      await connector.closeAll();
    }
    const fixed = flags.fix && !signals.signal.aborted ? await fix(reads, inputs, flags, runId, signals.signal, terminal) : { outcomes: new Map<string, NodeOutcome>(), stopped: undefined };
    const finishedAt = new Date();
    const { nodes, histories } = assembleNodes({ reads, entriesByHost: inputs.entriesByHost, previous, outcomes: fixed.outcomes, sinceLast: flags.sinceLast === true, runId, now: finishedAt.toISOString() });
    const exitCode = signals.signal.aborted ? EXIT.interrupted : exitFor(driftVerdict(nodes, fixed.outcomes), exitOn);
    const succeeded = exitCode === EXIT.ok || exitCode === EXIT.changes;
    const report: DriftReport = {
      version: 1,
      runId,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 100) / 10,
      inventory: inputs.inventory.file,
      playbooks: inputs.playbooks.map((p) => p.name),
      shard,
      fix: flags.fix === true,
      sinceLast: flags.sinceLast === true,
      previousRunAt: [...previous.values()].map((h) => h.at).sort().at(-1),
      lastSuccessAt: succeeded ? finishedAt.toISOString() : lastRun?.lastSuccessAt,
      nodes,
      exitCode,
      notes: fixed.stopped ? [`--fix stopped: ${fixed.stopped}`] : [],
    };
    // --no-diff: the changes' summaries without the diffs plan would show
    const shown: DriftReport = flags.diff ? report : { ...report, nodes: report.nodes.map((n) => ({ ...n, items: n.items.map(({ diff: _diff, ...item }) => item) })) };
    await writeReports(outputs, (format) => render(shown, format, terminal.color && outputs.some((o) => o.format === 'table' && o.file === undefined), inputs.inventory.benchmark), (text) => process.stdout.write(text));
    // remembered only after the reports are out: a failed write must not turn drift into "persisting"
    await Promise.all(histories.map((h) => writeNodeHistory(dir, h)));
    await writeRunState(dir, shardLabel(shard), { version: 1, runId, at: report.finishedAt, exitCode, lastSuccessAt: report.lastSuccessAt });
    if (flags.quiet !== true) process.stderr.write(`drift: ${headline(report)}; exit ${exitCode}\n`);
    process.exitCode = exitCode;
  } finally {
    signals.dispose();
  }
}

function render(report: DriftReport, format: DriftFormat, color: boolean, benchmark: BenchmarkId | undefined): string {
  switch (format) {
    case 'table':
      return renderDriftTable(report, palette(color));
    case 'json':
      return JSON.stringify(driftToJson(report), null, 2) + '\n';
    case 'junit':
      return renderDriftJUnit(report);
    case 'markdown':
      return renderDriftMarkdown(report);
    case 'html':
      return renderDriftHtml(report, { nodewardVersion: NODEWARD_VERSION, benchmark: benchmark ? `${benchmark} (the inventory's)` : "none set in the inventory: check picks one per node from its kubelet's version" });
    case 'prometheus': {
      const text = renderDriftPrometheus(report);
      const problems = lintExposition(text);
      if (problems.length > 0) throw new InternalError(`the Prometheus file would be invalid: ${problems.join('; ')}`);
      return text;
    }
  }
}
