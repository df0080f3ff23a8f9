import type { Command } from 'commander';
import pLimit from 'p-limit';
import { parseBatchSpec, toBatches } from '../../apply/batches.ts';
import { revertNode } from '../../apply/node-apply.ts';
import { newRunId } from '../../node/run-state.ts';
import type { NodeOutcome } from '../../apply/types.ts';
import { loadInventory } from '../../config/load-inventory.ts';
import { selectHosts } from '../../config/select.ts';
import { createRunJournal, listRuns, readRunJournal } from '../../journal/run-journal.ts';
import type { ServiceToRestart } from '../../resources/schema-parts.ts';
import { createApplyProgress } from '../../ui/apply-progress.ts';
import { palette } from '../../ui/colors.ts';
import { renderOutcomes } from '../../ui/render-apply.ts';
import { renderTable } from '../../ui/table.ts';
import { UsageError } from '../../util/errors.ts';
import { applyDeps, operator, type ApplyTuning } from '../apply-deps.ts';
import { addDisplayOptions, addGateOptions } from '../common-options.ts';
import { addConnectOptions, boundsFrom, connectorFor, positiveInt, type ConnectFlags } from '../connect-options.ts';
import { EXIT } from '../exit-codes.ts';
import { addInputOptions, inventoryPath, type InputOptionValues } from '../input-options.ts';
import { detectTerminal } from '../output.ts';
import { abortOnSignals } from '../signals.ts';
import { applyExitCode, OUTCOME_FORMATS } from './apply.ts';
import { addOutputOptions, outputsFrom, type OutputFlags } from '../output-options.ts';
import { writeReports } from '../../report/write.ts';

interface RollbackFlags extends ConnectFlags, InputOptionValues, ApplyTuning, OutputFlags {
  readonly batch: string;
  readonly drain?: boolean;
  readonly drainTimeout: string;
  readonly yes?: boolean;
  readonly color?: boolean;
  readonly quiet?: boolean;
}

