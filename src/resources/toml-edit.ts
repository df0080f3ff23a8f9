import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { canonicalJson } from '../plan/fingerprint.ts';
import { dottedKeyText, keySegmentText, parseDottedKey, tomlValueText } from '../spec/toml-keys.ts';

export interface TomlEdit {
  readonly key: readonly string[];
  /** undefined removes the key */
  readonly value: unknown;
}

export interface TomlKeyChange {
  readonly key: string;
  readonly before: unknown;
  readonly after: unknown;
}

export type TomlEditResult =
  | {
      readonly ok: true;
      readonly text: string;
      readonly changes: readonly TomlKeyChange[];
      readonly document: Record<string, unknown>;
      /** false: the edits could not be made in place and the file was written out anew (comments lost). */
      readonly preserved: boolean;
    }
  | { readonly ok: false; readonly error: string };

type LineInfo =
  | { readonly kind: 'header'; readonly path: readonly string[]; readonly array: boolean; readonly indent: string }
  | { readonly kind: 'pair'; readonly path: readonly string[]; readonly indent: string; readonly valueStart: number; readonly valueEnd: number; readonly last: number }
  | { readonly kind: 'multiline'; readonly path: readonly string[]; readonly indent: string; readonly last: number }
  | { readonly kind: 'other' };

/**
 * Sets and removes keys in a TOML document by editing its text: a changed value is replaced on
 * its own line (its comment stays), a new key goes at the end of its table, a missing table is
 * added next to its relatives. The result is parsed back and must equal the wanted document;
 * when it does not (dotted-key tables, multi-line values, inline tables) the document is written
 * out anew instead, and `preserved` says so. Unchanged input is returned byte for byte.
 */
export function editToml(text: string, edits: readonly TomlEdit[]): TomlEditResult {
  const parsed = parse(text);
  if (!parsed.ok) return { ok: false, error: `not valid TOML: ${parsed.error}` };
  const wanted = structuredClone(parsed.value);
  const changes: TomlKeyChange[] = [];
  for (const edit of edits) {
    const before = getIn(parsed.value, edit.key);
    if (edit.value === undefined ? before === undefined : before !== undefined && canonicalJson(before) === canonicalJson(edit.value)) continue;
    const set = setIn(wanted, edit.key, edit.value);
    if (set !== undefined) return { ok: false, error: `cannot set ${dottedKeyText(edit.key)}: ${set}` };
    changes.push({ key: dottedKeyText(edit.key), before, after: edit.value });
  }
  if (changes.length === 0) return { ok: true, text, changes, document: parsed.value, preserved: true };

  let lines = text.split('\n');
  let inPlace = true;
  for (const edit of edits) {
    const next = editLines(lines, edit);
    if (next === undefined) {
      inPlace = false;
      break;
    }
    lines = next;
  }
  const edited = lines.join('\n');
  const check = inPlace ? parse(edited) : undefined;
  if (check?.ok && canonicalJson(check.value) === canonicalJson(wanted)) {
    return { ok: true, text: edited, changes, document: wanted, preserved: true };
  }
  return { ok: true, text: stringifyToml(wanted) + '\n', changes, document: wanted, preserved: false };
}

function parse(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  try {
    // smol-toml returns null-prototype objects; plain ones compare and clone like the wanted document
    return { ok: true, value: JSON.parse(JSON.stringify(parseToml(text))) as Record<string, unknown> };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? (error.message.split('\n')[0] ?? 'parse error') : String(error) };
  }
}

