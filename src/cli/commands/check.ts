import type { Command } from 'commander';
import { AUDIT_REQUESTS } from '../../check/catalogue.ts';
import { evaluateChecks } from '../../check/evaluate.ts';
import type { CheckReport } from '../../check/types.ts';
import { checkToJson } from '../../report/check-json.ts';
import { renderCheckHtml } from '../../report/check-html.ts';
import { renderCheckJUnit } from '../../report/check-junit.ts';
import { renderCheckTable } from '../../report/check-table.ts';
import { writeReports } from '../../report/write.ts';
import type { HostSpec } from '../../config/types.ts';
import { readFleet } from '../../run/plan-fleet.ts';
import { InternalError, UsageError } from '../../util/errors.ts';
import { BENCHMARK_IDS, isBenchmarkId, type BenchmarkId } from '../../config/benchmark-ids.ts';
import type { BenchmarkSetting } from '../../check/benchmarks.ts';
import { palette } from '../../text/colors.ts';
import { createPlanProgress } from '../../ui/progress.ts';
import { addDisplayOptions } from '../common-options.ts';
import { addConnectOptions, connectorFor, positiveInt, type ConnectFlags } from '../connect-options.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { addInputOptions, inventoryPath, type InputOptionValues } from '../input-options.ts';
import { addOutputOptions, outputsFrom, type OutputFlags } from '../output-options.ts';
import { hintValues } from '../completion-hints.ts';
import { loadInputs } from '../../run/inputs.ts';
import { detectTerminal } from '../output.ts';
import { abortOnSignals } from '../signals.ts';
import { NODEWARD_VERSION } from '../version.ts';

const FORMATS = ['table', 'json', 'junit', 'html'] as const;
type CheckFormat = (typeof FORMATS)[number];

interface CheckFlags extends ConnectFlags, InputOptionValues, OutputFlags {
  readonly benchmark?: string;
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
        'that plan makes. A CIS check\'s verdict is its audit of what that check\n' +
        'covers: a failure fails it (Automated) or warns (Manual), with the part of\n' +
        'the change `nodeward apply` would make for it. A hardening-guide item also\n' +
        'fails while an entry carrying it is out of sync (the playbook defines it).\n' +
        'What cannot be decided warns, saying why.\n' +
        'CIS checks follow the benchmark version in use: --benchmark, the inventory\'s\n' +
        '`benchmark:`, else per node the one kube-bench picks from its kubelet\'s\n' +
        'version (1.27 cis-1.9, 1.28 cis-1.10, 1.29-1.31 cis-1.11, 1.32+ cis-1.12).\n' +
        'Verdicts match kube-bench\'s own definitions; where nodeward says more (the\n' +
        'config the kubelet runs with, flags over the file) the report says so.\n\n' +
        'Exit status: 0 every automated check passes, 2 an automated check fails,\n' +
        '1 a node could not be checked.',
    )
    .argument('[playbook...]', 'playbook files or names of bundled playbooks (default: all bundled)')
    .option('--benchmark <version>', `CIS benchmark to judge by: ${BENCHMARK_IDS.join(', ')} (default: the inventory's, else kube-bench's pick per node)`)
  addOutputOptions(command, FORMATS);
  hintValues(command, '--benchmark', { words: BENCHMARK_IDS });
  addDisplayOptions(command);
  addInputOptions(command);
  addConnectOptions(command);
  command.addHelpText(
    'after',
    '\nExamples:\n  nodeward check -i inventory.yaml\n  nodeward check -i inventory.yaml --benchmark cis-1.12\n  nodeward check -i inventory.yaml -o junit=cis.xml\n  nodeward check -i inventory.yaml --format html=cis.html      # the table on stdout, a page to open in a browser\n  nodeward check -i inventory.yaml --format json=cis.json      # the table on stdout, JSON to a file',
  );
  command.action(async (playbooks: string[], flags: CheckFlags) => {
    const outputs = outputsFrom<CheckFormat>(flags, FORMATS, (m) => process.stderr.write(`note: ${m}\n`));
    if (flags.benchmark !== undefined) benchmarkSetting(flags.benchmark, undefined); // refuse a bad name before anything is read
    const signals = abortOnSignals(() => process.stderr.write('\ninterrupted: finishing the nodes in flight (Ctrl-C again to quit now)\n'));
    try {
      const inputs = await loadInputs({ inventory: inventoryPath(flags), limit: flags.limit ?? [], playbooks, acceptNew: flags.acceptNew, sshConfig: flags.sshConfig });
      const terminal = detectTerminal(flags.color);
      const connector = connectorFor(inputs.inventory, flags);
      const progress = createPlanProgress(inputs.hosts, { tty: terminal.liveProgress, quiet: flags.quiet === true, write: (line) => process.stderr.write(line) });
      let reads;
      try {
        reads = await readFleet(inputs.hosts, inputs.entriesByHost, connector, { concurrency: positiveInt(flags.concurrency, '--concurrency'), signal: signals.signal, extraRequests: AUDIT_REQUESTS }, progress.hooks);
      } finally {
        await progress.finish();
        await connector.closeAll();
      }
      const report = evaluateChecks(
        reads.map((read, i) => ({ host: inputs.hosts[i] ?? hostOf(inputs.hosts, read.plan.name), entries: inputs.entriesByHost.get(read.plan.name) ?? [], plan: read.plan, facts: read.facts })),
        { createdAt: new Date().toISOString(), playbooks: inputs.playbooks.map((p) => p.name), benchmark: benchmarkSetting(flags.benchmark, inputs.inventory.benchmark) },
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
          case 'html':
            return renderCheckHtml(report, { inventory: inputs.inventory.file, nodewardVersion: NODEWARD_VERSION, hint });
        }
      };
      await writeReports(outputs, render, (text) => process.stdout.write(text));
      process.exitCode = signals.signal.aborted ? EXIT.interrupted : checkExitCode(report);
    } finally {
      signals.dispose();
    }
  });
}

/** --benchmark, else the inventory's `benchmark:`; neither: per node, kube-bench's pick for its kubelet. */
export function benchmarkSetting(flag: string | undefined, inventory: BenchmarkId | undefined): BenchmarkSetting | undefined {
  if (flag !== undefined) {
    if (!isBenchmarkId(flag)) throw new UsageError(`--benchmark ${JSON.stringify(flag)}: must be one of ${BENCHMARK_IDS.join(', ')}`);
    return { id: flag, from: '--benchmark' };
  }
  return inventory === undefined ? undefined : { id: inventory, from: 'the inventory' };
}

function hostOf(hosts: readonly HostSpec[], name: string): HostSpec {
  const host = hosts.find((h) => h.name === name);
  if (!host) throw new InternalError(`no host ${name}`);
  return host;
}
