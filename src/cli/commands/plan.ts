import { Option, type Command } from 'commander';
import { wouldRefuse, type NodePlan, type Plan } from '../../plan/types.ts';
import { planToJson } from '../../plan/json.ts';
import { withKubernetes } from '../../plan/kubernetes.ts';
import { kubeStates } from '../kube-states.ts';
import type { HostSpec } from '../../config/types.ts';
import { planFleet, type NodeRead } from '../../run/plan-fleet.ts';
import { recordingConnector, type ScriptRecorder } from '../../transport/recording.ts';
import type { Connector } from '../../transport/types.ts';
import { palette } from '../../text/colors.ts';
import { createPlanProgress } from '../../ui/progress.ts';
import { DIFF_MODES, renderPlan, type DiffMode } from '../../ui/render-plan.ts';
import { writeReports } from '../../report/write.ts';
import { UsageError } from '../../util/errors.ts';
import { addDisplayOptions } from '../common-options.ts';
import { addConnectOptions, connectorFor, positiveInt, type ConnectFlags } from '../connect-options.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { loadInputs, type Inputs } from '../../run/inputs.ts';
import { writeFileAtomic } from '../../util/atomic-file.ts';
import { detectTerminal } from '../output.ts';
import { abortOnSignals } from '../signals.ts';
import { addInputOptions, inventoryPath, type InputOptionValues } from '../input-options.ts';
import { addOutputOptions, outputsFrom, type OutputFlags } from '../output-options.ts';
import { hintValues } from '../completion-hints.ts';
import { captureScripts } from '../show-scripts.ts';

export interface PlanFlags extends ConnectFlags, InputOptionValues, OutputFlags {
  readonly out?: string;
  readonly color?: boolean;
  /** `--diff MODE`; false with `--no-diff`; undefined where a command shows only the summary by default. */
  readonly diff?: string | false;
  readonly quiet?: boolean;
  /** `--allow-not-ready`: a node not Ready before the run may still have its kubelet restarted. */
  readonly allowNotReady?: boolean;
  readonly showScripts?: string;
}

/** --allow-not-ready, for every command that plans (plan shows what apply would refuse). */
export function addNotReadyOption(command: Command): Command {
  return command.option('--allow-not-ready', 'restart the kubelet also on nodes whose Node is not Ready before the run (refused by default: the health gate could not tell their failure from ours)');
}

export const PLAN_FORMATS = ['table', 'json'] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

/** `--diff MODE` (and `--no-diff`, the same as `--diff none`), with `fallback` when neither is given. */
export function diffMode(flags: Pick<PlanFlags, 'diff'>, fallback: DiffMode): DiffMode {
  if (flags.diff === false) return 'none';
  if (flags.diff === undefined) return fallback;
  if (!(DIFF_MODES as readonly string[]).includes(flags.diff)) throw new UsageError(`--diff ${JSON.stringify(flags.diff)}: must be one of ${DIFF_MODES.join(', ')}`);
  return flags.diff as DiffMode;
}

/** --diff (full, changed, none) and --no-diff; plan's default is `changed`, elsewhere only the summary. */
export function addDiffOptions(command: Command, what: string, fallback: string | undefined): Command {
  const option = new Option('--diff <mode>', `${what}: full (unified diffs), changed (only the lines that change) or none`);
  if (fallback) option.default(fallback);
  command.addOption(option).option('--no-diff', 'the same as --diff none');
  hintValues(command, '--diff', { words: DIFF_MODES });
  return command;
}

export interface PlannedFleet {
  readonly inputs: Inputs;
  readonly plan: Plan;
  /** Open connections to reuse for the changes (`keepConnections`); the caller closes them. */
  readonly connector: Connector | undefined;
}

/**
 * Shared by plan, apply and rollout: validate inputs, reach every node (bounded), read facts,
 * plan. `keepConnections` keeps every node's session for the changes that follow, so apply
 * logs in to each node once, not twice.
 */
export async function planFromFlags(
  playbooks: readonly string[],
  flags: PlanFlags,
  signal: AbortSignal,
  options: { keepConnections?: boolean; record?: ScriptRecorder; onRead?: (host: HostSpec, read: NodeRead) => void; beforeContact?: ((inputs: Inputs) => void) | undefined } = {},
): Promise<PlannedFleet> {
  const inputs = await loadInputs({ inventory: inventoryPath(flags), limit: flags.limit ?? [], playbooks, acceptNew: flags.acceptNew, sshConfig: flags.sshConfig });
  options.beforeContact?.(inputs);
  const terminal = detectTerminal(flags.color);
  const direct = connectorFor(inputs.inventory, flags);
  const connector = options.record ? recordingConnector(direct, options.record) : direct;
  const keep = options.keepConnections === true;
  const progress = createPlanProgress(inputs.hosts, { tty: terminal.liveProgress, quiet: flags.quiet === true || (!terminal.liveProgress && machineOnStdout(flags)), write: (line) => process.stderr.write(line) });
  // The Node list is one API call that needs nothing from the nodes: it runs while they are read
  // (at the end it added its whole round trip to every plan); its note waits for the progress.
  const notes: string[] = [];
  const pendingStates = kubeStates(inputs.inventory, inputs.hosts, (m) => notes.push(m));
  let nodes: NodePlan[];
  try {
    nodes = await planFleet(inputs.hosts, inputs.entriesByHost, connector, { concurrency: positiveInt(flags.concurrency, '--concurrency'), signal, closeEach: !keep, onRead: options.onRead }, progress.hooks);
  } catch (error) {
    await connector.closeAll();
    throw error;
  } finally {
    await progress.finish();
  }
  if (!keep) await connector.closeAll();
  const states = await pendingStates;
  for (const note of notes) process.stderr.write(`note: ${note}\n`);
  nodes = nodes.map((node) => withKubernetes(node, states.get(node.name), flags.allowNotReady === true));
  const plan: Plan = {
    version: 1,
    createdAt: new Date().toISOString(),
    inventory: inputs.sources.inventory,
    playbooks: inputs.sources.playbooks,
    limit: flags.limit ?? [],
    nodes,
  };
  return { inputs, plan, connector: keep ? connector : undefined };
}

