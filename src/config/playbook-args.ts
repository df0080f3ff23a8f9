import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { UsageError } from '../util/errors.ts';
import { didYouMean } from './suggest.ts';

const EXTENSIONS = ['.yaml', '.yml'];

/**
 * Playbook arguments: a path (anything with a '/' or a .yaml/.yml extension, relative to the
 * working directory) or the name of a bundled playbook (`kubelet` → <bundledDir>/kubelet.yaml).
 * No arguments: every bundled playbook, sorted by name. Returns absolute paths, duplicates removed.
 */
export async function resolvePlaybookArgs(args: readonly string[], bundledDir: string): Promise<string[]> {
  const bundled = await bundledPlaybooks(bundledDir);
  if (args.length === 0) {
    if (bundled.size === 0) throw new UsageError(`no playbook given and none bundled in ${bundledDir}`);
    return [...bundled.keys()].sort().map((name) => bundled.get(name) ?? '');
  }
  const problems: string[] = [];
  const out: string[] = [];
  for (const arg of args) {
    if (arg.includes('/') || EXTENSIONS.includes(extname(arg))) {
      const path = resolve(arg);
      if (await isFile(path)) out.push(path);
      else problems.push(`playbook file not found: ${arg}`);
    } else {
      const path = bundled.get(arg);
      if (path !== undefined) out.push(path);
      else {
        const known = [...bundled.keys()].sort();
        const hint = didYouMean(arg, known);
        problems.push(`no bundled playbook '${arg}'${hint}${known.length > 0 ? `; bundled: ${known.join(', ')}` : ''}`);
      }
    }
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return [...new Set(out)];
}

async function bundledPlaybooks(dir: string): Promise<Map<string, string>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return new Map();
  }
  const out = new Map<string, string>();
  for (const file of names.sort()) {
    const ext = extname(file);
    const name = file.slice(0, -ext.length);
    if (EXTENSIONS.includes(ext) && !out.has(name) && (await isFile(join(dir, file)))) out.set(name, resolve(dir, file));
  }
  return out;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
