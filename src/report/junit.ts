import { xmlEscape } from './xml.ts';

export type JUnitOutcome =
  | { readonly kind: 'passed' }
  | { readonly kind: 'failure'; readonly message: string; readonly text: string }
  | { readonly kind: 'error'; readonly message: string; readonly text: string }
  | { readonly kind: 'skipped'; readonly message: string };

export interface JUnitCase {
  readonly name: string;
  readonly classname: string;
  readonly outcome: JUnitOutcome;
  readonly output?: string | undefined;
}

export interface JUnitSuite {
  readonly name: string;
  readonly timestamp: string;
  readonly cases: readonly JUnitCase[];
  readonly properties?: Readonly<Record<string, string>>;
}

/** The JUnit XML CI systems read (Jenkins/GitLab/GitHub reporters): one testsuite per node. */
export function renderJUnit(name: string, suites: readonly JUnitSuite[]): string {
  const count = (kind: JUnitOutcome['kind'], cases: readonly JUnitCase[]): number => cases.filter((c) => c.outcome.kind === kind).length;
  const all = suites.flatMap((s) => s.cases);
  const attrs = (cases: readonly JUnitCase[]): string =>
    `tests="${cases.length}" failures="${count('failure', cases)}" errors="${count('error', cases)}" skipped="${count('skipped', cases)}"`;
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="${xmlEscape(name)}" ${attrs(all)}>`];
  for (const suite of suites) {
    lines.push(`  <testsuite name="${xmlEscape(suite.name)}" timestamp="${xmlEscape(suite.timestamp)}" ${attrs(suite.cases)}>`);
    const props = Object.entries(suite.properties ?? {});
    if (props.length > 0) {
      lines.push('    <properties>');
      for (const [key, value] of props) lines.push(`      <property name="${xmlEscape(key)}" value="${xmlEscape(value)}"/>`);
      lines.push('    </properties>');
    }
    for (const c of suite.cases) lines.push(...renderCase(c));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}

function renderCase(c: JUnitCase): string[] {
  const open = `    <testcase name="${xmlEscape(c.name)}" classname="${xmlEscape(c.classname)}"`;
  const body: string[] = [];
  const o = c.outcome;
  if (o.kind === 'failure' || o.kind === 'error') body.push(`      <${o.kind} message="${xmlEscape(o.message)}" type="${o.kind}">${xmlEscape(o.text)}</${o.kind}>`);
  if (o.kind === 'skipped') body.push(`      <skipped message="${xmlEscape(o.message)}"/>`);
  if (c.output) body.push(`      <system-out>${xmlEscape(c.output)}</system-out>`);
  return body.length === 0 ? [`${open}/>`] : [`${open}>`, ...body, '    </testcase>'];
}
