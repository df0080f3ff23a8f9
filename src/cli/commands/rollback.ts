import { resolve } from 'node:path';
import type { Command } from 'commander';
import pLimit from 'p-limit';
import { parseBatchSpec, parseFailureBudget } from '../../apply/batches.ts';
import { revertNode } from '../../apply/node-apply.ts';
import { runFleet } from '../../apply/run.ts';
import { parseRollbackPreview, rollbackPreviewScript, type RollbackPreview } from '../../apply/scripts/rollback-preview.ts';
import type { NodeOutcome } from '../../apply/types.ts';
import type { HostSpec } from '../../config/types.ts';
import { loadInventoryFile } from '../../run/inventory.ts';
import { selectHosts } from '../../config/select.ts';
import { createRunJournal, readRunJournal, type RunRecord } from '../../journal/run-journal.ts';
import { NODE_STATE_DIR, newRunId } from '../../node/run-state.ts';
import type { ServiceToRestart } from '../../spec/schema-parts.ts';
import type { Connector } from '../../transport/types.ts';
import { createApplyProgress } from '../../ui/apply-progress.ts';
import { palette } from '../../text/colors.ts';
import { askRollbackApproval } from '../../ui/prompts.ts';
import { renderOutcomes } from '../../ui/render-apply.ts';
import { renderRollbackPreview, type PreviewLine } from '../../ui/render-rollback.ts';
import { errorMessage, UsageError } from '../../util/errors.ts';
import { applyDeps, operator, type ApplyTuning } from '../apply-deps.ts';
import { addDisplayOptions, addGateOptions } from '../common-options.ts';
import { addConnectOptions, boundsFrom, connectorFor, positiveInt, type ConnectFlags } from '../connect-options.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { addInputOptions, inventoryPath, type InputOptionValues } from '../input-options.ts';
import { detectTerminal } from '../output.ts';
import { abortOnSignals } from '../signals.ts';
import { addOutputOptions, outputsFrom, type OutputFlags } from '../output-options.ts';
import { writeReports } from '../../report/write.ts';
import { OUTCOME_FORMATS } from './apply.ts';

interface RollbackFlags extends ConnectFlags, InputOptionValues, ApplyTuning, OutputFlags {
  readonly batch: string;
  readonly maxFailures: string;
  readonly drain?: boolean;
  readonly drainTimeout: string;
  readonly yes?: boolean;
  readonly color?: boolean;
  readonly quiet?: boolean;
}

/** 0 when every node is rolled back (or had nothing of the run, or was rolled back already). */
export function rollbackExitCode(outcomes: readonly NodeOutcome[]): ExitCode {
  if (outcomes.some((o) => o.status === 'failed')) return EXIT.rollbackFailed;
  if (outcomes.every((o) => o.status === 'rolled-back' || o.status === 'in-sync')) return EXIT.ok;
  return EXIT.error;
}

interface RollbackItem {
  readonly host: HostSpec;
  /** The run id on this node (a resumed rollout's later attempts use their own). */
  readonly runId: string;
  readonly services: readonly ServiceToRestart[];
}

const early = (name: string, status: NodeOutcome['status'], reason: string): NodeOutcome => ({ name, status, reason, changes: 0, restarted: [], durationMs: 0 });

/** The inventory the run was recorded for, and the one given now, must be the same file. */
function sameInventory(record: RunRecord, given: string | undefined): void {
  if (given === undefined) return;
  if (resolve(given) !== resolve(record.inventory)) {
    throw new UsageError(`run ${record.runId} was recorded for the inventory ${record.inventory}, not ${given}: its nodes are that inventory's (pass -i ${record.inventory}, or leave -i out)`);
  }
}

/** Reads, without changing anything, what a rollback would put back on each node. */
async function preview(items: readonly RollbackItem[], connector: Connector, concurrency: number): Promise<Map<string, RollbackPreview | { error: string }>> {
  const limit = pLimit(Math.max(1, concurrency));
  const entries = await Promise.all(
    items.map((item) =>
      limit(async (): Promise<[string, RollbackPreview | { error: string }]> => {
        try {
          const transport = await connector.connect(item.host);
          const result = await transport.exec(rollbackPreviewScript(NODE_STATE_DIR, item.runId));
          if (result.exitCode !== 0) return [item.host.name, { error: `the preview script exited ${String(result.exitCode)}: ${result.stderr.toString().trim().slice(-300)}` }];
          return [item.host.name, parseRollbackPreview(result.stdout)];
        } catch (error) {
          return [item.host.name, { error: errorMessage(error) }];
        }
      }),
    ),
  );
  return new Map(entries);
}

