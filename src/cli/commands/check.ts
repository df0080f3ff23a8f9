import type { Command } from 'commander';
import { AUDIT_REQUESTS } from '../../check/catalogue.ts';
import { evaluateChecks } from '../../check/evaluate.ts';
import type { CheckReport } from '../../check/types.ts';
import { checkToJson } from '../../report/check-json.ts';
import { renderCheckJUnit } from '../../report/check-junit.ts';
import { renderCheckTable } from '../../report/check-table.ts';
import { collectRepeated, parseOutputs } from '../../report/outputs.ts';
import { writeReports } from '../../report/write.ts';
import type { HostSpec } from '../../config/types.ts';
import { readFleet } from '../../run/plan-fleet.ts';
import { InternalError } from '../../util/errors.ts';
import { palette } from '../../ui/colors.ts';
import { createPlanProgress } from '../../ui/progress.ts';
import { addDisplayOptions } from '../common-options.ts';
import { addConnectOptions, connectorFor, positiveInt, type ConnectFlags } from '../connect-options.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { addInputOptions, inventoryPath, type InputOptionValues } from '../input-options.ts';
import { loadInputs } from '../inputs.ts';
import { detectTerminal } from '../output.ts';
import { abortOnSignals } from '../signals.ts';

const FORMATS = ['table', 'json', 'junit'] as const;
type CheckFormat = (typeof FORMATS)[number];

interface CheckFlags extends ConnectFlags, InputOptionValues {
  readonly format?: string[];
  readonly output?: string;
  readonly color?: boolean;
  readonly quiet?: boolean;
}

/** 1 when a node could not be checked, else 2 when an automated check fails anywhere, else 0. */
export function checkExitCode(report: CheckReport): ExitCode {
  if (report.nodes.some((n) => n.status === 'error')) return EXIT.error;
  if (report.checks.some((c) => c.nodes.some((r) => r.status === 'fail'))) return EXIT.changes;
  return EXIT.ok;
}

export function registerCheck(program: Command): void {
  const command = program
    .command('check')
    .summary('CIS worker-node report from the playbooks: PASS / FAIL / WARN per check and node, with the fix')
    .description(
      'Audits every CIS Kubernetes worker-node check (and each hardening-guide id a\n' +
        'playbook carries) on the selected nodes, in the same single read per node\n' +
        'that plan makes. A check passes when every playbook entry carrying its id is\n' +
        'in sync and its audit of the facts passes; anything pending or a failed\n' +
        'audit fails it (Automated) or warns (Manual); what cannot be decided warns,\n' +
        'saying why. Each failure lists the change `nodeward apply` would make for it.\n' +
        'Stricter than kube-bench: the kubelet config is the one the kubelet runs\n' +
        'with, flags override the file, an unset key whose default is insecure fails.\n\n' +
        'Exit status: 0 every automated check passes, 2 an automated check fails,\n' +
        '1 a node could not be checked.',
    )
    .argument('[playbook...]', 'playbook files or names of bundled playbooks (default: all bundled)')
    .option('--format <fmt[=file]>', `report format: ${FORMATS.join(', ')}; repeat for several, each =FILE (default: table on stdout)`, collectRepeated)
    .option('--output <file>', 'write the (single) format given without =FILE to this file');
  addDisplayOptions(command);
  addInputOptions(command);
  addConnectOptions(command);
  command.addHelpText(
    'after',
    '\nExamples:\n  nodeward check -i inventory.yaml\n  nodeward check -i inventory.yaml --format junit --output cis.xml\n  nodeward check -i inventory.yaml --format table --format json=cis.json',
  );
  command.action(async (playbooks: string[], flags: CheckFlags) => {
    const outputs = parseOutputs<CheckFormat>(flags.format ?? [], flags.output, FORMATS, 'table');
    const signals = abortOnSignals(() => process.stderr.write('\ninterrupted: finishing the nodes in flight (Ctrl-C again to quit now)\n'));
    try {
      const inputs = await loadInputs({ inventory: inventoryPath(flags), limit: flags.limit ?? [], playbooks });
      const terminal = detectTerminal(flags.color);
      const connector = connectorFor(inputs.inventory, flags);
      const progress = createPlanProgress(inputs.hosts, { tty: terminal.stderrTty, quiet: flags.quiet === true, write: (line) => process.stderr.write(line) });
      let reads;
      try {
        reads = await readFleet(inputs.hosts, inputs.entriesByHost, connector, { concurrency: positiveInt(flags.concurrency, '--concurrency'), signal: signals.signal, extraRequests: AUDIT_REQUESTS }, progress.hooks);
      } finally {
        await progress.finish();
        await connector.closeAll();
      }
      const report = evaluateChecks(
        reads.map((read, i) => ({ host: inputs.hosts[i] ?? hostOf(inputs.hosts, read.plan.name), entries: inputs.entriesByHost.get(read.plan.name) ?? [], plan: read.plan, facts: read.facts })),
        { createdAt: new Date().toISOString(), playbooks: inputs.playbooks.map((p) => p.name) },
      );
      const hint = `Fix what a playbook covers with: nodeward apply -i ${inputs.inventory.file}${playbooks.length > 0 ? ` ${playbooks.join(' ')}` : ''}`;
      const render = (format: CheckFormat): string => {
        switch (format) {
          case 'table':
            return renderCheckTable(report, palette(terminal.color && outputs.some((o) => o.format === 'table' && o.file === undefined)), hint);
          case 'json':
            return JSON.stringify(checkToJson(report), null, 2) + '\n';
          case 'junit':
            return renderCheckJUnit(report);
        }
      };
      await writeReports(outputs, render, (text) => process.stdout.write(text));
      process.exitCode = signals.signal.aborted ? EXIT.interrupted : checkExitCode(report);
    } finally {
      signals.dispose();
    }
  });
}

function hostOf(hosts: readonly HostSpec[], name: string): HostSpec {
  const host = hosts.find((h) => h.name === name);
  if (!host) throw new InternalError(`no host ${name}`);
  return host;
}
