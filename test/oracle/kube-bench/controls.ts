import { parse } from 'yaml';

/**
 * kube-bench's controls as gopkg.in/yaml.v2 decodes them into its structs (check/controls.go,
 * check/check.go `Check`, check/test.go `tests`, `testItem`, `compare`). yaml.v2 hands a string
 * field the scalar's text whatever it resolves to (`value: false` is "false", `value: 0600` is
 * "0600"), so the file is read with every scalar as text (the failsafe schema) and only the Go
 * bool fields are resolved, with yaml.v2's YAML 1.1 booleans.
 */
export interface Compare {
  readonly op: string;
  readonly value: string;
}

export interface TestItem {
  readonly flag: string;
  readonly env: string;
  readonly path: string;
  readonly value: string;
  /** check/test.go testItem.UnmarshalYAML: true unless the file says otherwise. */
  readonly set: boolean;
  readonly compare: Compare;
}

export interface Tests {
  readonly testItems: readonly TestItem[];
  readonly binOp: string;
}

export interface Check {
  readonly id: string;
  readonly text: string;
  readonly audit: string;
  readonly auditEnv: string;
  readonly auditConfig: string;
  readonly type: string;
  /** undefined when the check has no `tests:` (Go's nil *tests). */
  readonly tests: Tests | undefined;
  readonly scored: boolean;
  readonly useMultipleValues: boolean;
}

export interface Controls {
  readonly version: string;
  readonly id: string;
  readonly type: string;
  readonly checks: readonly Check[];
}

type Node = Record<string, unknown>;

const TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);

function text(node: Node, key: string): string {
  const value = node[key];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new Error(`kube-bench controls: ${key} is not a scalar`);
  return value;
}

function bool(node: Node, key: string, fallback: boolean): boolean {
  const value = node[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string' && TRUE.has(value)) return true;
  if (typeof value === 'string' && FALSE.has(value)) return false;
  throw new Error(`kube-bench controls: cannot unmarshal ${JSON.stringify(value)} into bool (${key})`);
}

function list(node: Node, key: string): Node[] {
  const value = node[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`kube-bench controls: ${key} is not a list`);
  return value as Node[];
}

function testItem(node: Node): TestItem {
  const compare = (node['compare'] ?? {}) as Node;
  return {
    flag: text(node, 'flag'),
    env: text(node, 'env'),
    path: text(node, 'path'),
    value: text(node, 'value'),
    set: bool(node, 'set', true),
    compare: { op: text(compare, 'op'), value: text(compare, 'value') },
  };
}

function check(node: Node): Check {
  const tests = node['tests'] as Node | undefined | null;
  return {
    id: text(node, 'id'),
    text: text(node, 'text'),
    audit: text(node, 'audit'),
    auditEnv: text(node, 'audit_env'),
    auditConfig: text(node, 'audit_config'),
    type: text(node, 'type'),
    tests: tests === undefined || tests === null ? undefined : { testItems: list(tests, 'test_items').map(testItem), binOp: text(tests, 'bin_op') },
    scored: bool(node, 'scored', false),
    useMultipleValues: bool(node, 'use_multiple_values', false),
  };
}

/** check/controls.go NewControls, for the (already substituted) text of a node.yaml. */
export function parseControls(source: string): Controls {
  const doc = parse(source, { schema: 'failsafe' }) as Node;
  return {
    version: text(doc, 'version'),
    id: text(doc, 'id'),
    type: text(doc, 'type'),
    checks: list(doc, 'groups').flatMap((group) => list(group, 'checks').map(check)),
  };
}
