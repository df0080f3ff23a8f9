import { parse } from 'yaml';
import type { TestItem } from './controls.ts';
import { executeJSONPath, PathError } from './jsonpath.ts';

/** check/test.go AuditUsed: which output a test item was read from. */
export type AuditUsed = 'auditCommand' | 'auditConfig' | 'auditEnv';

/** check/test.go testOutput. */
export interface TestOutput {
  readonly testResult: boolean;
  readonly flagFound: boolean;
  readonly actualResult: string;
  readonly expectedResult: string;
}

const failTestItem = (s: string): TestOutput => ({ testResult: false, flagFound: false, actualResult: s, expectedResult: '' });

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * flagTestItem.findValue: the flag anywhere in the output (strings.Contains), then its value from
 * `(FLAG)(=|: *)*([^\s]*) *` (FLAG is put in the pattern as it is, not quoted); with no value a
 * `--flag VALUE` form when the test compares (spaceSeparatedValue), else "true" for a `--flag`,
 * else the flag itself.
 */
function flagValue(item: TestItem, s: string): { match: boolean; value: string } {
  if (s === '' || item.flag === '') return { match: false, value: '' };
  if (!s.includes(item.flag)) return { match: false, value: '' };
  const vals = new RegExp(`(${item.flag})(=|: *)*([^\\s]*) *`).exec(s);
  if (!vals) throw new Error(`invalid flag in testItem definition: ${s}`);
  if ((vals[3] ?? '') !== '') return { match: true, value: vals[3] ?? '' };
  if (item.compare.op !== '') {
    const spaced = new RegExp(`${escape(item.flag)}\\s+([^\\s-][^\\s]*)`).exec(s);
    if (spaced) return { match: true, value: spaced[1] ?? '' };
  }
  return { match: true, value: item.flag.startsWith('--') ? 'true' : (vals[1] ?? '') };
}

/** check/test.go unmarshal: JSON first, then YAML (gopkg.in/yaml.v2: YAML 1.1 scalars). */
function unmarshal(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return parse(s, { version: '1.1' }) as unknown;
  }
}

/** pathTestItem.findValue: the output parsed, the JSONPath evaluated; found when it printed something. */
function pathValue(item: TestItem, s: string): { match: boolean; value: string } {
  let data: unknown;
  try {
    data = unmarshal(s);
  } catch (error) {
    throw new Error(`failed to load YAML or JSON from input "${s}": ${String(error)}`);
  }
  try {
    const value = executeJSONPath(item.path, data);
    return { match: value !== '', value };
  } catch (error) {
    if (error instanceof PathError) throw new Error(`unable to parse path expression "${item.path}": ${error.message}`);
    throw error;
  }
}

/** envTestItem.findValue: `ENV=…` on a line of the process environment. */
function envValue(item: TestItem, s: string): { match: boolean; value: string } {
  if (s === '' || item.env === '') return { match: false, value: '' };
  const line = new RegExp(`${item.env}=.*(?:$|\\n)`).exec(s)?.[0] ?? '';
  const value = line.replace('\n', '').replace(`${item.env}=`, '');
  return { match: value.length > 0, value };
}

/** check/test.go splitAndRemoveLastSeparator. */
function splitList(s: string): string[] {
  const clean = s.trim().replace(/,+$/, '');
  return clean === '' ? [] : clean.split(',').map((x) => x.trim());
}

/** check/test.go toNumeric: strconv.Atoi of each, trimmed. */
function atoi(s: string): number | undefined {
  const t = s.trim();
  return /^[+-]?\d+$/.test(t) ? Number(t) : undefined;
}

