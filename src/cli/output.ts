import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface Terminal {
  readonly stdoutTty: boolean;
  readonly stderrTty: boolean;
  readonly color: boolean;
}

export function detectTerminal(colorFlag: boolean | undefined): Terminal {
  const stdoutTty = process.stdout.isTTY === true;
  const stderrTty = process.stderr.isTTY === true;
  const envAllows = process.env['NO_COLOR'] === undefined && process.env['TERM'] !== 'dumb';
  return { stdoutTty, stderrTty, color: colorFlag ?? (stdoutTty && envAllows) };
}

/** Writes a local file atomically (temp file, fsync, rename) with the given mode. */
export async function writeFileAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}