function getIn(doc: unknown, path: readonly string[]): unknown {
  let at: unknown = doc;
  for (const part of path) {
    if (!at || typeof at !== 'object' || Array.isArray(at)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

function setIn(doc: Record<string, unknown>, path: readonly string[], value: unknown): string | undefined {
  let at: Record<string, unknown> = doc;
  for (const [i, part] of path.slice(0, -1).entries()) {
    const next = at[part];
    if (next === undefined) {
      if (value === undefined) return undefined;
      at[part] = {};
    } else if (!next || typeof next !== 'object' || Array.isArray(next)) {
      return `${dottedKeyText(path.slice(0, i + 1))} is not a table`;
    }
    at = at[part] as Record<string, unknown>;
  }
  const leaf = path[path.length - 1] ?? '';
  if (value === undefined) delete at[leaf];
  else at[leaf] = value;
  return undefined;
}

const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const startsWith = (path: readonly string[], prefix: readonly string[]): boolean => prefix.length <= path.length && prefix.every((x, i) => x === path[i]);

/** One edit on the lines; undefined when it cannot be made in place. */
function editLines(lines: readonly string[], edit: TomlEdit): string[] | undefined {
  const infos = scan(lines);
  if (infos === undefined) return undefined;
  const out = [...lines];
  const at = infos.findIndex((info) => (info.kind === 'pair' || info.kind === 'multiline') && same(info.path, edit.key));
  if (at !== -1) {
    const info = infos[at];
    if (info?.kind !== 'pair') return undefined;
    if (edit.value === undefined) {
      out.splice(at, info.last - at + 1);
      return out;
    }
    const line = lines[at] ?? '';
    out[at] = line.slice(0, info.valueStart) + tomlValueText(edit.value) + line.slice(info.valueEnd);
    return out;
  }
  // a key to remove that is not on a line of its own (inline table, dotted table): not in place
  if (edit.value === undefined) return undefined;
  return insertKey(out, infos, edit.key, edit.value);
}

function insertKey(lines: string[], infos: readonly LineInfo[], key: readonly string[], value: unknown): string[] | undefined {
  const table = key.slice(0, -1);
  const leaf = key[key.length - 1] ?? '';
  const headers = infos.flatMap((info, i) => (info.kind === 'header' && !info.array ? [{ ...info, line: i }] : []));
  const nestedIndent = headers.some((h) => h.indent !== '') ? '  ' : '';
  const indented = infos.some((info, i) => info.kind === 'pair' && info.indent.length > (headerOf(infos, i)?.indent.length ?? info.indent.length));
  const keyIndentUnder = (headerIndent: string): string => headerIndent + (indented ? '  ' : '');
  const own = table.length === 0 ? { line: -1, indent: '' } : headers.find((h) => same(h.path, table));
  if (own) {
    const end = regionEnd(infos, own.line);
    let last = own.line;
    let indent: string | undefined;
    for (let i = own.line + 1; i < end; i++) {
      const info = infos[i];
      if (info?.kind === 'pair' || info?.kind === 'multiline') {
        last = info.last;
        indent ??= info.indent;
      }
    }
    lines.splice(last + 1, 0, `${indent ?? keyIndentUnder(own.indent)}${keySegmentText(leaf)} = ${tomlValueText(value)}`);
    return lines;
  }
  // the table has no header: add one beside its relatives
  const descendant = headers.find((h) => startsWith(h.path, table));
  const ancestor = headers.filter((h) => startsWith(table, h.path)).sort((a, b) => b.path.length - a.path.length)[0];
  let at: number;
  let indent: string;
  if (descendant) {
    at = descendant.line;
    indent = descendant.indent;
  } else if (ancestor) {
    const family = headers.filter((h) => h.line > ancestor.line && startsWith(h.path, ancestor.path));
    const lastOfFamily = family[family.length - 1] ?? ancestor;
    at = regionEnd(infos, lastOfFamily.line);
    while (at > lastOfFamily.line + 1 && (lines[at - 1] ?? '').trim() === '') at--;
    const sibling = family.find((h) => h.path.length === ancestor.path.length + 1);
    indent = sibling?.indent ?? ancestor.indent + nestedIndent;
  } else {
    at = lines.length;
    while (at > 0 && (lines[at - 1] ?? '').trim() === '') at--;
    indent = '';
  }
  const block = [`${indent}[${dottedKeyText(table)}]`, `${keyIndentUnder(indent)}${keySegmentText(leaf)} = ${tomlValueText(value)}`];
  if (!descendant && !ancestor && at > 0) block.unshift('');
  lines.splice(at, 0, ...block);
  return lines;
}

function headerOf(infos: readonly LineInfo[], index: number): { indent: string } | undefined {
  for (let i = index - 1; i >= 0; i--) {
    const info = infos[i];
    if (info?.kind === 'header') return info;
  }
  return undefined;
}

/** The line after the last one of the table whose header is at `header` (the next header, or the end). */
function regionEnd(infos: readonly LineInfo[], header: number): number {
  for (let i = header + 1; i < infos.length; i++) if (infos[i]?.kind === 'header') return i;
  return infos.length;
}

/** Classifies every line; undefined when the structure cannot be followed line by line. */
function scan(lines: readonly string[]): LineInfo[] | undefined {
  const infos: LineInfo[] = [];
  let table: readonly string[] = [];
  let inArray = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const trimmed = line.trim();
    const indent = line.slice(0, line.length - line.trimStart().length);
    if (trimmed === '' || trimmed.startsWith('#')) {
      infos.push({ kind: 'other' });
      continue;
    }
    if (trimmed.startsWith('[')) {
      const array = trimmed.startsWith('[[');
      const close = closing(trimmed, array ? 2 : 1, array ? ']]' : ']');
      if (close === undefined) return undefined;
      const path = parseDottedKey(trimmed.slice(array ? 2 : 1, close));
      if (!path) return undefined;
      table = path;
      inArray = array;
      infos.push({ kind: 'header', path, array, indent });
      continue;
    }
    const eq = closing(line, 0, '=');
    if (eq === undefined) return undefined;
    const keyPath = parseDottedKey(line.slice(0, eq).trim());
    if (!keyPath) return undefined;
    const path = inArray ? [] : [...table, ...keyPath];
    const value = valueSpan(line.slice(eq + 1));
    if (value) {
      infos.push(inArray ? { kind: 'other' } : { kind: 'pair', path, indent, valueStart: eq + 1 + value.start, valueEnd: eq + 1 + value.end, last: i });
      continue;
    }
    // a value over several lines: it ends at the first line where the pair parses
    let last = i + 1;
    while (last < lines.length && !parses(`__nw = ${lines.slice(i, last + 1).join('\n').slice(eq + 1)}`)) last++;
    if (last >= lines.length) return undefined;
    infos.push(inArray ? { kind: 'other' } : { kind: 'multiline', path, indent, last });
    for (let j = i + 1; j <= last; j++) infos.push({ kind: 'other' });
    i = last;
  }
  return infos;
}

/** Index of `token` in `text` from `from`, outside quoted strings. */
function closing(text: string, from: number, token: string): number | undefined {
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (text.startsWith(token, i)) return i;
  }
  return undefined;
}

/** Where a single-line value starts and ends in the text after '=' (a trailing comment is not part of it). */
function valueSpan(rest: string): { start: number; end: number } | undefined {
  if (!parses(`__nw = ${rest}`)) return undefined;
  const start = rest.length - rest.trimStart().length;
  const cuts = [...rest.matchAll(/#/g)].map((m) => m.index).concat(rest.length);
  for (const cut of cuts) {
    if (cut < start) continue;
    const candidate = rest.slice(0, cut);
    if (candidate.trim() !== '' && parses(`__nw = ${candidate}`)) return { start, end: candidate.trimEnd().length };
  }
  return undefined;
}

function parses(text: string): boolean {
  try {
    parseToml(text);
    return true;
  } catch {
    return false;
  }
}
