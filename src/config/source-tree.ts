import type { SourcePosition } from '../util/errors.ts';

/**
 * Parsed YAML as an immutable tree whose every node and key keeps its file:line:column, so that
 * validation of the plain JS value (zod) can be mapped back to the text the operator wrote.
 */

export type ScalarValue = string | number | boolean | null;

export interface ScalarNode {
  readonly type: 'scalar';
  readonly value: ScalarValue;
  readonly pos: SourcePosition;
  /** Where each `{{` of a string value is written (the scalar's start when it cannot be told). */
  readonly braces: readonly SourcePosition[];
  /** Set when the value came from substituting variables: the template and what it resolved to. */
  readonly via: string | undefined;
}

export interface SeqNode {
  readonly type: 'seq';
  readonly items: readonly TreeNode[];
  readonly pos: SourcePosition;
}

export interface MapPair {
  readonly key: string;
  readonly keyPos: SourcePosition;
  readonly value: TreeNode;
}

export interface MapNode {
  readonly type: 'map';
  readonly pairs: readonly MapPair[];
  readonly pos: SourcePosition;
}

/** A whole value substituted from a variable (a number, list, map…): no positions inside it. */
export interface ValueNode {
  readonly type: 'value';
  readonly value: unknown;
  readonly pos: SourcePosition;
  readonly via: string;
}

export type TreeNode = ScalarNode | SeqNode | MapNode | ValueNode;

export function scalarNode(value: ScalarValue, pos: SourcePosition, braces: readonly SourcePosition[] = []): ScalarNode {
  return { type: 'scalar', value, pos, braces, via: undefined };
}

export function pairOf(node: MapNode, key: string): MapPair | undefined {
  return node.pairs.find((p) => p.key === key);
}

export function toJS(node: TreeNode): unknown {
  switch (node.type) {
    case 'scalar':
    case 'value':
      return node.value;
    case 'seq':
      return node.items.map(toJS);
    case 'map':
      return Object.fromEntries(node.pairs.map((p) => [p.key, toJS(p.value)]));
  }
}

export interface Located {
  /** The deepest node on the path. */
  readonly node: TreeNode;
  /** Position of the key of the last map step taken, if the last step was a map key. */
  readonly keyPos: SourcePosition | undefined;
  /** Path segments below `node` that have no node of their own. */
  readonly rest: readonly PropertyKey[];
}

export function locate(root: TreeNode, path: readonly PropertyKey[]): Located {
  let node = root;
  let keyPos: SourcePosition | undefined;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    let next: TreeNode | undefined;
    let nextKeyPos: SourcePosition | undefined;
    if (node.type === 'map' && typeof segment === 'string') {
      const pair = pairOf(node, segment);
      next = pair?.value;
      nextKeyPos = pair?.keyPos;
    } else if (node.type === 'seq' && typeof segment === 'number') {
      next = node.items[segment];
    }
    if (next === undefined) return { node, keyPos, rest: path.slice(i) };
    node = next;
    keyPos = nextKeyPos;
  }
  return { node, keyPos, rest: [] };
}

/** True when the node or anything below it came from, or will come from, a `{{ }}` template. */
export function isTemplated(node: TreeNode): boolean {
  switch (node.type) {
    case 'scalar':
      return node.via !== undefined || node.braces.length > 0;
    case 'value':
      return true;
    case 'seq':
      return node.items.some(isTemplated);
    case 'map':
      return node.pairs.some((p) => isTemplated(p.value));
  }
}

/** `nodes[2].labels.pool`, `set["authentication.anonymous.enabled"]`. */
export function pathLabel(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

export function asMap(node: TreeNode | undefined): MapNode | undefined {
  return node?.type === 'map' ? node : undefined;
}

export function asSeq(node: TreeNode | undefined): SeqNode | undefined {
  return node?.type === 'seq' ? node : undefined;
}

/** The string value at `key` of a map node, with the value's node. */
export function stringAt(node: TreeNode | undefined, key: string): { readonly value: string; readonly node: ScalarNode } | undefined {
  const map = asMap(node);
  const value = map === undefined ? undefined : pairOf(map, key)?.value;
  return value?.type === 'scalar' && typeof value.value === 'string' ? { value: value.value, node: value } : undefined;
}

/** A substituted value as a tree (every node at the template's position), for hand-written checks. */
export function expandValue(node: TreeNode): TreeNode {
  if (node.type !== 'value') return node;
  const build = (value: unknown): TreeNode => {
    if (Array.isArray(value)) return { type: 'seq', items: value.map(build), pos: node.pos };
    if (value !== null && typeof value === 'object') {
      const pairs = Object.entries(value).map(([key, v]): MapPair => ({ key, keyPos: node.pos, value: build(v) }));
      return { type: 'map', pairs, pos: node.pos };
    }
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      return { type: 'scalar', value, pos: node.pos, braces: [], via: node.via };
    }
    return node;
  };
  return build(node.value);
}

/** The value at `key` when the node is a map. */
export function childAt(node: TreeNode | undefined, key: string): TreeNode | undefined {
  const map = asMap(node);
  return map === undefined ? undefined : pairOf(map, key)?.value;
}
