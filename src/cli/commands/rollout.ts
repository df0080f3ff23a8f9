import type { Command } from 'commander';
import { hostname } from 'node:os';
import { parseFailureBudget } from '../../apply/batches.ts';
import { isSuccess, leftChanges, type NodeOutcome } from '../../apply/types.ts';
import type { RunAttempt } from '../../journal/run-journal.ts';
import { withAdopted } from '../../rollout/adopt.ts';
import { createHealthCheck } from '../../rollout/node-health.ts';
import type { PlanRollout, PreparedRollout } from '../../rollout/prepared.ts';
import { resumeRollout } from '../../rollout/resume.ts';
import { startRollout } from '../../rollout/start.ts';
import { previewWaves, rolloutFleet } from '../../rollout/run.ts';
import { parseWaveSpec } from '../../rollout/waves.ts';
import { createApplyProgress } from '../../ui/apply-progress.ts';
import { palette } from '../../text/colors.ts';
import { askNextWave, askRolloutApproval } from '../../ui/prompts.ts';
import { renderOutcomes } from '../../ui/render-apply.ts';
import { describeWave, renderWavePlan } from '../../ui/render-rollout.ts';
import { UsageError } from '../../util/errors.ts';
import { applyDeps, MAX_UNAVAILABLE_HELP, maxUnavailableOf, nonNegativeInt, operator, type ApplyTuning } from '../apply-deps.ts';
import { parseMaxUnavailable } from '../../apply/domains.ts';
import { labelFlag } from '../label-flag.ts';
import { addDisplayOptions, addGateOptions } from '../common-options.ts';
import { addConnectOptions, boundsFrom, connectorFor, positiveInt } from '../connect-options.ts';
import { EXIT } from '../exit-codes.ts';
import { addInputOptions, inventoryPath } from '../input-options.ts';
import type { Inputs } from '../../run/inputs.ts';
import { detectTerminal, type Terminal } from '../output.ts';
import { abortOnSignals } from '../signals.ts';
import { applyExitCode } from './apply.ts';
import { addOutputOptions, outputsFrom } from '../output-options.ts';
import { writeReports } from '../../report/write.ts';
import { describeNames } from '../../text/node-names.ts';
import { humanOnStdout, OUTCOME_FORMATS } from './apply.ts';
import { addDiffOptions, addNotReadyOption, diffMode, planFromFlags, renderPreview, type PlanFlags } from './plan.ts';

export interface RolloutFlags extends PlanFlags, ApplyTuning {
  readonly reason?: string;
  readonly waves: string;
  readonly soak: string;
  readonly pause?: boolean;
  readonly maxFailures: string;
  readonly wavesBy?: string;
  readonly maxUnavailable?: string;
  readonly drain?: boolean;
  readonly drainTimeout: string;
  readonly resume?: string;
  readonly yes?: boolean;
}

/** Options that shape a rollout; `--resume` takes them from the journal and refuses new values. */
const RECORDED = ['waves', 'wavesBy', 'maxUnavailable', 'soak', 'drain', 'drainTimeout', 'maxFailures', 'limit'] as const;

type Prepared = PreparedRollout<Inputs>;

/** Every problem with the command line at once: a tired operator fixes them in one go. */
function checkFlags(playbooks: readonly string[], flags: RolloutFlags, terminal: Terminal): void {
  const problems: string[] = [];
  const check = (test: () => void): void => {
    try {
      test();
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      problems.push(error.message);
    }
  };
  check(() => parseFailureBudget(flags.maxFailures));
  check(() => nonNegativeInt(flags.soak, '--soak'));
  check(() => nonNegativeInt(flags.lockWait ?? '0', '--lock-wait'));
  check(() => parseWaveSpec(flags.waves));
  if (flags.wavesBy !== undefined) check(() => labelFlag(flags.wavesBy ?? '', '--waves-by'));
  if (flags.maxUnavailable !== undefined) check(() => parseMaxUnavailable(flags.maxUnavailable ?? ''));
  if (flags.diff !== undefined) check(() => diffMode(flags, 'changed'));
  check(() => {
    const drainTimeout = positiveInt(flags.drainTimeout, '--drain-timeout');
    const health = positiveInt(flags.healthTimeout, '--health-timeout');
    if (flags.drain && positiveInt(flags.lockTtl, '--lock-ttl') < drainTimeout + 2 * health) {
      throw new UsageError(`--lock-ttl (${flags.lockTtl}s) must outlast a node's drain and two health gates (${drainTimeout + 2 * health}s), or another run could take the lock of a node still cordoned`);
    }
  });
  if (!flags.resume) {
    if ((flags.reason?.trim() ?? '') === '') problems.push('--reason is required: say why this patch must go out now (it is recorded with you and the run id)');
    if (playbooks.length === 0) problems.push('name the playbook(s) to roll out (files, or names of bundled playbooks)');
  }
  const interactive = process.stdin.isTTY && terminal.stdoutTty;
  if (flags.pause && !interactive) problems.push('--pause asks before each wave and needs a terminal; without one, use --soak and --max-failures');
  if (!flags.yes && !interactive) problems.push('refusing to start a rollout without a terminal to confirm on: pass --yes');
  if (problems.length === 1) throw new UsageError(problems[0] ?? '');
  if (problems.length > 1) throw new UsageError(`${problems.length} problems with this rollout:\n${problems.map((m) => `  - ${m}`).join('\n')}`);
}

