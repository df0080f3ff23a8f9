import { SYSCTL_CONF, SYSCTL_DIRS } from './kinds/sysctl-files.ts';
import type { SysctlFile } from './types.ts';

export interface SysctlAssignment {
  readonly key: string;
  readonly value: string;
  readonly file: string;
  readonly line: number;
}

/**
 * The order in which `sysctl --system` (procps) and systemd-sysctl apply files at boot: *.conf
 * from the sysctl.d directories, a name in an earlier directory hiding the same name in a later
 * one, sorted by file name; then /etc/sysctl.conf. The last assignment of a key wins.
 */
export function bootOrder(files: readonly SysctlFile[]): SysctlFile[] {
  const byName = new Map<string, SysctlFile>();
  for (const dir of SYSCTL_DIRS) {
    for (const file of files) {
      if (dirname(file.path) !== dir) continue;
      const name = basename(file.path);
      if (!byName.has(name)) byName.set(name, file);
    }
  }
  const ordered = [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, file]) => file);
  const conf = files.find((file) => file.path === SYSCTL_CONF);
  if (conf) ordered.push(conf);
  return ordered;
}

/** Parses one sysctl.d file: `key = value` lines, `#`/`;` comments, a leading `-` (ignore errors). */
export function parseSysctlFile(file: SysctlFile): SysctlAssignment[] {
  const assignments: SysctlAssignment[] = [];
  file.content.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const eq = line.indexOf('=');
    if (eq === -1) return;
    const key = normalizeKey(line.slice(0, eq).trim().replace(/^-/, ''));
    const value = normalizeValue(line.slice(eq + 1));
    if (key !== '') assignments.push({ key, value, file: file.path, line: index + 1 });
  });
  return assignments;
}

/** For each key, every assignment in boot order; the last one is the value the node boots with. */
export function bootAssignments(files: readonly SysctlFile[]): Map<string, SysctlAssignment[]> {
  const result = new Map<string, SysctlAssignment[]>();
  for (const file of bootOrder(files)) {
    for (const assignment of parseSysctlFile(file)) {
      const list = result.get(assignment.key) ?? [];
      list.push(assignment);
      result.set(assignment.key, list);
    }
  }
  return result;
}

export function normalizeKey(key: string): string {
  return key.replaceAll('/', '.');
}

/** Values compare with runs of whitespace (tabs in multi-value keys) folded to one space. */
export function normalizeValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