/** Machine output on stdout: progress lines on a non-terminal stderr would only be noise in the log. */
function machineOnStdout(flags: OutputFlags): boolean {
  return flags.json === true || (flags.output !== undefined && !flags.output.startsWith('table'));
}

/**
 * apply and rollout, before they ask: the grouped summary and its footer; every change once per
 * target (as plan shows it) only with --diff MODE.
 */
export function renderPreview(plan: Plan, flags: Pick<PlanFlags, 'diff'>, color: boolean): string {
  const details = flags.diff !== undefined && flags.diff !== false;
  const text = renderPlan(plan, { palette: palette(color), diff: details ? diffMode(flags, 'changed') : 'none', details });
  const anyChanges = plan.nodes.some((n) => n.changes.length > 0);
  return details || !anyChanges ? text : `${text}Every change, once per target: add --diff changed (or --diff full for whole diffs; --diff none for none).\n`;
}

export function planExitCode(plan: Plan): ExitCode {
  // a node apply would refuse is as much an error as one that could not be planned
  if (plan.nodes.some((node) => node.status === 'error' || wouldRefuse(node))) return EXIT.error;
  if (plan.nodes.some((node) => node.status === 'changes')) return EXIT.changes;
  return EXIT.ok;
}

export function registerPlan(program: Command): void {
  const command = program
    .command('plan')
    .summary('show what apply would change on each node, as diffs')
    .description(
      'Reads every selected node in one round trip each (through the bastion) and shows, per node, the changes ' +
        'the playbooks need: file diffs, kubelet settings, sysctls (live and at boot), modes and owners, and the ' +
        'restarts they imply. Nothing on any node is changed.\n\n' +
        'The pre-flight guards run on the plan as apply would run them: a node whose changes apply would refuse ' +
        '(they would stop the kubelet, cut nodeward off, take forwarding away) is shown as refused, with the guard, ' +
        'its cause and what to do.\n\n' +
        'Exit status: 0 every node in sync, 2 changes pending, 1 an error or a node apply would refuse (other nodes are still planned and shown).',
    )
    .argument('[playbook...]', 'playbook files or names of bundled playbooks (default: all bundled)')
    .option('--out <file>', 'save the plan (JSON, mode 0600) for `nodeward apply --plan FILE`')
    .option(
      '--show-scripts <dir>',
      'also write every script an apply of this plan would send each node, for review before first use: ' +
        '<dir>/<node>/<nn>-<step>.sh (00-supervisor: the wrapper every script runs in; 01-facts: the script ' +
        'this plan just sent, byte for byte; then lock, write, confirm, restart/probe/settle per service, unlock, ' +
        'and the rollback and inspection apply sends only when a step fails or contact is lost). Built from the ' +
        'plan and the facts it read: nothing beyond that read reaches the nodes. A real apply uses its own run ' +
        'id and facts boundary; every other byte is the same. Files are mode 0600 (the write script holds the new content)',
    );
  addDiffOptions(command, 'how content diffs show', 'changed');
  addNotReadyOption(command);
  addOutputOptions(command, PLAN_FORMATS);
  addDisplayOptions(command);
  addInputOptions(command);
  addConnectOptions(command);
  command.addHelpText(
    'after',
    '\nExamples:\n  nodeward plan -i inventory.yaml\n  nodeward plan -i inventory.yaml kubelet --limit pool=general --diff full\n  nodeward plan -i inventory.yaml -o json | jq .summary\n  nodeward plan -i inventory.yaml --out plan.json && nodeward apply --plan plan.json\n  nodeward plan -i inventory.yaml --show-scripts review/ && less review/node-1/*.sh',
  );
  command.action(async (playbooks: string[], flags: PlanFlags) => {
    const signals = abortOnSignals(() => process.stderr.write('\ninterrupted: finishing the nodes in flight (Ctrl-C again to quit now)\n'));
    try {
      const outputs = outputsFrom(flags, PLAN_FORMATS, (m) => process.stderr.write(`note: ${m}\n`));
      const diff = diffMode(flags, 'changed');
      const capture = flags.showScripts !== undefined ? captureScripts() : undefined;
      const { plan } = await planFromFlags(playbooks, flags, signals.signal, capture ? { record: capture.record, onRead: capture.onRead } : {});
      if (capture && flags.showScripts !== undefined) {
        const files = await capture.write(flags.showScripts, plan);
        process.stderr.write(`${files.length} scripts for ${plan.nodes.length} node(s) written under ${flags.showScripts}\n`);
      }
      if (flags.out) await writeFileAtomic(flags.out, JSON.stringify(planToJson(plan), null, 2) + '\n', 0o600);
      const color = detectTerminal(flags.color).color;
      await writeReports(
        outputs,
        (format, file) => (format === 'json' ? JSON.stringify(planToJson(plan), null, 2) + '\n' : renderPlan(plan, { palette: palette(color && file === undefined), diff, details: true })),
        (text) => process.stdout.write(text),
      );
      const human = outputs.some((o) => o.format === 'table' && o.file === undefined);
      if (flags.out && human) process.stdout.write(`Plan saved to ${flags.out}. Apply exactly it with: nodeward apply --plan ${flags.out}\n`);
      process.exitCode = signals.signal.aborted ? EXIT.interrupted : planExitCode(plan);
    } finally {
      signals.dispose();
    }
  });
}
