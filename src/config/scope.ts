import type { HostSpec } from './types.ts';
import type { VarLookup } from './template.ts';
import { closest } from './suggest.ts';

/**
 * Variables visible to a playbook on one host: builtins under `node` (name, address, labels,
 * groups), then the host's inventory variables, then the playbook's defaults.
 */
export function hostVariables(host: HostSpec, playbookVars: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return {
    ...playbookVars,
    ...host.vars,
    node: { name: host.name, address: host.address, labels: { ...host.labels }, groups: [...host.groups] },
  };
}

/**
 * Looks up `a.b.c`. Keys may themselves contain dots (label keys such as
 * `topology.kubernetes.io/zone`), so at each level the shortest run of segments naming a key wins.
 */
export function lookupIn(variables: Readonly<Record<string, unknown>>): VarLookup {
  return (path) => {
    const segments = path.split('.');
    let current: unknown = variables;
    let walked = '';
    let i = 0;
    while (i < segments.length) {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) {
        return { found: false, message: `unknown variable '${path}': '${walked}' is not a mapping` };
      }
      const map = current as Record<string, unknown>;
      let key: string | undefined;
      for (let j = i + 1; j <= segments.length && key === undefined; j++) {
        const candidate = segments.slice(i, j).join('.');
        if (Object.hasOwn(map, candidate)) {
          key = candidate;
          i = j;
        }
      }
      if (key === undefined) {
        const prefix = walked === '' ? '' : `${walked}.`;
        const rest = segments.slice(i + 1);
        const whole = closest(segments.slice(i).join('.'), Object.keys(map));
        const first = closest(segments[i] ?? '', Object.keys(map));
        const near = whole ?? (first === undefined ? undefined : [first, ...rest].join('.'));
        const hint = near === undefined ? '' : ` (did you mean '${prefix}${near}'?)`;
        return { found: false, message: `unknown variable '${path}'${hint}` };
      }
      walked = walked === '' ? key : `${walked}.${key}`;
      current = map[key];
    }
    return { found: true, value: current };
  };
}
