import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ConfigError } from '../../../src/util/errors.ts';
import type { ConfigIssue } from '../../../src/util/errors.ts';
import type { Playbook } from '../../../src/config/playbook-types.ts';

/** Fixture helpers: each case is a YAML file; expected issues are `# expect: [file:]line:col: message` comments in it. */

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/config');

export function fixturePath(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

/** The .yaml files of a fixture folder (sidecars such as *.expected.yaml excluded), sorted. */
export function fixtureCases(...parts: string[]): string[] {
  return readdirSync(fixturePath(...parts))
    .filter((f) => f.endsWith('.yaml') && !f.endsWith('.expected.yaml'))
    .sort();
}

/** Expected issues, each as `file:line:col: message` with `file` relative to the fixture's folder. */
export function expectedIssues(file: string): string[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: string[] = [];
  for (const line of lines) {
    const match = /^# expect: (?:([^\s:]+):)?(\d+):(\d+): (.*)$/.exec(line);
    if (match === null) continue;
    const [, other, row, col, message] = match;
    out.push(`${other ?? relative(dirname(file), file)}:${row}:${col}: ${message}`);
  }
  return out;
}

/** The issues of a ConfigError in the same form as expectedIssues (files relative to `dir`). */
export function issueLines(error: unknown, dir: string): string[] {
  if (!(error instanceof ConfigError)) throw error;
  return error.issues.map((i: ConfigIssue) => `${relative(dir, i.file)}:${i.line}:${i.column}: ${i.message}`);
}

export async function expectConfigError(run: () => unknown, file: string): Promise<void> {
  const expected = expectedIssues(file);
  expect(expected.length, `${file} has no '# expect:' lines`).toBeGreaterThan(0);
  let thrown: unknown;
  try {
    await run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a ConfigError').toBeInstanceOf(ConfigError);
  expect(issueLines(thrown, dirname(file))).toEqual(expected);
}

/** A Playbook as plain data, positions as "line:col" (or "file:line:col" in another file). */
export function plainPlaybook(playbook: Playbook): unknown {
  const at = (p: { file: string; line: number; column: number }): string =>
    p.file === playbook.file ? `${p.line}:${p.column}` : `${relative(dirname(playbook.file), p.file)}:${p.line}:${p.column}`;
  const out = {
    name: playbook.name,
    description: playbook.description,
    file: relative(dirname(playbook.file), playbook.file),
    vars: playbook.vars,
    entries: playbook.entries.map((e) => ({
      id: e.id,
      name: e.name,
      at: at(e.source),
      checks: e.checks,
      note: e.note,
      when: e.when,
      kind: e.resource.kind,
      spec: e.resource.spec,
    })),
  };
  return JSON.parse(JSON.stringify(out).split(dirname(playbook.file)).join('<dir>'));
}
