import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import SSHConfig from 'ssh-config';
import type { Line } from 'ssh-config';
import type { ConfigIssue, SourcePosition } from '../../util/errors.ts';
import { errorMessage } from '../../util/errors.ts';
import type { Arg, SshConfigFile, Statement } from './statements.ts';

/**
 * Reads an OpenSSH client config and the files it includes. The syntax (keywords, `=`,
 * quoting, Host/Match sections) is the `ssh-config` package's, a kept parser; what this adds
 * is what ssh does around it: the line of every statement (for messages) and `Include`.
 */

export interface ReadResult {
  readonly config: SshConfigFile | undefined;
  readonly issues: readonly ConfigIssue[];
}

/** ssh's READCONF_MAX_DEPTH. */
const MAX_DEPTH = 16;

export async function readSshConfig(file: string, home: string): Promise<ReadResult> {
  const issues: ConfigIssue[] = [];
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { config: undefined, issues: [{ file, line: 1, column: 1, message: `cannot read the ssh config: ${errorMessage(error)}` }] };
  }
  const config = await parseFile(file, text, home, 0, issues);
  return { config, issues };
}

async function parseFile(file: string, text: string, home: string, depth: number, issues: ConfigIssue[]): Promise<SshConfigFile> {
  let parsed: SSHConfig;
  try {
    parsed = SSHConfig.parse(text);
  } catch (error) {
    issues.push({ file, line: 1, column: 1, message: `not an ssh config: ${errorMessage(error)}` });
    return { file, statements: [] };
  }
  const statements: Statement[] = [];
  let line = 1;
  const visit = async (lines: readonly Line[]): Promise<void> => {
    for (const entry of lines) {
      line += newlines(entry.before);
      const at: SourcePosition = { file, line, column: lastLineLength(entry.before) + 1 };
      if (entry.type === SSHConfig.DIRECTIVE) {
        const keyword = entry.param.toLowerCase();
        const args = argsOf(entry.value, entry.quoted === true);
        if (keyword === 'host') statements.push({ kind: 'host', at, patterns: args.map((a) => a.text) });
        else if (keyword === 'match') statements.push({ kind: 'match', at, args });
        else if (keyword === 'include') statements.push({ kind: 'include', at, files: await included(args, at, home, depth, issues) });
        else statements.push({ kind: 'option', at, keyword, args });
      }
      line += newlines(entry.after);
      if ('config' in entry && Array.isArray(entry.config)) await visit(entry.config);
    }
  };
  await visit(parsed);
  return { file, statements };
}

function argsOf(value: string | readonly { val: string; quoted?: boolean }[], quoted: boolean): Arg[] {
  if (typeof value !== 'string') return value.map((v) => ({ text: v.val, quoted: v.quoted === true }));
  if (quoted) return [{ text: value, quoted: true }];
  return value.split(/[ \t]+/).filter((part) => part !== '').map((text) => ({ text, quoted: false }));
}

/**
 * `Include`: each argument is a path or a glob, `~` for the home directory, and relative to
 * ~/.ssh (ssh reads a config given with -F as a user config, whatever folder it is in).
 */
async function included(args: readonly Arg[], at: SourcePosition, home: string, depth: number, issues: ConfigIssue[]): Promise<SshConfigFile[]> {
  if (depth + 1 >= MAX_DEPTH) {
    issues.push({ ...at, message: `Include nested more than ${MAX_DEPTH} deep (does a file include itself?)` });
    return [];
  }
  const files: SshConfigFile[] = [];
  for (const arg of args) {
    const raw = arg.text;
    if (raw.includes('%') || raw.includes('$')) {
      issues.push({ ...at, message: `Include ${raw}: nodeward does not expand % tokens or environment variables in Include` });
      continue;
    }
    const expanded = raw === '~' ? home : raw.startsWith('~/') ? join(home, raw.slice(2)) : raw;
    const path = isAbsolute(expanded) ? expanded : join(home, '.ssh', expanded);
    const paths = await globFiles(path, at, issues);
    for (const p of paths) {
      let text: string;
      try {
        text = await readFile(p, 'utf8');
      } catch (error) {
        issues.push({ ...at, message: `Include ${raw}: cannot read ${p}: ${errorMessage(error)}` });
        continue;
      }
      files.push(await parseFile(p, text, home, depth + 1, issues));
    }
  }
  return files;
}

/** glob(3) as ssh calls it, for a wildcard in the last path component only; no match is no file. */
async function globFiles(path: string, at: SourcePosition, issues: ConfigIssue[]): Promise<string[]> {
  const dir = dirname(path);
  const name = basename(path);
  if (/[*?[]/.test(dir)) {
    issues.push({ ...at, message: `Include ${path}: nodeward expands wildcards in the file name only, not in folders` });
    return [];
  }
  if (!/[*?[]/.test(name)) return [path];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const regex = new RegExp(`^${[...name].map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('')}$`);
  return names
    .filter((n) => !n.startsWith('.') && regex.test(n))
    .sort()
    .map((n) => join(dir, n));
}

function newlines(text: string): number {
  let n = 0;
  for (const c of text) if (c === '\n') n++;
  return n;
}

function lastLineLength(text: string): number {
  return text.length - (text.lastIndexOf('\n') + 1);
}
