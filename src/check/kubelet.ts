import { parse } from 'yaml';
import type { NodeFacts } from '../facts/types.ts';

/** Kubelet flags that are booleans: a bare `--flag` means true and never takes the next argument. */
const BOOL_FLAGS = new Set(['anonymous-auth', 'make-iptables-util-chains', 'rotate-certificates', 'seccomp-default', 'protect-kernel-defaults', 'enable-debugging-handlers', 'rotate-server-certificates']);

/** What the running kubelet was told: its flags and its --config file, parsed. */
export interface KubeletView {
  readonly running: boolean;
  readonly flags: ReadonlyMap<string, string>;
  readonly configPath: string;
  /** The parsed file, or why it could not be read. */
  readonly config: { readonly ok: true; readonly value: Readonly<Record<string, unknown>> } | { readonly ok: false; readonly why: string };
  /** --config-dir: drop-ins there override the file. */
  readonly configDir: string | undefined;
}

export type Setting =
  | { readonly from: 'flag'; readonly name: string; readonly value: string }
  | { readonly from: 'config'; readonly name: string; readonly value: unknown }
  | { readonly from: 'unset'; readonly name: string }
  | { readonly from: 'unknown'; readonly name: string; readonly why: string };

/** `--name=value`, `--name value` and bare boolean `--name`, in the order given (the last wins, as in pflag). */
export function parseKubeletFlags(args: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 1; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    if (eq !== -1) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
      continue;
    }
    const name = arg.slice(2);
    const next = args[i + 1];
    if (BOOL_FLAGS.has(name) || next === undefined || next.startsWith('-')) flags.set(name, 'true');
    else {
      flags.set(name, next);
      i++;
    }
  }
  return flags;
}

// every kubelet audit of a node reads the same view: parse its config once
const views = new WeakMap<NodeFacts, KubeletView | undefined>();

export function kubeletView(facts: NodeFacts): KubeletView | undefined {
  if (views.has(facts)) return views.get(facts);
  const kubelet = facts.kubelet;
  let view: KubeletView | undefined;
  if (kubelet) {
    const flags = parseKubeletFlags(kubelet.args);
    view = { running: kubelet.pid !== undefined, flags, configPath: kubelet.configPath, config: parseConfig(kubelet.config), configDir: flags.get('config-dir') };
  }
  views.set(facts, view);
  return view;
}

function parseConfig(fact: NonNullable<NodeFacts['kubelet']>['config']): KubeletView['config'] {
  if (!fact.exists) return { ok: false, why: `${fact.path} does not exist` };
  if (fact.contentState !== 'content' || !fact.content) return { ok: false, why: `${fact.path} was not read (${fact.contentState})` };
  try {
    const value: unknown = parse(fact.content.toString('utf8'));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, why: `${fact.path} is not a YAML mapping` };
    return { ok: true, value: value as Record<string, unknown> };
  } catch (error) {
    return { ok: false, why: `${fact.path} does not parse: ${error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error)}` };
  }
}

function at(document: Readonly<Record<string, unknown>>, path: string): unknown {
  let current: unknown = document;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/**
 * The effective value of a setting: a command-line flag overrides the file (kubelet precedence,
 * and what kube-bench reads first); a --config-dir drop-in would override the file, and is not read.
 */
export function setting(view: KubeletView, flag: string | undefined, path: string): Setting {
  if (flag !== undefined) {
    const value = view.flags.get(flag);
    if (value !== undefined) return { from: 'flag', name: `--${flag}`, value };
  }
  if (view.configDir !== undefined) return { from: 'unknown', name: path, why: `the kubelet reads drop-ins from --config-dir=${view.configDir}, which override ${path} in its config file` };
  if (!view.config.ok) return { from: 'unknown', name: path, why: view.config.why };
  const value = at(view.config.value, path);
  return value === undefined || value === null ? { from: 'unset', name: path } : { from: 'config', name: path, value };
}

export function describeSetting(s: Setting): string {
  switch (s.from) {
    case 'flag':
      return `${s.name}=${s.value} on the kubelet command line`;
    case 'config':
      return `${s.name}: ${typeof s.value === 'string' ? s.value : JSON.stringify(s.value)}`;
    case 'unset':
      return `${s.name} is not set`;
    case 'unknown':
      return s.why;
  }
}

/** Go's time.ParseDuration, in seconds; undefined when it is not a duration. */
export function goDurationSeconds(text: string): number | undefined {
  if (text === '0') return 0;
  const units: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  const match = /^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$/.exec(text);
  if (!match) return undefined;
  let total = 0;
  for (const part of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) total += Number(part[1]) * (units[part[2] ?? 's'] ?? 1);
  return text.startsWith('-') ? -total : total;
}
