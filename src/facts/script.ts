import { lines, sh, type Script } from '../node/sh.ts';
import { FACT_KIND_ORDER, factKind } from './kinds/index.ts';
import type { Item, Kind } from './kinds/kind.ts';
import { frameFunctions } from './kinds/shared.ts';
import type { FactRequest } from './types.ts';

export { CONTENT_CAP_BYTES } from './kinds/shared.ts';
export { SYSCTL_CONF, SYSCTL_DIRS } from './kinds/sysctl-files.ts';
export { sysctlPath } from './kinds/sysctl.ts';
export { UNIT_PROPERTIES, unitName } from './kinds/unit.ts';

/** The id of a request's sections: its kind's letter and its index (never a value from the node or the playbook). */
export function sectionId(request: FactRequest, index: number): string {
  return `${factKind(request.kind).section}${index}`;
}

/** The requests of each kind, with their section ids, in request order. */
export function itemsByKind(requests: readonly FactRequest[]): Map<Kind, Item<Kind>[]> {
  const byKind = new Map<Kind, Item<Kind>[]>();
  requests.forEach((request, index) => byKind.set(request.kind, [...(byKind.get(request.kind) ?? []), { request, id: sectionId(request, index) }]));
  return byKind;
}

/**
 * The POSIX sh script that answers every request in one exec. Output is a series of sections,
 * each introduced by "\n<boundary> <id>\n"; the boundary is random per run, so no file content
 * can forge a section. What each kind sends, and how it reads its sections back: facts/kinds/.
 */
export function buildFactsScript(requests: readonly FactRequest[], boundary: string): Script {
  const byKind = itemsByKind(requests);
  const asked = FACT_KIND_ORDER.filter((kind) => byKind.has(kind));
  const parts: Script[] = [frameFunctions(boundary)];
  for (const kind of asked) {
    const functions = factKind(kind).functions;
    if (functions) parts.push(functions);
  }
  for (const kind of asked) {
    const before = factKind(kind).before;
    if (before) parts.push(before(byKind.get(kind) ?? []));
  }
  requests.forEach((request, index) => {
    const each = factKind(request.kind).each as ((request: FactRequest, id: string) => Script) | undefined;
    if (each) parts.push(each(request, sectionId(request, index)));
  });
  for (const kind of asked) {
    const after = factKind(kind).after;
    if (after) parts.push(after(byKind.get(kind) ?? []));
  }
  parts.push(sh`exit 0`, sh``);
  return lines(parts);
}
