import type { Command } from 'commander';
import { parseBatchSpec, parseFailureBudget } from '../../apply/batches.ts';
import type { NodeWork } from '../../apply/node-apply.ts';
import { applyFleet } from '../../apply/run.ts';
import { newRunId } from '../../node/run-state.ts';
import { leftChanges, type NodeOutcome } from '../../apply/types.ts';
import type { Connector } from '../../transport/types.ts';
import { createRunJournal } from '../../journal/run-journal.ts';
import { approvedFromSaved, readSavedPlan, type SavedPlan } from '../../plan/saved.ts';
import { refusalReason } from '../../plan/refusal.ts';
import { wouldRefuse, type NodePlan } from '../../plan/types.ts';
import { createApplyProgress } from '../../ui/apply-progress.ts';
import { palette } from '../../text/colors.ts';
import { askApproval } from '../../ui/prompts.ts';
import { renderOutcomes } from '../../ui/render-apply.ts';
import { describeNames } from '../../text/node-names.ts';
import { describeLock } from '../../ui/render-plan.ts';
import { writeReports } from '../../report/write.ts';
import { ConfigError, UsageError } from '../../util/errors.ts';
import { applyDeps, MAX_UNAVAILABLE_HELP, maxUnavailableOf, nonNegativeInt, operator, type ApplyTuning } from '../apply-deps.ts';
import { parseMaxUnavailable } from '../../apply/domains.ts';
import { labelFlag } from '../label-flag.ts';
import { addDisplayOptions, addGateOptions } from '../common-options.ts';
import { addConnectOptions, boundsFrom, connectorFor, positiveInt } from '../connect-options.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { loadInputs, type Inputs } from '../../run/inputs.ts';
import { addInputOptions, inventoryPath } from '../input-options.ts';
import { detectTerminal } from '../output.ts';
import { abortOnSignals } from '../signals.ts';
import { addOutputOptions, outputsFrom } from '../output-options.ts';
import { addDiffOptions, addNotReadyOption, diffMode, planFromFlags, renderPreview, type PlanFlags } from './plan.ts';

export const OUTCOME_FORMATS = ['table', 'json'] as const;

export interface ApplyFlags extends PlanFlags, ApplyTuning {
  readonly plan?: string;
  readonly yes?: boolean;
  readonly batch: string;
  readonly batchBy?: string;
  readonly maxUnavailable?: string;
  readonly maxFailures: string;
}

/** 0 only when every selected node ends applied or in sync. */
export function applyExitCode(outcomes: readonly NodeOutcome[]): ExitCode {
  if (outcomes.some((o) => o.status === 'failed')) return EXIT.rollbackFailed;
  if (outcomes.some((o) => o.status === 'rolled-back')) return EXIT.rolledBack;
  if (outcomes.every((o) => o.status === 'applied' || o.status === 'in-sync')) return EXIT.ok;
  return EXIT.error;
}

function unappliable(node: NodePlan): NodeOutcome {
  return { name: node.name, status: node.error?.code.startsWith('connect') ? 'unreachable' : 'refused', reason: node.error?.message, changes: 0, restarted: [], durationMs: 0 };
}

