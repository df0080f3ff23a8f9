import type { Command } from 'commander';
import { wouldRefuse, type NodePlan, type Plan } from '../../plan/types.ts';
import { planToJson } from '../../plan/json.ts';
import { planFleet } from '../../run/plan-fleet.ts';
import type { Connector } from '../../transport/types.ts';
import { palette } from '../../ui/colors.ts';
import { createPlanProgress } from '../../ui/progress.ts';
import { renderPlan } from '../../ui/render-plan.ts';
import { addDisplayOptions } from '../common-options.ts';
import { addConnectOptions, connectorFor, positiveInt, type ConnectFlags } from '../connect-options.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { loadInputs, type Inputs } from '../inputs.ts';
import { detectTerminal, writeFileAtomic } from '../output.ts';
import { abortOnSignals } from '../signals.ts';
import { addInputOptions, inventoryPath, type InputOptionValues } from '../input-options.ts';

export interface PlanFlags extends ConnectFlags, InputOptionValues {
  readonly json?: boolean;
  readonly out?: string;
  readonly color?: boolean;
  readonly diff: boolean;
  readonly quiet?: boolean;
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
export async function planFromFlags(playbooks: readonly string[], flags: PlanFlags, signal: AbortSignal, options: { keepConnections?: boolean } = {}): Promise<PlannedFleet> {
  const inputs = await loadInputs({ inventory: inventoryPath(flags), limit: flags.limit ?? [], playbooks });
  const terminal = detectTerminal(flags.color);
  const connector = connectorFor(inputs.inventory, flags);
  const keep = options.keepConnections === true;
  const progress = createPlanProgress(inputs.hosts, { tty: terminal.stderrTty, quiet: flags.quiet === true || flags.json === true && !terminal.stderrTty, write: (line) => process.stderr.write(line) });
  let nodes: NodePlan[];
  try {
    nodes = await planFleet(inputs.hosts, inputs.entriesByHost, connector, { concurrency: positiveInt(flags.concurrency, '--concurrency'), signal, closeEach: !keep }, progress.hooks);
  } catch (error) {
    await connector.closeAll();
    throw error;
  } finally {
    await progress.finish();
  }
  if (!keep) await connector.closeAll();
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
    .option('--json', 'print the plan as JSON on stdout')
    .option('--out <file>', 'save the plan (JSON, mode 0600) for `nodeward apply --plan FILE`')
    .option('--no-diff', 'do not show content diffs');
  addDisplayOptions(command);
  addInputOptions(command);
  addConnectOptions(command);
  command.addHelpText(
    'after',
    '\nExamples:\n  nodeward plan -i inventory.yaml\n  nodeward plan -i inventory.yaml kubelet --limit pool=general\n  nodeward plan -i inventory.yaml --out plan.json && nodeward apply --plan plan.json',
  );
  command.action(async (playbooks: string[], flags: PlanFlags) => {
    const signals = abortOnSignals(() => process.stderr.write('\ninterrupted: finishing the nodes in flight (Ctrl-C again to quit now)\n'));
    try {
      const { plan } = await planFromFlags(playbooks, flags, signals.signal);
      if (flags.out) await writeFileAtomic(flags.out, JSON.stringify(planToJson(plan), null, 2) + '\n', 0o600);
      if (flags.json) process.stdout.write(JSON.stringify(planToJson(plan), null, 2) + '\n');
      else process.stdout.write(renderPlan(plan, { palette: palette(detectTerminal(flags.color).color), diffs: flags.diff }));
      if (flags.out && !flags.json) process.stdout.write(`Plan saved to ${flags.out}. Apply exactly it with: nodeward apply --plan ${flags.out}\n`);
      process.exitCode = signals.signal.aborted ? EXIT.interrupted : planExitCode(plan);
    } finally {
      signals.dispose();
    }
  });
}