/** check/test.go compareOp: the verdict for one op and the expected-result text. */
export function compareOp(op: string, flagVal: string, compareValue: string, flagName: string): { expected: string; result: boolean } {
  const said = (pattern: string, result: boolean) => ({ expected: pattern.replace('%s', flagName).replace('%s', compareValue), result });
  const lower = flagVal.toLowerCase();
  const isBool = lower === 'false' || lower === 'true';
  switch (op) {
    case 'eq':
      // booleans compare case-insensitively (only the flag's side is lowered)
      return said("'%s' is equal to '%s'", isBool ? lower === compareValue : flagVal === compareValue);
    case 'noteq':
      return said("'%s' is not equal to '%s'", !(isBool ? lower === compareValue : flagVal === compareValue));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const a = atoi(flagVal);
      const b = atoi(compareValue);
      if (a === undefined || b === undefined) return { expected: `Invalid Number(s) used for comparison: '${flagVal}' '${compareValue}'`, result: false };
      const result = op === 'gt' ? a > b : op === 'gte' ? a >= b : op === 'lt' ? a < b : a <= b;
      return said(op === 'gt' ? "'%s' is greater than %s" : op === 'gte' ? "'%s' is greater or equal to %s" : op === 'lt' ? "'%s' is lower than %s" : "'%s' is lower or equal to %s", result);
    }
    case 'has':
      return said("'%s' has '%s'", flagVal.includes(compareValue));
    case 'nothave':
      return said("'%s' does not have '%s'", !flagVal.includes(compareValue));
    case 'regex':
      // Go's RE2 and JavaScript agree on the patterns the vendored definitions could hold
      return said("'%s' matched by regex expression '%s'", new RegExp(compareValue).test(flagVal));
    case 'valid_elements': {
      // allElementsValid: both empty is valid, one empty is not, else every element allowed
      const source = splitList(flagVal);
      const target = splitList(compareValue);
      const result = source.length === 0 && target.length === 0 ? true : source.length === 0 || target.length === 0 ? false : source.every((s) => target.includes(s));
      return said("'%s' contains valid elements from '%s'", result);
    }
    case 'bitmask': {
      // strconv.ParseInt(…, 8): the mode may only hold bits the wanted mode has
      const octal = (s: string): number | undefined => (/^[+-]?[0-7]+$/.test(s) ? Number.parseInt(s, 8) : undefined);
      const requested = octal(flagVal);
      const max = octal(compareValue);
      if (requested === undefined) return { expected: `Not numeric value - flag: ${flagVal}`, result: false };
      if (max === undefined) return { expected: `Not numeric value - flag: ${compareValue}`, result: false };
      return said(`%s has permissions ${flagVal}, expected %s or more restrictive`, (max & requested) === requested);
    }
    default:
      return { expected: '', result: false };
  }
}

/** check/test.go testItem.evaluate for one output, read the way `auditUsed` says. */
function evaluate(item: TestItem, used: AuditUsed, s: string): TestOutput {
  let found: { match: boolean; value: string };
  try {
    found = used === 'auditConfig' ? pathValue(item, s) : used === 'auditEnv' ? envValue(item, s) : flagValue(item, s);
  } catch (error) {
    if (error instanceof Error && error.constructor !== Error) throw error; // not modelled: never guess
    return failTestItem(error instanceof Error ? error.message : String(error));
  }
  const name = used === 'auditConfig' ? item.path : used === 'auditEnv' ? item.env : item.flag;
  if (!item.set) return { testResult: !found.match, flagFound: found.match, actualResult: s, expectedResult: `'${name}' is not present` };
  if (found.match && item.compare.op !== '') {
    const { expected, result } = compareOp(item.compare.op, found.value, item.compare.value, name);
    return { testResult: result, flagFound: true, actualResult: s, expectedResult: expected };
  }
  return { testResult: found.match, flagFound: found.match, actualResult: s, expectedResult: `'${name}' is present` };
}

/** check/test.go testItem.execute: the output trimmed of trailing spaces and newlines; each line when use_multiple_values. */
export function executeItem(item: TestItem, used: AuditUsed, output: string, multiple: boolean): TestOutput {
  const s = output.replace(/[ \n]+$/, '');
  let result: TestOutput = failTestItem(s);
  for (const row of multiple ? s.split('\n') : [s]) {
    result = evaluate(item, used, row);
    if (!result.testResult) break;
  }
  return { ...result, actualResult: s };
}
