import type { ResourceEntry } from '../config/playbook-types.ts';
import { PlanError } from '../plan/errors.ts';
import { fingerprint } from '../plan/fingerprint.ts';
import type { Change } from '../plan/types.ts';
import type { ServiceToRestart } from '../spec/schema-parts.ts';
import { entryChecks, entryIds, entryNotes, unique } from './change-parts.ts';
import type { PackageSpec } from '../spec/schemas.ts';
import type { PlanInput, ResourceHandler } from './types.ts';

interface Pin {
  version: string;
  refresh: boolean;
  restarts: ServiceToRestart[];
  entries: ResourceEntry[];
}

export const packageHandler: ResourceHandler<PackageSpec> = {
  requests(spec) {
    return Object.keys(spec.versions).map((name) => ({ kind: 'package' as const, name }));
  },

  plan(desired, input) {
    const pins = new Map<string, Pin>();
    for (const { entry, spec } of desired) {
      for (const [name, version] of Object.entries(spec.versions)) {
        const previous = pins.get(name);
        if (previous && previous.version !== version) {
          throw new PlanError(`package ${name} is pinned to ${previous.version} by ${previous.entries.map((e) => e.id).join(', ')} and to ${version} by ${entry.id}`, input.host);
        }
        pins.set(name, {
          version,
          refresh: (previous?.refresh ?? false) || spec.refresh,
          restarts: unique([...(previous?.restarts ?? []), ...spec.restarts]),
          entries: [...(previous?.entries ?? []), entry],
        });
      }
    }
    return [...pins].flatMap(([name, pin]) => packageChange(name, pin, input));
  },
};

function packageChange(name: string, pin: Pin, input: PlanInput): Change[] {
  const fact = input.facts.packages?.get(name);
  if (!fact || fact.manager === 'none') throw new PlanError(`no package manager (apt-get with dpkg, dnf or yum) on this node for ${name}`, input.host);
  if (fact.installed === pin.version) return [];
  return [
    {
      id: `package:${name}`,
      kind: 'package',
      target: name,
      action: fact.installed === undefined ? 'create' : 'update',
      entries: entryIds(pin.entries),
      summary: [`${fact.installed ?? '(not installed)'} → ${pin.version} (${fact.manager})`],
      before: { version: fact.installed ?? null, manager: fact.manager },
      after: { version: pin.version, manager: fact.manager },
      diff: undefined,
      sensitive: false,
      restarts: pin.restarts,
      checks: entryChecks(pin.entries),
      notes: [...entryNotes(pin.entries), 'a package upgrade may reset file modes it ships (the files playbook puts them back)'],
      fingerprint: fingerprint({ installed: fact.installed ?? null, manager: fact.manager }),
      operations: [{ op: 'package', manager: fact.manager, name, version: pin.version, refresh: pin.refresh }],
    },
  ];
}
