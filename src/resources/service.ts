import type { ResourceEntry } from '../config/playbook-types.ts';
import { unitName } from '../facts/script.ts';
import type { UnitFact } from '../facts/types.ts';
import { PlanError } from '../plan/errors.ts';
import { fingerprint } from '../plan/fingerprint.ts';
import type { Change, Operation } from '../plan/types.ts';
import { entryChecks, entryIds, entryNotes } from './change-parts.ts';
import type { ServiceSpec } from '../spec/schemas.ts';
import type { PlanInput, ResourceHandler } from './types.ts';

type Enabled = NonNullable<ServiceSpec['enabled']>;

interface Wanted {
  enabled: Enabled | undefined;
  active: boolean | undefined;
  missing: 'ignore' | 'fail';
  entries: ResourceEntry[];
}

/** unit-file states that start at boot (or are pulled in anyway), and those that do not */
const STARTS_AT_BOOT = new Set(['enabled', 'enabled-runtime', 'static', 'alias', 'indirect', 'generated', 'linked', 'linked-runtime', 'transient']);
const MASKED = new Set(['masked', 'masked-runtime']);
const RUNNING = new Set(['active', 'reloading', 'activating']);

export const serviceHandler: ResourceHandler<ServiceSpec> = {
  requests(spec) {
    return spec.units.map((name) => ({ kind: 'unit' as const, name }));
  },

  plan(desired, input) {
    const wanted = new Map<string, Wanted>();
    for (const { entry, spec } of desired) {
      for (const name of spec.units) {
        const previous = wanted.get(name);
        const conflict = (a: unknown, b: unknown): boolean => a !== undefined && b !== undefined && a !== b;
        if (previous && (conflict(previous.enabled, spec.enabled) || conflict(previous.active, spec.active))) {
          throw new PlanError(`unit ${unitName(name)} is wanted differently by ${previous.entries.map((e) => e.id).join(', ')} and ${entry.id}`, input.host);
        }
        wanted.set(name, {
          enabled: previous?.enabled ?? spec.enabled,
          active: previous?.active ?? spec.active,
          missing: previous?.missing === 'fail' || spec.missing === 'fail' ? 'fail' : 'ignore',
          entries: [...(previous?.entries ?? []), entry],
        });
      }
    }
    return [...wanted].flatMap(([name, want]) => unitChange(name, want, input));
  },
};

function enablementOp(state: string, wanted: Enabled | undefined): { op: 'enable' | 'disable' | 'mask'; line: string } | undefined {
  if (wanted === undefined) return undefined;
  if (wanted === 'masked') return MASKED.has(state) ? undefined : { op: 'mask', line: `${state} → masked` };
  if (wanted) return STARTS_AT_BOOT.has(state) ? undefined : { op: 'enable', line: `${state} → enabled` };
  return STARTS_AT_BOOT.has(state) && state !== 'static' ? { op: 'disable', line: `${state} → disabled` } : undefined;
}

function unitChange(name: string, want: Wanted, input: PlanInput): Change[] {
  const full = unitName(name);
  const fact: UnitFact | undefined = input.facts.units.get(name);
  const installed = fact !== undefined && !['not-found', 'unknown', ''].includes(fact.loadState);
  const writtenNow = [...input.written].some((path) => /^\/(etc|usr\/lib|lib)\/systemd\/system\/[^/]+$/.test(path) && path.endsWith(`/${full}`));
  if (!installed && !writtenNow) {
    if (want.missing === 'fail') throw new PlanError(`unit ${full} is not installed on this node`, input.host);
    return [];
  }
  const unit: UnitFact = installed && fact ? fact : { name: full, loadState: 'loaded', activeState: 'inactive', subState: 'dead', unitFileState: 'disabled', mainPid: 0, nRestarts: 0, ipAddressDeny: [] };
  const state = unit.unitFileState || 'unknown';
  const enablement = enablementOp(state, want.enabled);
  const running = RUNNING.has(unit.activeState);
  const activity = want.active === undefined || want.active === running ? undefined : want.active ? 'start' : 'stop';
  if (!enablement && !activity) return [];
  const summary = [...(enablement ? [enablement.line] : []), ...(activity ? [`${unit.activeState} → ${activity === 'start' ? 'active' : 'inactive'}`] : [])];
  const operations: Operation[] = [{ op: 'unit', unit: full, enablement: enablement?.op, activity }];
  return [
    {
      id: `service:${full}`,
      kind: 'service',
      target: full,
      action: 'update',
      entries: entryIds(want.entries),
      summary,
      before: { enabled: state, active: unit.activeState },
      after: {
        enabled: enablement ? (enablement.op === 'mask' ? 'masked' : enablement.op === 'enable' ? 'enabled' : 'disabled') : state,
        active: activity ? (activity === 'start' ? 'active' : 'inactive') : unit.activeState,
      },
      diff: undefined,
      sensitive: false,
      restarts: [],
      checks: entryChecks(want.entries),
      notes: entryNotes(want.entries),
      fingerprint: fingerprint({ loadState: unit.loadState, enabled: state, active: running }),
      operations,
    },
  ];
}
