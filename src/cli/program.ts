import { Command, CommanderError } from 'commander';
import { registerApply } from './commands/apply.ts';
import { registerCheck } from './commands/check.ts';
import { registerCompletion } from './commands/completion.ts';
import { registerInit } from './commands/init.ts';
import { registerDrift } from './commands/drift.ts';
import { registerPlan } from './commands/plan.ts';
import { registerRollback } from './commands/rollback.ts';
import { registerRuns } from './commands/runs.ts';
import { registerRollout } from './commands/rollout.ts';
import { EXIT, exitCodeFor, messageFor } from './exit-codes.ts';
import { plainDefaults } from './help.ts';
import { tolerateClosedOutput } from './stdio.ts';
import { NODEWARD_VERSION } from './version.ts';


function program(): Command {
  const root = new Command('nodeward')
    .version(NODEWARD_VERSION)
    .description(
      'Harden Kubernetes nodes over SSH, through a bastion, and keep them hardened.\n\n' +
        'Every node is reached over one shared bastion login and read in one round trip; `plan` shows what ' +
        'would change as diffs, `apply` makes it atomically with backups, restarts kubelet/containerd in ' +
        'health-gated rolling batches and rolls a node back if it does not come back Ready.',
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerPlan(root);
  registerApply(root);
  registerRollout(root);
  registerRollback(root);
  registerRuns(root);
  registerCheck(root);
  registerDrift(root);
  registerInit(root);
  registerCompletion(root);
  root.addHelpText(
    'after',
    '\nExit status: 0 done/in sync, 1 error, 2 changes pending (plan) or drift, 3 a node was rolled back,\n' +
      '4 a rollback failed (a node needs attention), 5 some nodes unreachable (drift), 130 interrupted.\n\nStart with: nodeward plan -i inventory.yaml',
  );
  plainDefaults(root);
  return root;
}

/** The one error boundary: every failure becomes a message and an exit code here. */
export async function main(argv: readonly string[]): Promise<void> {
  tolerateClosedOutput();
  try {
    const root = program();
    // a bare `nodeward` asks what it does: the help on stdout, exit 0 (commander would call it an error)
    if (argv.length <= 2) {
      root.outputHelp();
      return;
    }
    await root.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.error;
      return;
    }
    process.stderr.write(`${messageFor(error)}\n`);
    process.exitCode = exitCodeFor(error);
  }
}

