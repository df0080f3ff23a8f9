import { shQuote } from '../../../src/node/shell-quote.ts';
import { stringList, type NodeConfig } from './definitions.ts';

/**
 * What kube-bench looks at on the node before it runs a single check (cmd/util.go): which
 * candidate programs run (`ps`) and which candidate files exist (`os.Stat`). Asked in one exec.
 */
export interface NodeObservations {
  /** Per first word of a `bins` candidate: stdout of `/bin/ps -C WORD -o cmd --no-headers`. */
  readonly ps: ReadonlyMap<string, string>;
  /** Every candidate or default path that exists (stat follows symlinks, as os.Stat does). */
  readonly existing: ReadonlySet<string>;
}

/** cmd/util.go TypeMap: the candidate list and the default per kind of file. */
const FILE_KINDS = {
  config: ['confs', 'defaultconf'],
  service: ['svc', 'defaultsvc'],
  kubeconfig: ['kubeconfig', 'defaultkubeconfig'],
  ca: ['cafile', 'defaultcafile'],
} as const;

/** cmd/common.go runChecks: the suffix each kind is substituted with ($kubeletconf, $kubeletsvc, …), in that order. */
const SUFFIXES = [
  ['bin', undefined],
  ['conf', 'config'],
  ['svc', 'service'],
  ['kubeconfig', 'kubeconfig'],
  ['cafile', 'ca'],
] as const;

const firstWord = (bin: string): string => bin.replace(/^['"]+|['"]+$/g, '').trim().split(/\s+/)[0] ?? '';

function binCandidates(config: NodeConfig): string[] {
  return [...config.byComponent.values()].flatMap((section) => stringList(section, 'bins'));
}

function fileCandidates(config: NodeConfig): string[] {
  return [...config.byComponent.values()].flatMap((section) => Object.values(FILE_KINDS).flatMap(([list]) => stringList(section, list)));
}

const B = '@@nw-kube-bench-discovery@@';

/** One POSIX sh script printing every observation kube-bench's discovery makes. */
export function discoveryScript(configs: readonly NodeConfig[]): string {
  const words = [...new Set(configs.flatMap(binCandidates).map(firstWord))];
  const paths = [...new Set(configs.flatMap(fileCandidates))];
  return [
    ...words.map((w) => `printf '\\n${B} ps %s\\n' ${shQuote(w)}; /bin/ps -C ${shQuote(w)} -o cmd --no-headers 2>/dev/null`),
    ...paths.map((p) => `if [ -e ${shQuote(p)} ]; then printf '\\n${B} exists %s\\n' ${shQuote(p)}; fi`),
    'exit 0',
  ].join('\n');
}

export function parseDiscovery(output: string): NodeObservations {
  const ps = new Map<string, string>();
  const existing = new Set<string>();
  for (const part of output.split(`\n${B} `).slice(1)) {
    const nl = part.indexOf('\n');
    const [kind, ...rest] = part.slice(0, nl).split(' ');
    const name = rest.join(' ');
    if (kind === 'ps') ps.set(name, part.slice(nl + 1));
    else existing.add(name);
  }
  return { ps, existing };
}

/**
 * cmd/util.go verifyBin: the candidate is running when a line of `ps -C FIRSTWORD -o cmd` starts
 * with it, after any path (`^(\S*\/)*` + bin: /usr/bin/kubelet matches kubelet).
 */
function verifyBin(bin: string, obs: NodeObservations): boolean {
  const stripped = bin.replace(/^['"]+|['"]+$/g, '');
  const out = obs.ps.get(firstWord(stripped)) ?? '';
  const first = new RegExp(`^(\\S*\\/)*${stripped}`);
  return out.split('\n').some((line) => first.test(line));
}

/**
 * cmd/util.go getBinaries: per component with `bins`, the first candidate that runs, else the
 * component's name. A component that is not optional and not running makes getBinaries fail, and
 * runChecks then substitutes no binary at all (it only logs the error).
 */
function binaries(config: NodeConfig, obs: NodeObservations): Map<string, string> {
  const map = new Map<string, string>();
  for (const component of config.components) {
    const section = config.byComponent.get(component);
    if (!section) continue;
    const bins = stringList(section, 'bins');
    if (bins.length === 0) continue;
    const bin = bins.find((b) => verifyBin(b, obs));
    if (bin === undefined && section['optional'] !== true) return new Map();
    map.set(component, bin ?? component);
  }
  return map;
}

/** cmd/util.go getFiles/findConfigFile: the first candidate that exists, else the default, else the component's name. */
function files(config: NodeConfig, kind: keyof typeof FILE_KINDS, obs: NodeObservations): Map<string, string> {
  const [list, fallback] = FILE_KINDS[kind];
  const map = new Map<string, string>();
  for (const component of config.components) {
    const section = config.byComponent.get(component);
    if (!section) continue;
    const found = stringList(section, list).find((p) => obs.existing.has(p));
    const byDefault = section[fallback];
    map.set(component, found ?? (byDefault !== undefined && byDefault !== null ? String(byDefault) : component));
  }
  return map;
}

/** cmd/util.go multiWordReplace: a value of several words is substituted single-quoted. */
function multiWordReplace(text: string, name: string, value: string): string {
  const sub = value.trim().split(/\s+/).length > 1 ? `'${value}'` : value;
  return text.replaceAll(name, sub);
}

export interface Substitutions {
  /** `$kubeletbin` → `kubelet`, `$kubeletconf` → `/var/lib/kubelet/config.yaml`, … in the order applied. */
  readonly variables: readonly (readonly [string, string])[];
}

/**
 * The variables cmd/common.go runChecks replaces in the controls text, in its order: by suffix
 * (bin, conf, svc, kubeconfig, cafile); within one, Go's map order is random, which is harmless
 * here because no variable name is a prefix of another with the same suffix.
 */
export function substitutions(config: NodeConfig, obs: NodeObservations): Substitutions {
  const variables: [string, string][] = [];
  for (const [suffix, kind] of SUFFIXES) {
    const map = kind === undefined ? binaries(config, obs) : files(config, kind, obs);
    for (const [component, value] of map) if (value !== '') variables.push([`$${component}${suffix}`, value]);
  }
  return { variables };
}

/** cmd/util.go makeSubstitutions over the whole controls file, before it is parsed. */
export function substitute(text: string, subs: Substitutions): string {
  return subs.variables.reduce((s, [name, value]) => multiWordReplace(s, name, value), text);
}
