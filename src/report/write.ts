import { writeFileAtomic } from '../util/atomic-file.ts';
import type { ReportOutput } from './outputs.ts';

/**
 * Writes each format to its file (atomically: temp file in the same directory, then rename, so a
 * reader such as node_exporter never sees half a file) or to stdout. Reports hold no secrets and
 * are meant to be collected, hence 0644.
 */
export async function writeReports<F extends string>(outputs: readonly ReportOutput<F>[], render: (format: F, file: string | undefined) => string, stdout: (text: string) => void): Promise<void> {
  for (const output of outputs) {
    const text = render(output.format, output.file);
    if (output.file === undefined) stdout(text);
    else await writeFileAtomic(output.file, text, 0o644);
  }
}
