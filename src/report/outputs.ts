import { UsageError } from '../util/errors.ts';

/** Where one report format goes: a file, or stdout. */
export interface ReportOutput<F extends string> {
  readonly format: F;
  /** undefined: stdout. */
  readonly file: string | undefined;
}

/**
 * Output specs `FORMAT[=FILE]` (from -o, --json and the repeatable --format) and a legacy
 * `--output FILE`: each format goes to its own file, or to that file, or to stdout. At most one
 * format on stdout; none given means `fallback` on stdout.
 */
export function parseOutputs<F extends string>(specs: readonly string[], output: string | undefined, allowed: readonly F[], fallback: F): ReportOutput<F>[] {
  const isFormat = (value: string): value is F => (allowed as readonly string[]).includes(value);
  const parsed = (specs.length > 0 ? specs : [fallback]).map((spec) => {
    const eq = spec.indexOf('=');
    const name = (eq === -1 ? spec : spec.slice(0, eq)).trim();
    const file = eq === -1 ? undefined : spec.slice(eq + 1);
    if (!isFormat(name)) throw new UsageError(`output format ${JSON.stringify(name)}: not one of ${allowed.join(', ')}`);
    if (file === '') throw new UsageError(`${name}=: the file name is missing`);
    return { format: name, file };
  });
  const bare = parsed.filter((o) => o.file === undefined);
  if (output !== undefined) {
    if (bare.length !== 1) throw new UsageError(`--output ${output} needs exactly one --format without =FILE (got ${bare.length})`);
  } else if (bare.length > 1) {
    throw new UsageError(`only one format can go to stdout (${bare.map((o) => o.format).join(', ')}): give the others a file, as --format FORMAT=FILE`);
  }
  const outputs = parsed.map((o): ReportOutput<F> => ({ format: o.format, file: o.file ?? output }));
  const files = outputs.flatMap((o) => (o.file === undefined ? [] : [o.file]));
  const twice = files.find((file, i) => files.indexOf(file) !== i);
  if (twice !== undefined) throw new UsageError(`two formats would be written to ${twice}`);
  return outputs;
}

/** A repeatable commander option's collector. */
export function collectRepeated(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
