import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { bootAssignments, type SysctlAssignment } from '../facts/sysctl-boot.ts';
import type { NodeFacts, SysctlFile } from '../facts/types.ts';
import type { Change, NodePlan, Operation } from '../plan/types.ts';

export { CONTAINERD_CONFIG } from '../spec/well-known.ts';

/** The node as it will be once the plan's writes are made (before any restart): pure. */
export interface AfterState {
  /** Text of a file after the plan; undefined when absent; `unreadable` when its content was withheld. */
  fileText(path: string): string | undefined | 'unreadable';
  /** Whether the plan writes (or deletes) a file. */
  writes(path: string): boolean;
  live(key: string): string | null | undefined;
  boot(key: string): string | undefined;
  /** The line the node boots with for a key (file, line, value), after the plan. */
  bootSource(key: string): SysctlAssignment | undefined;
  /** The change of the plan that writes (or deletes) a path. */
  writer(path: string): Change | undefined;
}

export function afterState(facts: NodeFacts, plan: NodePlan): AfterState {
  const operations = plan.changes.flatMap((change) => change.operations);
  const writes = new Map<string, Operation>();
  const sysctls = new Map<string, string>();
  for (const op of operations) {
    if (op.op === 'writeFile' || op.op === 'deleteFile') writes.set(op.path, op);
    if (op.op === 'sysctl') sysctls.set(op.key, op.value);
  }
  const fileText = (path: string): string | undefined | 'unreadable' => {
    const write = writes.get(path);
    if (write?.op === 'writeFile') return Buffer.from(write.content, 'base64').toString('utf8');
    if (write?.op === 'deleteFile') return undefined;
    const fact = facts.files.get(path);
    if (!fact?.exists) return undefined;
    return fact.content ? fact.content.toString('utf8') : 'unreadable';
  };
  const filesAfter = sysctlFilesAfter(facts.sysctlFiles ?? [], writes);
  const boots = bootAssignments(filesAfter);
  return {
    fileText,
    writes: (path) => writes.has(path),
    live: (key) => (sysctls.has(key) ? sysctls.get(key) : facts.sysctls.get(key)),
    boot: (key) => {
      const list = boots.get(key);
      return list?.[list.length - 1]?.value;
    },
    bootSource: (key) => boots.get(key)?.at(-1),
    writer: (path) => plan.changes.find((change) => change.operations.some((op) => (op.op === 'writeFile' || op.op === 'deleteFile') && op.path === path)),
  };
}

function sysctlFilesAfter(files: readonly SysctlFile[], writes: ReadonlyMap<string, Operation>): SysctlFile[] {
  const result: SysctlFile[] = [];
  for (const file of files) {
    const write = writes.get(file.realPath) ?? writes.get(file.path);
    if (write?.op === 'deleteFile') continue;
    result.push(write?.op === 'writeFile' ? { ...file, content: Buffer.from(write.content, 'base64').toString('utf8') } : file);
  }
  for (const [path, write] of writes) {
    if (write.op === 'writeFile' && /^\/etc\/sysctl\.d\/[^/]+\.conf$/.test(path) && !files.some((f) => f.path === path)) {
      result.push({ path, realPath: path, content: Buffer.from(write.content, 'base64').toString('utf8') });
    }
  }
  return result;
}

export function parseYamlMap(text: string | undefined | 'unreadable'): Record<string, unknown> | undefined {
  if (text === undefined || text === 'unreadable') return undefined;
  try {
    const value: unknown = parseYaml(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export type TomlResult = { readonly ok: true; readonly value: Record<string, unknown> } | { readonly ok: false; readonly error: string };

export function parseTomlText(text: string): TomlResult {
  try {
    return { ok: true, value: parseToml(text) as Record<string, unknown> };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message.split('\n')[0] ?? 'parse error' : String(error) };
  }
}

/** containerd's runc SystemdCgroup from a config (v2 or v3 table names); false, containerd's default, when unset. */
export function containerdSystemdCgroup(config: Record<string, unknown>): boolean {
  const plugins = (config['plugins'] ?? {}) as Record<string, unknown>;
  const candidates = [
    ['io.containerd.cri.v1.runtime', 'containerd', 'runtimes', 'runc', 'options', 'SystemdCgroup'],
    ['io.containerd.grpc.v1.cri', 'containerd', 'runtimes', 'runc', 'options', 'SystemdCgroup'],
  ];
  for (const path of candidates) {
    let at: unknown = plugins;
    for (const part of path) at = at && typeof at === 'object' ? (at as Record<string, unknown>)[part] : undefined;
    if (typeof at === 'boolean') return at;
  }
  return false;
}