/** Saved plan: the inputs it was made from must be unchanged, else every node is refused. */
async function savedPlanWork(file: string, flags: ApplyFlags): Promise<Prepared> {
  const saved: SavedPlan = await readSavedPlan(file);
  const inputs = await loadInputs({ inventory: inventoryPath(flags, saved.inventory.file), limit: saved.limit, playbooks: saved.playbooks.map((p) => p.file), acceptNew: flags.acceptNew, sshConfig: flags.sshConfig });
  const changed = [inputs.sources.inventory, ...inputs.sources.playbooks].filter((source) => {
    const then = [saved.inventory, ...saved.playbooks].find((s) => s.file === source.file);
    return then?.sha256 !== source.sha256;
  });
  if (changed.length > 0) {
    throw new ConfigError(changed.map((s) => ({ file, line: 1, column: 1, message: `${s.file} changed since the plan was made; make a new plan` })));
  }
  const byName = new Map(inputs.hosts.map((host) => [host.name, host]));
  const work: NodeWork[] = [];
  const early: NodeOutcome[] = [];
  const discovery = inputs.inventory.discovery;
  for (const node of saved.nodes) {
    const host = byName.get(node.name);
    if (!host) {
      // the cluster is the node list: a Node removed since the plan is not an error of the plan
      if (discovery && !discovery.found.includes(node.name)) {
        const selector = discovery.labelSelector ? ` matching ${discovery.labelSelector}` : '';
        early.push({ name: node.name, status: 'skipped', reason: `no longer in the cluster (no Node ${node.kubernetes?.node ?? node.name}${selector})`, changes: 0, restarted: [], durationMs: 0 });
      }
      continue;
    }
    // the guards' verdict is part of the plan: a node it refused is not contacted again for nothing
    if (node.status === 'refused') early.push({ name: node.name, status: 'refused', reason: refusalReason(approvedFromSaved(node)), changes: 0, restarted: [], durationMs: 0 });
    else if (node.status === 'changes') work.push({ host, entries: inputs.entriesByHost.get(host.name) ?? [], approved: approvedFromSaved(node) });
    else if (node.status === 'in-sync') early.push({ name: node.name, status: 'in-sync', reason: undefined, changes: 0, restarted: [], durationMs: 0 });
    else early.push({ name: node.name, status: 'refused', reason: 'the node had an error when the plan was made', changes: 0, restarted: [], durationMs: 0 });
  }
  const planned = new Set(saved.nodes.map((n) => n.name));
  return { inputs, work, early, notPlanned: inputs.hosts.filter((h) => !planned.has(h.name)).map((h) => h.name) };
}

/** The human table is what stdout carries (the default): the plan shown before the question goes there too. */
export function humanOnStdout(flags: ApplyFlags | PlanFlags): boolean {
  return outputsFrom(flags, OUTCOME_FORMATS, () => undefined).some((o) => o.format === 'table' && o.file === undefined);
}

interface Prepared {
  readonly inputs: Inputs;
  readonly work: NodeWork[];
  readonly early: NodeOutcome[];
  /** The plan's open connections, reused for the changes. */
  readonly connector?: Connector | undefined;
  /** Nodes selected now that the saved plan does not cover (they joined the cluster since): named, never touched. */
  readonly notPlanned?: readonly string[] | undefined;
}

function notPlannedLine(names: readonly string[]): string {
  return names.length === 0 ? '' : `Not planned: ${describeNames(names)} (in the cluster since the plan was made; plan again to include ${names.length === 1 ? 'it' : 'them'}).\n`;
}

async function interactiveWork(playbooks: readonly string[], flags: ApplyFlags, signal: AbortSignal): Promise<Prepared | undefined> {
  const terminal = detectTerminal(flags.color);
  if (!flags.yes && !(process.stdin.isTTY && terminal.stdoutTty)) {
    throw new UsageError('refusing to apply without a terminal to confirm on: pass --yes (or apply a reviewed plan with --plan FILE)');
  }
  const { inputs, plan, connector } = await planFromFlags(playbooks, flags, signal, { keepConnections: true });
  const close = async (): Promise<void> => {
    await connector?.closeAll();
  };
  // with machine output stdout carries only the outcome; the plan still goes to the log
  const human = humanOnStdout(flags);
  (human ? process.stdout : process.stderr).write(renderPreview(plan, flags, terminal.color && human));
  // A node another run holds is not reported in sync: its state is in flight. With --lock-wait it
  // is waited for, then re-read: in sync by then is fine, anything but the plan shown is refused.
  const waits = nonNegativeInt(flags.lockWait ?? '0', '--lock-wait') > 0;
  const waitable = (n: NodePlan): boolean => n.lockedBy !== undefined && waits && n.status !== 'error';
  const early = plan.nodes
    .filter((n) => (n.status !== 'changes' || n.lockedBy || wouldRefuse(n)) && !waitable(n))
    .map((n): NodeOutcome => {
      if (n.lockedBy) return { name: n.name, status: 'refused', reason: describeLock(n.lockedBy), changes: 0, restarted: [], durationMs: 0 };
      if (wouldRefuse(n)) return { name: n.name, status: 'refused', reason: refusalReason(n), changes: 0, restarted: [], durationMs: 0 };
      return n.status === 'in-sync' ? { name: n.name, status: 'in-sync', reason: undefined, changes: 0, restarted: [], durationMs: 0 } : unappliable(n);
    });
  let chosen = plan.nodes.filter((n) => (n.status === 'changes' && !n.lockedBy && !wouldRefuse(n)) || waitable(n));
  if (chosen.length === 0) {
    await close();
    return { inputs, work: [], early };
  }
  if (!flags.yes) {
    const answer = await askApproval(plan.nodes);
    if (answer.kind === 'abort') {
      await close();
      return undefined;
    }
    if (answer.kind === 'some') chosen = chosen.filter((n) => answer.nodes.includes(n.name));
  }
  const byName = new Map(inputs.hosts.map((host) => [host.name, host]));
  const work = chosen.flatMap((node) => {
    const host = byName.get(node.name);
    return host ? [{ host, entries: inputs.entriesByHost.get(host.name) ?? [], approved: node }] : [];
  });
  return { inputs, work, early, connector };
}

