import type { FileFact } from '../facts/types.ts';
import { PlanError } from '../plan/errors.ts';
import { fingerprint, sha256 } from '../plan/fingerprint.ts';
import { contentDiff, viewOf } from '../plan/text-diff.ts';
import type { Change } from '../plan/types.ts';
import { entryChecks, entryIds, entryNotes, unique } from './change-parts.ts';
import { metaOperations } from './file.ts';
import type { KubeletConfigSpec } from './schemas.ts';
import type { Desired, PlanInput, ResourceHandler } from './types.ts';
import { fileFingerprintInput, metaSummary, writeMeta } from './write-meta.ts';
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

/** Each key path once, refusing two entries that want different values for it. */
function mergedEdits(group: readonly Desired<KubeletConfigSpec>[], host: string): YamlEdit[] {
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
  const result = editYaml(text, mergedEdits(group, input.host));
  if (!result.ok) throw new PlanError(`kubelet config ${path} is ${result.error}`, input.host);
  const document = result.document as Record<string, unknown> | null;
  if (document?.['kind'] !== KUBELET_CONFIG_KIND) {
    throw new PlanError(`${path} is not a ${KUBELET_CONFIG_KIND} (kind: ${String(document?.['kind'])})`, input.host);
  }

  const meta = writeMeta(fact, {}, input.constraints.get(path));
  const metaLines = metaSummary(fact, meta);
  if (result.changes.length === 0 && metaLines.length === 0) return [];
  const content = Buffer.from(result.text, 'utf8');
  const contentSha = sha256(content);
  const rewrite = result.changes.length > 0;
  return [
    {
      id: `kubeletConfig:${path}`,
      kind: 'kubeletConfig',
      target: path,
      action: 'update',
      entries: entryIds(entries),
      summary: [...result.changes.map((c) => `${c.key}: ${show(c.before)} → ${show(c.after)}`), ...metaLines],
      before: { sha256: fact.sha256, mode: fact.mode, owner: fact.owner, group: fact.group, keys: Object.fromEntries(result.changes.map((c) => [c.key, c.before ?? null])) },
      after: { sha256: rewrite ? contentSha : fact.sha256, ...meta, keys: Object.fromEntries(result.changes.map((c) => [c.key, c.after ?? null])) },
      diff: rewrite ? contentDiff(path, viewOf(fact.content, fact.sha256 ?? '', false), viewOf(content, contentSha, false)) : undefined,
      sensitive: false,
      restarts: rewrite ? unique(group.flatMap((item) => item.spec.restarts)) : [],
      checks: entryChecks(entries),
      notes: entryNotes(entries),
      fingerprint: fingerprint(fileFingerprintInput(fact)),
      operations: rewrite ? [{ op: 'writeFile', path, content: content.toString('base64'), ...meta }] : metaOperations(path, fact, meta),
    },
  ];
}

function show(value: unknown): string {
  if (value === undefined) return '(unset)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
