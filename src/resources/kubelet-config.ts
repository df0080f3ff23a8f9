import type { FileFact } from '../facts/types.ts';
import { PlanError } from '../plan/errors.ts';
import type { Change } from '../plan/types.ts';
import { entryNotes, unique } from './change-parts.ts';
import { keyEditChange } from './key-edit-change.ts';
import type { KubeletConfigSpec } from '../spec/schemas.ts';
import type { Desired, PlanInput, ResourceHandler } from './types.ts';
import { metaSummary, writeMeta } from './write-meta.ts';
import { editYaml, type YamlEdit } from './yaml-edit.ts';

export const KUBELET_CONFIG_KIND = 'KubeletConfiguration';
export const KUBELET_CONFIG_API_VERSION = 'kubelet.config.k8s.io/v1beta1';

export const kubeletConfigHandler: ResourceHandler<KubeletConfigSpec> = {
  requests(spec) {
    return spec.path ? [{ kind: 'file', path: spec.path, content: true, follow: false, sensitive: false }] : [{ kind: 'kubelet' }];
  },

  plan(desired, input) {
    const byPath = new Map<string, Desired<KubeletConfigSpec>[]>();
    for (const item of desired) {
      const path = item.spec.path ?? input.facts.kubelet?.configPath;
      if (!path) throw new PlanError(`${item.entry.id}: the kubelet config path is unknown`, input.host);
      byPath.set(path, [...(byPath.get(path) ?? []), item]);
    }
    return [...byPath].flatMap(([path, group]) => planKubeletConfig(path, group, input));
  },
};

/** Each key path once, refusing two entries that want different values for it; `owners` learns who wants which. */
function mergedEdits(group: readonly Desired<KubeletConfigSpec>[], host: string, owners: Map<string, string>): YamlEdit[] {
  const wanted = new Map<string, { value: unknown; entry: string }>();
  const put = (key: string, value: unknown, entry: string): void => {
    const previous = wanted.get(key);
    if (previous && JSON.stringify(previous.value) !== JSON.stringify(value)) {
      throw new PlanError(`kubelet config key ${key} is set differently by ${previous.entry} and ${entry}`, host);
    }
    wanted.set(key, { value, entry });
  };
  for (const { entry, spec } of group) {
    for (const [key, value] of Object.entries(spec.set)) put(key, value, entry.id);
    for (const key of spec.remove) put(key, undefined, entry.id);
  }
  for (const [key, { entry }] of wanted) owners.set(key, entry);
  return [...wanted].map(([key, { value }]) => ({ key, value }));
}

function planKubeletConfig(path: string, group: readonly Desired<KubeletConfigSpec>[], input: PlanInput): Change[] {
  const entries = group.map((item) => item.entry);
  const fact: FileFact | undefined = input.facts.files.get(path);
  if (!fact?.exists) throw new PlanError(`kubelet config ${path} does not exist`, input.host);
  if (fact.type !== 'file') throw new PlanError(`kubelet config ${path} is a ${fact.type}`, input.host);
  if (fact.contentState !== 'content' || !fact.content) {
    throw new PlanError(`kubelet config ${path} could not be read (${fact.contentState})`, input.host);
  }
  const text = fact.content.toString('utf8');
  const owners = new Map<string, string>();
  const result = editYaml(text, mergedEdits(group, input.host, owners));
  if (!result.ok) throw new PlanError(`kubelet config ${path} is ${result.error}`, input.host);
  const document = result.document as Record<string, unknown> | null;
  if (document?.['kind'] !== KUBELET_CONFIG_KIND) {
    throw new PlanError(`${path} is not a ${KUBELET_CONFIG_KIND} (kind: ${String(document?.['kind'])})`, input.host);
  }

  const meta = writeMeta(fact, {}, input.constraints.get(path));
  const metaLines = metaSummary(fact, meta);
  if (result.changes.length === 0 && metaLines.length === 0) return [];
  return [
    keyEditChange({
      kind: 'kubeletConfig',
      path,
      fact: { ...fact, content: fact.content },
      changes: result.changes,
      text: result.text,
      meta,
      metaLines,
      entries,
      restarts: unique(group.flatMap((item) => item.spec.restarts)),
      notes: entryNotes(entries),
      show,
      keyOwners: owners,
    }),
  ];
}

function show(value: unknown): string {
  if (value === undefined) return '(unset)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