export function registerRollback(program: Command): void {
  const command = program
    .command('rollback')
    .summary('undo a run on its nodes, from the node-side backups, through the same lock and gates')
    .description(
      'Shows, per node, what undoing the run would put back (files, modes, sysctls, units, packages, nftables ' +
        'tables, and the restarts), then asks like apply: all nodes, pick nodes, or abort (--yes skips the ' +
        'question; without a terminal --yes is required). Restores every item the run changed, byte for byte, from ' +
        'the backups the run left on each node, restarts what the run restarted and waits for the health gate, in ' +
        "batches like apply's. A node whose files were edited after the run is refused; one the run never reached, " +
        'or already rolled back, is reported as such. Run ids: `nodeward runs`.\n\n' +
        'Exit status: 0 every node rolled back (or nothing of the run there), 4 a rollback failed, 1 anything else ' +
        '(refused, unreachable, skipped, bad input), 130 interrupted.',
    )
    .argument('<run-id>', 'the run to undo')
    .option('-y, --yes', 'roll back every node the run changed without asking')
    .option('--batch <sizes>', 'rolling batch sizes, as apply: counts or percentages, the last repeats', '1,25%')
    .option('--max-failures <n|%>', 'failure budget; once exceeded no further node is touched', '0')
    .option('--drain', 'cordon and evict each node around its restarts (default: when the run being undone drained)')
    .option('--no-drain', 'do not drain, even if the run being undone did')
    .option('--drain-timeout <seconds>', 'longest a drain may take before the node is refused (and uncordoned)', '300');
  addOutputOptions(command, OUTCOME_FORMATS);
  addGateOptions(command, { lockWait: false });
  addDisplayOptions(command);
  addInputOptions(command);
  addConnectOptions(command);
  command.addHelpText('after', '\nExamples:\n  nodeward runs -i inventory.yaml --since 24h\n  nodeward rollback 20261203T143642Z-eeca76 -i inventory.yaml\n  nodeward rollback 20261203T143642Z-eeca76 -i inventory.yaml --limit node-3 --yes');
  command.action(async (runId: string, flags: RollbackFlags) => {
    const outputs = outputsFrom(flags, OUTCOME_FORMATS, (m) => process.stderr.write(`note: ${m}\n`));
    // the preview goes where the human table goes; with machine output on stdout, to stderr
    const humanOnStdout = outputs.some((o) => o.format === 'table' && o.file === undefined);
    const record = await readRunJournal(runId);
    sameInventory(record, flags.inventory);
    const inventory = await loadInventoryFile(inventoryPath(flags, record.inventory), { sshConfig: flags.sshConfig });
    const terminal = detectTerminal(flags.color);
    if (!flags.yes && !(process.stdin.isTTY && terminal.stdoutTty)) throw new UsageError('refusing to roll back without a terminal to confirm on: pass --yes');
    const batches = parseBatchSpec(flags.batch);
    const budget = parseFailureBudget(flags.maxFailures);
    // nodes the run may have changed: applied, failed half-way, or left pending by a controller that died
    const touched = Object.values(record.nodes).filter((node) => node.status === 'applied' || node.status === 'failed' || node.status === 'pending');
    const selected = new Set(selectHosts(inventory, flags.limit ?? []).map((host) => host.name));
    const items: RollbackItem[] = inventory.nodes
      .filter((host) => selected.has(host.name) && touched.some((node) => node.name === host.name))
      .map((host) => {
        const node = record.nodes[host.name];
        return { host, runId: node?.runId ?? runId, services: (node?.restarted ?? []).filter((s): s is ServiceToRestart => s === 'kubelet' || s === 'containerd') };
      });
    if (items.length === 0) throw new UsageError(`run ${runId} changed no selected node (nodes it changed: ${touched.map((n) => n.name).join(', ') || 'none'})`);
    const drain = flags.drain ?? record.options['drain'] === true;
    if (drain && !inventory.kubeconfig) throw new UsageError(`${flags.drain ? '--drain' : `run ${runId} drained its nodes; draining`} needs \`kubeconfig:\` in the inventory (or pass --no-drain)`);
    const drainTimeoutMs = positiveInt(flags.drainTimeout, '--drain-timeout') * 1000;
    const connector = connectorFor(inventory, flags);
    const signals = abortOnSignals(() => process.stderr.write('\ninterrupted: no new node will start\n'));
    const outcomes: NodeOutcome[] = [];
    let rollbackId: string | undefined;
    try {
      const seen = await preview(items, connector, positiveInt(flags.concurrency, '--concurrency'));
      const lines: PreviewLine[] = [];
      const work: RollbackItem[] = [];
      for (const item of items) {
        const view = seen.get(item.host.name);
        if (!view || 'error' in view) {
          outcomes.push(early(item.host.name, 'unreachable', view?.error ?? 'not read'));
          lines.push({ name: item.host.name, kind: 'unreachable', text: view?.error ?? 'not read' });
        } else if (view.nothing) {
          outcomes.push(early(item.host.name, 'in-sync', `nothing of run ${item.runId} is on this node`));
          lines.push({ name: item.host.name, kind: 'nothing', text: `nothing of run ${item.runId} is on this node` });
        } else if (view.state === 'rolled-back') {
          const at = new Date(view.stateAt * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
          outcomes.push(early(item.host.name, 'in-sync', `run ${item.runId} was already rolled back (at ${at})`));
          lines.push({ name: item.host.name, kind: 'done', text: `already rolled back (at ${at})` });
        } else if (view.edited.length > 0) {
          outcomes.push(early(item.host.name, 'refused', `changed since the run: ${view.edited.join(', ')} (a rollback would clobber them)`));
          lines.push({ name: item.host.name, kind: 'refused', text: `refused: changed since the run: ${view.edited.join(', ')}` });
        } else {
          work.push(item);
          lines.push({ name: item.host.name, kind: 'restore', text: '', would: view.would, restarts: view.restarts.length > 0 ? view.restarts : item.services, state: view.state });
        }
      }
      const out = humanOnStdout ? process.stdout : process.stderr;
      out.write(renderRollbackPreview(runId, lines, palette(terminal.color && humanOnStdout)));
      let chosen = work;
      if (chosen.length > 0 && !flags.yes) {
        const answer = await askRollbackApproval(chosen.map((item) => ({ name: item.host.name, label: `${item.host.name} (${lines.find((l) => l.name === item.host.name)?.would?.length ?? 0} items)` })));
        if (answer.kind === 'abort') {
          process.stderr.write('Aborted: nothing was changed.\n');
          process.exitCode = EXIT.error;
          return;
        }
        if (answer.kind === 'some') chosen = chosen.filter((item) => answer.nodes.includes(item.host.name));
      }
      if (chosen.length > 0) {
        rollbackId = newRunId();
        const journal = await createRunJournal({ runId: rollbackId, command: `rollback ${runId}`, operator: operator(), reason: undefined, startedAt: new Date().toISOString(), inventory: inventory.file, playbooks: [], options: { of: runId, batch: flags.batch } });
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
        try {
          const result = await runFleet(chosen, { batches, budget, concurrency: positiveInt(flags.concurrency, '--concurrency') }, deps, (item, d) => revertNode(item.host, item.runId, item.services, d));
          outcomes.push(...result.outcomes);
          if (result.stopped) process.stderr.write(`Stopped: ${result.stopped}.\n`);
        } finally {
          await progress.finish();
          await journal.finish();
        }
      }
    } finally {
      await connector.closeAll();
      signals.dispose();
    }
    // runId: the run undone (as before); rollbackRunId: this rollback's own record, when it touched a node
    const json = { runId, rollbackRunId: rollbackId ?? null, nodes: outcomes };
    await writeReports(outputs, (format) => (format === 'json' ? JSON.stringify(json, null, 2) + '\n' : renderOutcomes(outcomes, palette(terminal.color))), (t) => process.stdout.write(t));
    process.exitCode = signals.signal.aborted ? EXIT.interrupted : rollbackExitCode(outcomes);
  });
}
