import { isMap, isScalar, parseDocument, type Document } from 'yaml';
import { canonicalJson } from '../plan/fingerprint.ts';

export interface YamlEdit {
  readonly key: string;
  /** undefined removes the key */
  readonly value: unknown;
}

export interface YamlKeyChange {
  readonly key: string;
  readonly before: unknown;
  readonly after: unknown;
}

export type YamlEditResult =
  | { readonly ok: true; readonly text: string; readonly changes: readonly YamlKeyChange[]; readonly document: unknown }
  | { readonly ok: false; readonly error: string };

/**
 * Sets keys (dotted paths) in a YAML document, keeping every other key, comment and the order.
 * A key whose value already equals the wanted one is left alone, so an in-sync file is never
 * rewritten; when nothing changes the original text is returned byte for byte.
 */
export function editYaml(text: string, edits: readonly YamlEdit[]): YamlEditResult {
  // A fleet's kubelet configs are mostly identical, and parsing plus printing YAML is the
  // costliest step of a plan (~10 ms a node): compute each distinct (text, edits) once.
  const key = `${canonicalJson(edits)}\n${text}`;
  const cached = memo.get(key);
  if (cached !== undefined) return cached;
  const result = deepFreeze(computeEdit(text, edits));
  if (memo.size >= MEMO_ENTRIES) memo.delete(memo.keys().next().value ?? '');
  memo.set(key, result);
  return result;
}

const MEMO_ENTRIES = 64;
const memo = new Map<string, YamlEditResult>();

/** Results are shared between nodes, so nobody may change one. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

function computeEdit(text: string, edits: readonly YamlEdit[]): YamlEditResult {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const where = first?.linePos?.[0] ? ` at line ${first.linePos[0].line}, column ${first.linePos[0].col}` : '';
    return { ok: false, error: `not valid YAML${where}: ${first?.message.split('\n')[0] ?? 'parse error'}` };
  }
  if (doc.contents !== null && !isMap(doc.contents)) return { ok: false, error: 'the document is not a mapping' };
  const changes: YamlKeyChange[] = [];
  for (const edit of edits) {
    const path = splitKeyPath(edit.key);
    const before = readPath(doc, path);
    if (edit.value === undefined ? before === undefined : canonicalJson(before) === canonicalJson(edit.value)) continue;
    try {
      if (edit.value === undefined) doc.deleteIn(path);
      else if (before === undefined) insertSorted(doc, path, edit.value);
      else replaceValue(doc, path, edit.value);
    } catch (error) {
      return { ok: false, error: `cannot set ${edit.key}: ${error instanceof Error ? error.message : String(error)}` };
    }
    changes.push({ key: edit.key, before, after: edit.value });
  }
  if (changes.length === 0) return { ok: true, text, changes, document: doc.toJS() };
  return { ok: true, text: doc.toString(stringifyOptions(text)), changes, document: doc.toJS() };
}

/** A scalar is changed in place, so a comment on its line stays; anything else is replaced. */
function replaceValue(doc: Document, path: readonly string[], value: unknown): void {
  const node = doc.getIn(path, true);
  const primitive = value === null || ['string', 'number', 'boolean'].includes(typeof value);
  if (isScalar(node) && primitive) {
    if (typeof node.value !== typeof value) delete node.type;
    node.value = value;
    return;
  }
  doc.setIn(path, doc.createNode(value));
}

/**
 * Adds a missing key. kubeadm writes keys in alphabetical order; when the map is sorted the new
 * key goes where it belongs instead of at the end, so the file keeps reading like kubeadm's.
 */
function insertSorted(doc: Document, path: readonly string[], value: unknown): void {
  const parentPath = path.slice(0, -1);
  const key = path[path.length - 1] ?? '';
  const parent = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
  if (!isMap(parent)) {
    doc.setIn(path, doc.createNode(value));
    return;
  }
  const keys = parent.items.map((pair) => (isScalar(pair.key) ? String(pair.key.value) : ''));
  const sorted = keys.every((k, i) => i === 0 || (keys[i - 1] ?? '') <= k);
  const pair = doc.createPair(key, value);
  const at = sorted ? keys.findIndex((k) => k > key) : -1;
  if (at === -1) parent.items.push(pair);
  else parent.items.splice(at, 0, pair);
}

export function splitKeyPath(key: string): string[] {
  return key.split('.');
}

function readPath(doc: Document, path: readonly string[]): unknown {
  const node = doc.getIn(path, true);
  if (node === undefined) return undefined;
  if (isScalar(node)) return node.toJSON();
  return (node as { toJSON(): unknown }).toJSON();
}

/** Match the file's own style (kubeadm writes block sequences unindented) so untouched lines stay as they were. */
function stringifyOptions(text: string): { lineWidth: number; indentSeq: boolean } {
  const unindentedSeq = /^([ \t]*)[^\s#-][^\n]*:[ \t]*\n\1- /m.test(text);
  const indentedSeq = /^([ \t]*)[^\s#-][^\n]*:[ \t]*\n\1[ \t]+- /m.test(text);
  return { lineWidth: 0, indentSeq: indentedSeq || !unindentedSeq };
}