export function registerRollback(program: Command): void {
  const command = program
    .command('rollback')
    .summary('undo a run on its nodes, from the node-side backups, through the same lock and gates')
    .description(
      'Restores every file and sysctl the run changed on each node (byte for byte, with mode and owner) from ' +
        'the backups the run left on the node, restarts what the run restarted and waits for the health gate. ' +
        'A node whose files were edited after the run is refused. Run ids: `nodeward runs`.',
    )
    .argument('<run-id>', 'the run to undo')
    .option('--batch <sizes>', 'rolling batch sizes', '1,25%')
    .option('--drain', 'cordon and evict each node around its restarts (default: when the run being undone drained)')
    .option('--no-drain', 'do not drain, even if the run being undone did')
    .option('--drain-timeout <seconds>', 'longest a drain may take before the node is refused (and uncordoned)', '300');
  addOutputOptions(command, OUTCOME_FORMATS);
  addGateOptions(command, { lockWait: false });
  addDisplayOptions(command);
  addInputOptions(command);
  addConnectOptions(command);
  command.action(async (runId: string, flags: RollbackFlags) => {
    const outputs = outputsFrom(flags, OUTCOME_FORMATS, (m) => process.stderr.write(`note: ${m}\n`));
    const record = await readRunJournal(runId);
    const inventory = await loadInventory(inventoryPath(flags, record.inventory));
    const touched = Object.values(record.nodes).filter((node) => node.status === 'applied' || node.status === 'failed');
    const selected = new Set(selectHosts(inventory, flags.limit ?? []).map((host) => host.name));
    const hosts = inventory.nodes.filter((host) => selected.has(host.name) && touched.some((node) => node.name === host.name));
    if (hosts.length === 0) throw new UsageError(`run ${runId} changed no selected node (nodes it applied: ${touched.map((n) => n.name).join(', ') || 'none'})`);
    const drain = flags.drain ?? record.options['drain'] === true;
    if (drain && !inventory.kubeconfig) throw new UsageError(`${flags.drain ? '--drain' : `run ${runId} drained its nodes; draining`} needs \`kubeconfig:\` in the inventory (or pass --no-drain)`);
    const drainTimeoutMs = positiveInt(flags.drainTimeout, '--drain-timeout') * 1000;
    const terminal = detectTerminal(flags.color);
    const signals = abortOnSignals(() => process.stderr.write('\ninterrupted: no new node will start\n'));
    const rollbackId = newRunId();
    const journal = await createRunJournal({ runId: rollbackId, command: `rollback ${runId}`, operator: operator(), reason: undefined, startedAt: new Date().toISOString(), inventory: inventory.file, playbooks: [], options: { of: runId } });
    const connector = connectorFor(inventory, flags);
    const progress = createApplyProgress({ tty: terminal.liveProgress, quiet: flags.quiet === true, write: (line) => process.stderr.write(line) });
    const deps = applyDeps({
      inventory,
      connector,
      runId: rollbackId,
      command: `nodeward rollback ${runId}`,
      tuning: flags,
      hooks: progress.hooks,
      journal,
      signal: signals.signal,
      drain: drain ? { timeoutMs: drainTimeoutMs } : undefined,
      bounds: boundsFrom(flags),
    });
    const outcomes: NodeOutcome[] = [];
    try {
      const batches = toBatches(hosts, parseBatchSpec(flags.batch));
      const limit = pLimit(positiveInt(flags.concurrency, '--concurrency'));
      for (const [index, batch] of batches.entries()) {
        if (signals.signal.aborted || outcomes.some((o) => o.status !== 'applied')) break;
        progress.hooks.batchStart?.(index, batches.length, batch);
        outcomes.push(
          ...(await Promise.all(
            batch.map((host) =>
              limit(async () => {
                const services = (record.nodes[host.name]?.restarted ?? []).filter((s): s is ServiceToRestart => s === 'kubelet' || s === 'containerd');
                // a resumed rollout's nodes carry the id of the attempt that changed them
                const outcome = await revertNode(host, record.nodes[host.name]?.runId ?? runId, services, deps);
                progress.hooks.nodeDone?.(host, outcome);
                return outcome;
              }),
            ),
          )),
        );
      }
    } finally {
      await progress.finish();
      await connector.closeAll();
      await journal.finish();
      signals.dispose();
    }
    const json = { runId: rollbackId, of: runId, journal: journal.path, nodes: outcomes };
    await writeReports(outputs, (format) => (format === 'json' ? JSON.stringify(json, null, 2) + '\n' : renderOutcomes(outcomes, palette(terminal.color))), (t) => process.stdout.write(t));
    process.exitCode = signals.signal.aborted ? EXIT.interrupted : applyExitCode(outcomes);
  });
}

export function registerRuns(program: Command): void {
  const command = program
    .command('runs')
    .summary('list recorded runs (apply, rollback) from the local journal')
    .description(
      'Lists the runs recorded in the local journal ($XDG_STATE_HOME/nodeward/runs): apply, rollout, rollback and ' +
        'drift --fix, oldest first, with who ran them, whether they finished and how their nodes ended. ' +
        'A run id is what `nodeward rollback RUN_ID` and `nodeward rollout --resume RUN_ID` take.',
    );
  addOutputOptions(command, OUTCOME_FORMATS);
  command.action(async (flags: OutputFlags) => {
      const outputs = outputsFrom(flags, OUTCOME_FORMATS, (m) => process.stderr.write(`note: ${m}\n`));
      const runs = await listRuns();
      const rows = runs.map((run) => {
        const nodes = Object.values(run.nodes);
        const counts = new Map<string, number>();
        for (const node of nodes) counts.set(node.status, (counts.get(node.status) ?? 0) + 1);
        return [run.runId, run.command, run.operator, run.finishedAt ? 'finished' : 'unfinished', [...counts].map(([s, n]) => `${n} ${s}`).join(', ')];
      });
      const table = renderTable(['RUN', 'COMMAND', 'OPERATOR', 'STATE', 'NODES'], rows);
      await writeReports(outputs, (format) => (format === 'json' ? JSON.stringify(runs, null, 2) + '\n' : table), (t) => process.stdout.write(t));
    });
}
