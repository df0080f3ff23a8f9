import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Condition, ResourceEntry } from '../../../src/config/playbook-types.ts';
import type { HostSpec } from '../../../src/config/types.ts';
import { buildNodePlan } from '../../../src/planner/build.ts';
import { resourceSchemas, type ResourceSpec } from '../../../src/spec/schemas.ts';
import { factsFrom, type FactsFixture } from './fixture-facts.ts';

interface EntryFixture {
  name: string;
  kind: keyof typeof resourceSchemas;
  spec: unknown;
  checks?: string[];
  note?: string;
  when?: Condition;
}

interface PlanFixture {
  description: string;
  vars?: Record<string, unknown>;
  entries: EntryFixture[];
  facts: FactsFixture;
  expect: {
    status: string;
    error?: string;
    restarts?: string[];
    skipped?: { entry: string; reason: string }[];
    changes?: Record<string, unknown>[];
    diffContains?: string[];
    diffExcludes?: string[];
  };
}

const dir = join(import.meta.dirname, '../../fixtures/plan');
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => [f, parse(readFileSync(join(dir, f), 'utf8')) as PlanFixture] as const);

function entryOf(e: EntryFixture): ResourceEntry {
  const spec = resourceSchemas[e.kind].parse(e.spec);
  return {
    id: `test/${e.name}`,
    name: e.name,
    checks: e.checks ?? [],
    note: e.note,
    when: e.when,
    resource: { kind: e.kind, spec } as ResourceSpec,
    source: { file: 'test.yaml', line: 1, column: 1 },
  };
}

function hostOf(vars: Record<string, unknown> = {}): HostSpec {
  return { name: 'node-1', address: '198.19.0.11', port: 22, user: 'ops', identityFile: undefined, become: 'sudo', labels: {}, groups: [], vars };
}

describe('buildNodePlan (fixtures)', () => {
  it.each(cases)('%s', (_file, fixture) => {
    const plan = buildNodePlan(hostOf(fixture.vars), fixture.entries.map(entryOf), factsFrom(fixture.facts));
    expect(plan.status, plan.error?.message).toBe(fixture.expect.status);
    if (fixture.expect.error) expect(plan.error?.message).toMatch(new RegExp(fixture.expect.error));
    if (fixture.expect.restarts) expect(plan.restarts).toEqual(fixture.expect.restarts);
    if (fixture.expect.skipped) expect(plan.skipped).toEqual(fixture.expect.skipped);
    if (fixture.expect.changes) {
      expect(plan.changes.map((c) => c.id)).toEqual(fixture.expect.changes.map((c) => c['id']));
      fixture.expect.changes.forEach((expected, i) => expect(plan.changes[i]).toMatchObject(expected));
    }
    const diffs = plan.changes.map((c) => c.diff ?? '').join('\n');
    for (const text of fixture.expect.diffContains ?? []) expect(diffs).toContain(text);
    for (const text of fixture.expect.diffExcludes ?? []) expect(diffs).not.toContain(text);
  });

  it('is deterministic: same input, same plan', () => {
    const [, fixture] = cases.find(([f]) => f.startsWith('kubelet-config-update')) ?? [];
    if (!fixture) throw new Error('fixture missing');
    const build = () => buildNodePlan(hostOf(), fixture.entries.map(entryOf), factsFrom(fixture.facts));
    expect(build()).toEqual(build());
  });
});