export function registerApply(program: Command): void {
  const command = program
    .command('apply')
    .summary('make the planned changes: atomic writes, health-gated rolling restarts, automatic rollback')
    .description(
      'Plans, shows the plan and asks which nodes to apply to (or applies a saved plan with --plan, refusing ' +
        'every node whose state changed since). Per node: takes a node-side lock, re-reads its facts, refuses ' +
        'changes that would break it (guards), backs up every file it changes, writes atomically, sets sysctls ' +
        'live then persists them, restarts containerd and/or kubelet once, and waits for the health gate ' +
        '(unit active, /healthz ok, Node Ready with a fresh heartbeat). A node that fails the gate is rolled ' +
        'back byte for byte and restarted again. Nodes go in batches; the first batch is the canary.\n\n' +
        'Exit status: 0 every node applied or in sync, 3 a node was rolled back, 4 a rollback failed, ' +
        '1 anything else (refused, unreachable, skipped, bad input), 130 interrupted.',
    )
    .argument('[playbook...]', 'playbook files or names of bundled playbooks (default: all bundled)')
    .option('--plan <file>', 'apply a plan saved with `nodeward plan --out` (no prompt)')
    .option('-y, --yes', 'apply to every node with changes without asking')
    .option('--batch <sizes>', 'rolling batch sizes, Ansible serial style: counts or percentages, the last repeats', '1,25%')
    .option('--batch-by <label>', 'batches within one value of a node label at a time: every batch of one zone (for example topology.kubernetes.io/zone), then the next')
    .option('--max-unavailable <n|%>', MAX_UNAVAILABLE_HELP)
    .option('--max-failures <n|%>', 'failure budget; once exceeded no further node is touched', '0')
  addDiffOptions(command, 'also list every change before asking, as plan does, with diffs shown', undefined);
  addNotReadyOption(command);
  addOutputOptions(command, OUTCOME_FORMATS);
  addGateOptions(command, { lockWait: true });
  addDisplayOptions(command);
  addInputOptions(command);
  addConnectOptions(command);
  command.addHelpText('after', '\nExamples:\n  nodeward apply -i inventory.yaml\n  nodeward apply -i inventory.yaml --diff changed        # every change before the question, as plan shows them\n  nodeward apply -i inventory.yaml kubelet --batch 1,5,25% --max-failures 10%\n  nodeward plan --out plan.json && nodeward apply --plan plan.json');
  command.action(async (playbooks: string[], flags: ApplyFlags) => {
    const batches = parseBatchSpec(flags.batch);
    const budget = parseFailureBudget(flags.maxFailures);
    if (flags.maxUnavailable !== undefined) parseMaxUnavailable(flags.maxUnavailable);
    if (flags.batchBy !== undefined) labelFlag(flags.batchBy, '--batch-by');
    const outputs = outputsFrom(flags, OUTCOME_FORMATS, (m) => process.stderr.write(`note: ${m}\n`));
    if (flags.diff !== undefined) diffMode(flags, 'changed');
    const terminal = detectTerminal(flags.color);
    let notPlanned: readonly string[] = [];
    const report = (data: { runId: string | null; journal: string | null; stopped: string | null; nodes: readonly NodeOutcome[] }, human: () => string): Promise<void> =>
      writeReports(outputs, (format) => (format === 'json' ? JSON.stringify({ ...data, ...(flags.plan ? { notPlanned } : {}) }, null, 2) + '\n' : human() + notPlannedLine(notPlanned)), (t) => process.stdout.write(t));
    const signals = abortOnSignals(() => process.stderr.write('\ninterrupted: no new node will start; nodes in flight finish or roll back (Ctrl-C again to quit now)\n'));
    try {
      if (flags.plan && playbooks.length > 0) throw new UsageError('give either --plan FILE or playbooks, not both');
      const prepared = flags.plan ? await savedPlanWork(flags.plan, flags) : await interactiveWork(playbooks, flags, signals.signal);
      if (!prepared) {
        process.stderr.write('Aborted: nothing was changed.\n');
        process.exitCode = EXIT.error;
        return;
      }
      const { inputs, work, early } = prepared;
      notPlanned = prepared.notPlanned ?? [];
      if (work.length === 0) {
        await report({ runId: null, journal: null, stopped: null, nodes: early }, () => renderOutcomes(early, palette(terminal.color)));
        process.exitCode = applyExitCode(early);
        return;
      }
      const runId = newRunId();
      const journal = await createRunJournal({
        runId,
        command: 'apply',
        operator: operator(),
        reason: undefined,
        startedAt: new Date().toISOString(),
        inventory: inputs.inventory.file,
        playbooks: inputs.playbooks.map((p) => p.file),
        options: { batch: flags.batch, batchBy: flags.batchBy ?? null, maxUnavailable: flags.maxUnavailable ?? null, maxFailures: flags.maxFailures, healthTimeout: flags.healthTimeout, lockWait: flags.lockWait ?? '0', plan: flags.plan ?? null },
      });
      const shape = [`in batches ${flags.batch}`, ...(flags.batchBy ? [`by ${flags.batchBy}`] : []), ...(flags.maxUnavailable ? [`at most ${maxUnavailableOf(flags.maxUnavailable, work.length)} unavailable at once`] : [])].join(', ');
      process.stderr.write(`run ${runId}: applying to ${work.length} node(s) ${shape}; journal ${journal.path}\n`);
      const connector = prepared.connector ?? connectorFor(inputs.inventory, flags);
      const progress = createApplyProgress({ tty: terminal.liveProgress, quiet: flags.quiet === true, write: (line) => process.stderr.write(line) });
      let result;
      try {
        result = await applyFleet(
          work,
          { batches, batchBy: flags.batchBy, budget, concurrency: positiveInt(flags.concurrency, '--concurrency') },
          applyDeps({ inventory: inputs.inventory, connector, runId, command: `nodeward apply ${process.argv.slice(3).join(' ')}`.trim(), tuning: flags, hooks: progress.hooks, journal, signal: signals.signal, bounds: boundsFrom(flags), maxUnavailable: maxUnavailableOf(flags.maxUnavailable, work.length) }),
        );
      } finally {
        await progress.finish();
        await connector.closeAll();
        await journal.finish();
      }
      const outcomes = [...early, ...result.outcomes];
      const stopped = result.stopped;
      await report({ runId, journal: journal.path, stopped: stopped ?? null, nodes: outcomes }, () => {
        let text = renderOutcomes(outcomes, palette(terminal.color));
        if (stopped) {
          const untouched = result.outcomes.filter((o) => o.status === 'skipped').map((o) => o.name);
          text += `Stopped: ${stopped}.${untouched.length ? ` Untouched: ${describeNames(untouched)}.` : ''}\n`;
        }
        // "undo" is offered only where something of the run is (or may be) still in effect
        if (leftChanges(outcomes)) text += `Run ${runId}. Undo it with: nodeward rollback ${runId} -i ${inputs.inventory.file}\n`;
        else text += `Run ${runId}: no change of it is in effect on any node.\n`;
        return text;
      });
      process.exitCode = signals.signal.aborted ? EXIT.interrupted : applyExitCode(outcomes);
    } finally {
      signals.dispose();
    }
  });
}