/** The plan a rollout runs on: the CLI's plan with its flags, for the nodes and tunings the rollout gives. */
function planner(flags: RolloutFlags, signal: AbortSignal): PlanRollout<Inputs> {
  return (playbooks, overrides) =>
    planFromFlags(
      playbooks,
      {
        ...flags,
        ...(overrides.inventory !== undefined ? { inventory: overrides.inventory } : {}),
        ...(overrides.limit !== undefined ? { limit: [...overrides.limit] } : {}),
      },
      signal,
      { beforeContact: overrides.beforeContact },
    );
}

async function startFromFlags(playbooks: readonly string[], flags: RolloutFlags, signal: AbortSignal): Promise<Prepared> {
  // checkFlags has refused a missing reason or playbook
  return startRollout(
    {
      playbooks,
      reason: flags.reason?.trim() ?? '',
      waves: { spec: flags.waves, targets: parseWaveSpec(flags.waves) },
      soakSeconds: nonNegativeInt(flags.soak, '--soak'),
      drain: flags.drain === true,
      drainTimeoutSeconds: positiveInt(flags.drainTimeout, '--drain-timeout'),
      maxFailures: flags.maxFailures,
      wavesBy: flags.wavesBy?.trim() || undefined,
      maxUnavailable: flags.maxUnavailable || undefined,
      healthTimeout: flags.healthTimeout,
      lockTtl: flags.lockTtl,
      limit: flags.limit ?? [],
      lockWait: nonNegativeInt(flags.lockWait ?? '0', '--lock-wait') > 0,
    },
    planner(flags, signal),
  );
}

