import { readFile } from 'node:fs/promises';
import { errorMessage } from '../util/errors.ts';
import { configError, fileIssue } from './issues.ts';

/** Input files are small; a huge one is a mistake (or an attack on the process's memory). */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** A UTF-8 text file's content, or why it cannot be used. */
export async function readText(file: string, maxBytes = MAX_INPUT_BYTES): Promise<string | { readonly error: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : errorMessage(error) };
  }
  if (bytes.length > maxBytes) return { error: `larger than ${maxBytes} bytes` };
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { error: 'not UTF-8 text' };
  }
}

/** Reads a UTF-8 text file or throws ConfigError naming it. */
export async function readTextFile(file: string, what: string, maxBytes = MAX_INPUT_BYTES): Promise<string> {
  const result = await readText(file, maxBytes);
  if (typeof result !== 'string') throw configError([fileIssue(file, `cannot read ${what}: ${result.error}`)]);
  return result;
}
