import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { ConfigIssue, SourcePosition } from '../util/errors.ts';
import { scalarNode } from './source-tree.ts';
import { braceOffsets } from './template.ts';
import type { MapPair, TreeNode } from './source-tree.ts';

/** Parses YAML text into a positioned tree. Pure: no file is read here. */

export interface ParsedYaml {
  /** Undefined when the text has no document (empty or only comments) or has syntax errors. */
  readonly root: TreeNode | undefined;
  /** Syntax errors (then root is undefined) or values that cannot be used (left out of root). */
  readonly issues: readonly ConfigIssue[];
}

/** Aliases can expand exponentially ("billion laughs"); real inventories are far below this. */
const MAX_NODES = 200_000;
const MAX_DEPTH = 64;

export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const doc = parseDocument(body, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    strict: true,
  });
  const at = (pos: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(pos);
    return { file, line, column: col };
  };
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    return { root: undefined, issues: problems.map((e) => ({ ...at(e.pos[0]), message: `YAML: ${e.message}` })) };
  }
  if (doc.contents === null) return { root: undefined, issues: [] };
  const converter = new Converter(doc, body, at);
  const root = converter.convert(doc.contents, 0);
  return { root, issues: converter.issues };
}

class Converter {
  readonly issues: ConfigIssue[] = [];
  private count = 0;
  private exhausted = false;
  /** The alias being expanded, if any: where an expansion that is too large is reported. */
  private expanding: SourcePosition | undefined;
  private readonly doc: Document;
  private readonly text: string;
  private readonly at: (offset: number) => SourcePosition;

  constructor(doc: Document, text: string, at: (offset: number) => SourcePosition) {
    this.doc = doc;
    this.text = text;
    this.at = at;
  }

  convert(node: YamlNode, depth: number): TreeNode {
    const pos = this.at(node.range?.[0] ?? 0);
    if (++this.count > MAX_NODES || depth > MAX_DEPTH) {
      if (this.exhausted) return scalarNode(null, pos);
      this.exhausted = true;
      const where = this.expanding ?? pos;
      return this.fail(where, depth > MAX_DEPTH ? `nested more than ${MAX_DEPTH} levels deep` : `more than ${MAX_NODES} values (alias expansion?)`);
    }
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (target === undefined) return this.fail(pos, `unknown alias *${node.source}`);
      const outermost = this.expanding === undefined;
      if (outermost) this.expanding = pos;
      const converted = this.convert(target, depth + 1);
      if (outermost) this.expanding = undefined;
      return converted;
    }
    if (isMap(node)) {
      const pairs: MapPair[] = [];
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key;
        const keyPos = isScalar(keyNode) || isAlias(keyNode) || isMap(keyNode) || isSeq(keyNode) ? this.at(keyNode.range?.[0] ?? 0) : pos;
        const key = isScalar(keyNode) ? keyNode.value : undefined;
        if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean') {
          this.fail(keyPos, 'keys must be plain strings');
          continue;
        }
        if (key === '__proto__') {
          this.fail(keyPos, "the key '__proto__' is not allowed");
          continue;
        }
        const valueNode = pair.value;
        const value =
          valueNode === null || !(isScalar(valueNode) || isAlias(valueNode) || isMap(valueNode) || isSeq(valueNode))
            ? scalarNode(null, keyPos)
            : this.convert(valueNode, depth + 1);
        pairs.push({ key: String(key), keyPos, value });
      }
      return { type: 'map', pairs, pos };
    }
    if (isSeq(node)) {
      const items = node.items.map((item) =>
        isScalar(item) || isAlias(item) || isMap(item) || isSeq(item) ? this.convert(item, depth + 1) : scalarNode(null, pos),
      );
      return { type: 'seq', items, pos };
    }
    if (isScalar(node)) {
      const value: unknown = node.value;
      if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        return scalarNode(value, pos, typeof value === 'string' ? this.braces(value, node.range, pos) : []);
      }
      return this.fail(pos, 'unsupported value (only strings, numbers, booleans, lists and mappings)');
    }
    return this.fail(pos, 'unsupported YAML node');
  }

  /** Positions of each `{{` in the value, found in the raw text when it shows them one for one. */
  private braces(value: string, range: readonly number[] | null | undefined, pos: SourcePosition): SourcePosition[] {
    const inValue = braceOffsets(value);
    if (inValue.length === 0) return [];
    const start = range?.[0];
    const end = range?.[1];
    if (start !== undefined && end !== undefined) {
      const inRaw = braceOffsets(this.text.slice(start, end));
      if (inRaw.length === inValue.length) return inRaw.map((o) => this.at(start + o));
    }
    return inValue.map(() => pos);
  }

  private fail(pos: SourcePosition, message: string): TreeNode {
    this.issues.push({ ...pos, message });
    return scalarNode(null, pos);
  }
}