async function resumeFromFlags(runId: string, playbooks: readonly string[], flags: RolloutFlags, command: Command, signal: AbortSignal): Promise<Prepared> {
  const given = RECORDED.filter((name) => command.getOptionValueSource(name) === 'cli');
  if (playbooks.length > 0 || given.length > 0) {
    throw new UsageError(`--resume continues run ${runId} with the playbooks and options it recorded; drop ${[...(playbooks.length > 0 ? ['the playbooks'] : []), ...given.map((g) => `--${g.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)].join(', ')}`);
  }
  const fromCli = (name: 'healthTimeout' | 'lockTtl'): string | undefined => (command.getOptionValueSource(name) === 'cli' ? flags[name] : undefined);
  return resumeRollout(
    {
      runId,
      inventoryFor: (recorded) => inventoryPath(flags, recorded),
      sshConfig: flags.sshConfig,
      tuning: { healthTimeout: fromCli('healthTimeout'), lockTtl: fromCli('lockTtl') },
      lockWait: nonNegativeInt(flags.lockWait ?? '0', '--lock-wait') > 0,
    },
    planner(flags, signal),
  );
}

async function report(outcomes: readonly NodeOutcome[], prepared: Prepared, stopped: string | undefined, flags: RolloutFlags, terminal: Terminal, journal: string | null): Promise<void> {
  const human = (): string => {
    let text = renderOutcomes(outcomes, palette(terminal.color));
    if (stopped) {
      const untouched = outcomes.filter((o) => o.status === 'skipped').map((o) => o.name);
      text += `Stopped: ${stopped}.${untouched.length ? ` Untouched: ${describeNames(untouched)}.` : ''}\n`;
    }
    if (!journal) return text;
    const inventory = prepared.inputs?.inventory.file;
    const where = inventory ? ` -i ${inventory}` : '';
    if (outcomes.some((o) => !isSuccess(o.status))) text += `Continue it with: nodeward rollout --resume ${prepared.runId}${where}\n`;
    if (leftChanges(outcomes) || prepared.doneBefore > 0) text += `Run ${prepared.runId}. Undo it with: nodeward rollback ${prepared.runId}${where}\n`;
    else text += `Run ${prepared.runId}: no change of it is in effect on any node.\n`;
    return text;
  };
  const json = { runId: journal ? prepared.runId : null, attempt: journal ? prepared.attemptId : null, journal, stopped: stopped ?? null, nodes: outcomes };
  await writeReports(outputsFrom(flags, OUTCOME_FORMATS, () => undefined), (format) => (format === 'json' ? JSON.stringify(json, null, 2) + '\n' : human()), (t) => process.stdout.write(t));
}

async function execute(prepared: Prepared, flags: RolloutFlags, signal: AbortSignal, terminal: Terminal): Promise<NodeOutcome[] | undefined> {
  const { settings, work } = prepared;
  const human = humanOnStdout(flags);
  const out = human ? process.stdout : process.stderr;
  if (prepared.plan) out.write(renderPreview(prepared.plan, flags, terminal.color && human));
  if (work.waves.length === 0 || !prepared.inputs) {
    if (prepared.previous) process.stderr.write(`run ${prepared.runId}: nothing left to roll out (${prepared.doneBefore} of ${prepared.fleet} node(s) done)\n`);
    await report(work.early, prepared, undefined, flags, terminal, null);
    return work.early;
  }
  const inputs = prepared.inputs;
  const nodes = work.waves.flat().length;
  const maxUnavailable = maxUnavailableOf(settings.maxUnavailable, prepared.fleet);
  out.write(renderWavePlan(previewWaves(work.waves, prepared.canaryFirst, prepared.doneBefore, prepared.fleet), { reason: prepared.reason, soakSeconds: settings.soakSeconds, drain: settings.drain, by: settings.wavesBy, maxUnavailable }));
  if (!flags.yes && !(await askRolloutApproval(nodes))) {
    process.stderr.write('Aborted: nothing was changed.\n');
    return undefined;
  }
  const attempt: RunAttempt = { runId: prepared.attemptId, startedAt: new Date().toISOString(), operator: operator(), pid: process.pid, hostname: hostname(), reason: flags.reason?.trim() || prepared.reason };
  const journal = await prepared.openJournal(attempt);
  const resumed = prepared.attemptId !== prepared.runId ? ` (resumed as ${prepared.attemptId})` : '';
  process.stderr.write(`run ${prepared.runId}${resumed}: rolling out to ${nodes} node(s) in ${work.waves.length} wave(s) (${settings.waves}); journal ${journal.path}\n`);
  const connector = connectorFor(inputs.inventory, flags);
  const progress = createApplyProgress({ tty: terminal.liveProgress, quiet: flags.quiet === true, write: (line) => process.stderr.write(line) });
  let result;
  try {
    const tuning = { ...prepared.gate, lockWait: flags.lockWait };
    const command = `nodeward rollout ${process.argv.slice(3).join(' ')}`.trim();
    const drain = settings.drain ? { timeoutMs: settings.drainTimeoutSeconds * 1000 } : undefined;
    const deps = applyDeps({ inventory: inputs.inventory, connector, runId: prepared.attemptId, command, tuning, hooks: progress.hooks, journal, signal, drain, takeOverFrom: prepared.takeOverFrom, bounds: boundsFrom(flags), maxUnavailable });
    const soakMs = settings.soakSeconds * 1000;
    result = await rolloutFleet(
      {
        waves: work.waves,
        canaryFirst: prepared.canaryFirst,
        fleet: prepared.fleet,
        doneBefore: prepared.doneBefore,
        budget: parseFailureBudget(settings.maxFailures),
        concurrency: positiveInt(flags.concurrency, '--concurrency'),
        soak: { durationMs: soakMs, intervalMs: Math.min(5000, Math.max(1000, soakMs / 10)), strikes: 2 },
        health: createHealthCheck(connector, deps.gate.nodeStatus),
        confirmWave: flags.pause
          ? async (wave) => {
              await progress.finish();
              return askNextWave(describeWave(wave));
            }
          : undefined,
      },
      deps,
    );
  } finally {
    await progress.finish();
    await connector.closeAll();
    await journal.finish();
  }
  const outcomes = await withAdopted(work.early, result.outcomes, prepared.previous, prepared.attemptId, journal);
  await report(outcomes, prepared, result.stopped, flags, terminal, journal.path);
  return outcomes;
}

export function registerRollout(program: Command): void {
  const command = program
    .command('rollout')
    .summary('emergency patch rollout: canary, then cumulative waves, each gated by health (and a soak), stop the line on failure')
    .description(
      [
        'Rolls a patch (a playbook) out to the fleet today, safely. It plans and shows the',
        'plan, then applies it to a canary, then in waves. --waves gives cumulative targets:',
        '"1,10%,50%,100%" is the canary, then up to 10% of the nodes, then 50%, then all',
        "(apply's --batch gives the size of each batch instead). Every node goes through",
        "apply's lock, guards, backups, health gate and rollback. With --soak each wave but",
        'the last is held and watched; a node that turns unhealthy is rolled back and stops',
        'the line. The canary not taking the patch, a failed rollback or a spent',
        '--max-failures budget stop it too.',
        '',
        '--reason is recorded with you and the run id. `--resume RUN_ID` continues an',
        'interrupted rollout without touching the nodes already done; `nodeward rollback',
        'RUN_ID` undoes it. --drain cordons and evicts each node around its change',
        '(DaemonSet pods stay; a PodDisruptionBudget can make it time out) and always gives',
        'the node back its prior schedulability.',
        '',
        'Exit status: 0 every node applied or in sync, 3 a node was rolled back, 4 a',
        'rollback failed or a node could not be uncordoned, 1 anything else (the line',
        'stopped, refused, unreachable, bad input), 130 interrupted.',
      ]
        .join('\n')
        // paragraphs: commander wraps them to the terminal's width
        .replace(/(?<!\n)\n(?!\n)/g, ' '),
    )
    .argument('[playbook...]', 'the patch: playbook files or names of bundled playbooks')
    .option('--reason <text>', 'why this goes out now (required; recorded in the journal with the operator and run id)')
    .option('--waves <targets>', 'cumulative wave targets, counts or percentages of the nodes to patch; the first is the canary', '1,10%,50%,100%')
    .option('--waves-by <label>', 'waves by failure domain: the canary in one value of this node label (a zone), then one value at a time, --waves applying within each')
    .option('--max-unavailable <n|%>', MAX_UNAVAILABLE_HELP)
    .option('--soak <seconds>', 'hold each wave (but the last) this long, watching its nodes, before the next starts', '0')
    .option('--pause', 'ask before each wave after the canary (needs a terminal)')
    .option('--max-failures <n|%>', 'failure budget for the whole rollout; once exceeded the line stops', '0')
    .option('--drain', 'cordon and evict each node before its change, uncordon after (needs kubeconfig in the inventory)')
    .option('--drain-timeout <seconds>', 'longest a drain may take; then the node is uncordoned and refused', '300')
    .option('--resume <run-id>', 'continue an interrupted rollout: its recorded playbooks, options and waves; done nodes are skipped')
    .option('-y, --yes', 'start without asking (the plan and the waves are still shown)');
  addDiffOptions(command, 'also list every change before asking, as plan does, with diffs shown', undefined);
  addNotReadyOption(command);
  addOutputOptions(command, OUTCOME_FORMATS);
  addGateOptions(command, { lockWait: true });
  addDisplayOptions(command);
  addInputOptions(command);
  addConnectOptions(command);
  command.addHelpText(
    'after',
    '\nExamples:\n  nodeward rollout -i inventory.yaml fix-containerd.yaml --reason "CVE-2025-1234" --soak 300\n' +
      '  nodeward rollout -i inventory.yaml kubelet-flag.yaml --reason "INC-42" --waves 1,5,25%,100% --drain --pause\n' +
      '  nodeward rollout -i inventory.yaml kubelet --reason "INC-43" --waves-by topology.kubernetes.io/zone --max-unavailable 10% --drain\n' +
      '  nodeward rollout --resume 20261126T183500Z-a1b2c3 --yes',
  );
  command.action(async (playbooks: string[], flags: RolloutFlags, self: Command) => {
    const terminal = detectTerminal(flags.color);
    checkFlags(playbooks, flags, terminal);
    const signals = abortOnSignals(() => process.stderr.write('\ninterrupted: no new node or wave will start; nodes in flight finish or roll back (Ctrl-C again to quit now)\n'));
    try {
      const prepared = flags.resume ? await resumeFromFlags(flags.resume, playbooks, flags, self, signals.signal) : await startFromFlags(playbooks, flags, signals.signal);
      const outcomes = await execute(prepared, flags, signals.signal, terminal);
      if (!outcomes) process.exitCode = EXIT.error;
      else process.exitCode = signals.signal.aborted ? EXIT.interrupted : applyExitCode(outcomes);
    } finally {
      signals.dispose();
    }
  });
}
