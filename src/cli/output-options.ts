import type { Command } from 'commander';
import { collectRepeated, parseOutputs, type ReportOutput } from '../report/outputs.ts';
import { hintValues } from './completion-hints.ts';

export interface OutputFlags {
  /** `-o, --output FORMAT[=FILE]`. */
  readonly output?: string;
  /** `--json`: `-o json`. */
  readonly json?: boolean;
  /** `--format FORMAT[=FILE]`, repeatable. */
  readonly format?: string[];
}

/**
 * The one way every command is asked for its output, kubectl style: `-o FORMAT` (table, the human
 * default, json, …), `--json` as its alias, and `--format FORMAT=FILE` (repeatable) for several at once.
 */
export function addOutputOptions(command: Command, formats: readonly string[]): Command {
  command
    .option('-o, --output <format>', `output format: ${formats.join(', ')} (default: table); FORMAT=FILE writes it to a file instead of stdout`)
    .option('--json', 'the same as -o json')
    .option('--format <format=file>', 'also write this format to a file; repeat for several', collectRepeated);
  hintValues(command, '--output', { words: formats });
  hintValues(command, '--format', { words: formats.map((f) => `${f}=`) });
  return command;
}

/**
 * Where each asked-for format goes. `--output FILE` with one bare `--format` (how check and drift
 * took a file before -o took a format) still works, with a note on how to say it now.
 */
export function outputsFrom<F extends string>(flags: OutputFlags, formats: readonly F[], warn: (message: string) => void): ReportOutput<F>[] {
  const isFormat = (value: string): boolean => (formats as readonly string[]).includes(value.split('=')[0] ?? '');
  let legacyFile: string | undefined;
  const specs: string[] = [];
  if (flags.output !== undefined) {
    if (!isFormat(flags.output) && !flags.output.includes('=') && (flags.format ?? []).some((f) => !f.includes('='))) {
      legacyFile = flags.output;
      warn(`--output FILE now takes a format: write -o FORMAT=${flags.output} (or --format FORMAT=${flags.output})`);
    } else specs.push(flags.output);
  }
  if (flags.json) specs.push('json');
  specs.push(...(flags.format ?? []));
  return parseOutputs<F>([...new Set(specs)], legacyFile, formats, formats[0] ?? ('table' as F));
}
