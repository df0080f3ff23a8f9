import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * kube-bench's own worker-node definitions, vendored unchanged in test/fixtures/kube-bench (see
 * its README for the upstream commit): `config.yaml` (the `node:` section of cfg/config.yaml) and
 * per benchmark `node.yaml` with its `config.yaml` overrides.
 */
export const KUBE_BENCH_DIR = fileURLToPath(new URL('../../fixtures/kube-bench/', import.meta.url));

/** Every vendored benchmark version (cis-1.9 … cis-1.12), oldest first. */
export const VENDORED_VERSIONS: readonly string[] = readdirSync(KUBE_BENCH_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory() && /^cis-\d+\.\d+$/.test(d.name))
  .map((d) => d.name)
  .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));

/** One component of the `node:` section (kubelet, proxy, kubernetes): candidate lists and defaults. */
export type ComponentConfig = Readonly<Record<string, unknown>>;

export interface NodeConfig {
  readonly components: readonly string[];
  readonly byComponent: ReadonlyMap<string, ComponentConfig>;
}

type Tree = Record<string, unknown>;

const isTree = (value: unknown): value is Tree => value !== null && typeof value === 'object' && !Array.isArray(value);

/** viper's MergeInConfig: maps merge key by key, anything else (lists included) is replaced. */
function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prior = out[key];
    out[key] = isTree(prior) && isTree(value) ? merge(prior, value) : value;
  }
  return out;
}

function readYaml(path: string): Tree {
  const value: unknown = parse(readFileSync(path, 'utf8'));
  return isTree(value) ? value : {};
}

/**
 * The `node:` settings kube-bench uses for a version: cfg/config.yaml with cfg/<version>/config.yaml
 * merged over it (cmd/common.go loadConfig → viper.MergeInConfig; the vendored overrides are empty).
 */
export function nodeConfig(version: string): NodeConfig {
  const merged = merge(readYaml(`${KUBE_BENCH_DIR}config.yaml`), readYaml(`${KUBE_BENCH_DIR}${version}/config.yaml`));
  const node = merged['node'];
  if (!isTree(node)) throw new Error(`${version}: no node: section in kube-bench's config`);
  const components = node['components'];
  if (!Array.isArray(components)) throw new Error(`${version}: node.components is not a list`);
  const byComponent = new Map<string, ComponentConfig>();
  for (const name of components.map(String)) {
    const section = node[name];
    if (isTree(section)) byComponent.set(name, section);
  }
  return { components: components.map(String), byComponent };
}

/** The version's node.yaml as text: kube-bench substitutes variables in the text before parsing it. */
export function controlsText(version: string): string {
  return readFileSync(`${KUBE_BENCH_DIR}${version}/node.yaml`, 'utf8');
}

/** viper's GetStringSlice of a component setting (a missing key is an empty list). */
export function stringList(section: ComponentConfig | undefined, key: string): string[] {
  const value = section?.[key];
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}
