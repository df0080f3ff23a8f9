import { readFile } from 'node:fs/promises';
import { errorMessage } from '../util/errors.ts';
import { configError, fileIssue } from './issues.ts';

/** Input files are small; a huge one is a mistake (or an attack on the process's memory). */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** Reads a UTF-8 text file or throws ConfigError naming it. */
export async function readTextFile(file: string, what: string, maxBytes = MAX_INPUT_BYTES): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : errorMessage(error);
    throw configError([fileIssue(file, `cannot read ${what}: ${reason}`)]);
  }
  if (bytes.length > maxBytes) throw configError([fileIssue(file, `${what} is larger than ${maxBytes} bytes`)]);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw configError([fileIssue(file, `${what} is not UTF-8 text`)]);
  }
}
