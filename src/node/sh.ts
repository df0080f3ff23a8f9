import { randomBytes } from 'node:crypto';
import { shQuote } from './shell-quote.ts';

/**
 * POSIX sh that nodeward sends to a node, as a value only `sh`…`` and `raw()` make: every value
 * interpolated into it was quoted on the way in, so no string from an inventory, a playbook or a
 * node can become shell syntax. `Transport.exec` takes nothing else (and refuses anything else at
 * run time). A Script never turns back into a string by accident: `String(script)` and a plain
 * template literal throw; `.text` is the one way to the bytes (for the transport and for review).
 */
class ShellScript {
  readonly #text: string;

  constructor(token: symbol, text: string) {
    if (token !== MAKE) throw new TypeError('a Script is made by sh`…` or raw(), not by new');
    this.#text = text;
  }

  /** The bytes sent to the node's sh. */
  get text(): string {
    return this.#text;
  }

  toString(): string {
    throw new TypeError('a Script is not a string: put it into another script with sh`…${script}…`, or read .text');
  }

  static isScript(value: unknown): value is ShellScript {
    return typeof value === 'object' && value !== null && #text in value;
  }
}

export type Script = ShellScript;

const MAKE = Symbol('Script');

function make(text: string): Script {
  return new ShellScript(MAKE, text);
}

export function isScript(value: unknown): value is Script {
  return ShellScript.isScript(value);
}

/** What `sh` interpolates: strings and numbers as one quoted word each, scripts as they are, lists word by word. */
export type ShValue = string | number | Script | readonly (string | number | Script)[];

function word(value: string | number | Script): string {
  if (typeof value === 'string') return shQuote(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`sh: ${value} is not a number a shell can take`);
    return shQuote(String(value));
  }
  if (isScript(value)) return value.text;
  throw new TypeError(`sh: cannot interpolate ${typeof value} (only strings, numbers, scripts and lists of them)`);
}

function interpolate(value: ShValue): string {
  return Array.isArray(value) ? (value as readonly (string | number | Script)[]).map(word).join(' ') : word(value as string | number | Script);
}

/**
 * The tag every remote script is written with. The template's own text is shell as written, with
 * JavaScript's escapes (`\${var}` is the shell's `${var}`, `\\n` its `\n`); each `${value}` is
 * one quoted word (`shQuote`), a Script goes in as it is, and a list becomes its items' words
 * separated by spaces (an empty list: nothing).
 */
export function sh(strings: TemplateStringsArray, ...values: readonly ShValue[]): Script {
  // only a template literal's own strings: a hand-made array would let any string in as shell
  if (!Object.isFrozen(strings) || !Array.isArray(strings.raw)) throw new TypeError('sh is a template tag: sh`…`');
  let text = '';
  strings.forEach((part, index) => {
    if (part === undefined) throw new TypeError(`sh: invalid escape sequence in ${JSON.stringify(strings.raw[index])}`);
    text += part;
    if (index < values.length) text += interpolate(values[index] as ShValue);
  });
  return make(text);
}

/**
 * Literal shell text kept in a string constant, for the rare place that needs it (a constant
 * TypeScript also reads). Only ever called with a string literal: test/unit/node/sh-usage.test.ts
 * fails on anything else, and lists the files that may call it.
 */
export function raw(literal: string): Script {
  if (typeof literal !== 'string') throw new TypeError('raw() takes a string literal');
  return make(literal);
}

/** Scripts one after another, a newline between each (empty ones are lines too). */
export function lines(parts: readonly Script[]): Script {
  return make(parts.map((part) => part.text).join('\n'));
}

/** A script as one quoted word: the argument of `sh -c`, or a value that holds shell. */
export function quoted(script: Script): Script {
  return make(shQuote(script.text));
}

/** A `case` pattern matching exactly these words: `started|writing|written`. */
export function alternatives(words: readonly string[]): Script {
  if (words.length === 0) throw new TypeError('a case pattern needs at least one word');
  return make(words.map((w) => shQuote(w)).join('|'));
}

/**
 * A here-document: `redirect` (`<<'DELIMITER'`, quoted, so the shell expands nothing in it) goes
 * where the command takes its input, `body` on the lines after the command's (it ends with the
 * delimiter line). The delimiter is random and never a line of the body.
 */
export function hereDocument(content: Script, prefix: string): { readonly redirect: Script; readonly body: Script } {
  if (!/^[A-Z][A-Z_]*$/.test(prefix)) throw new TypeError(`bad here-document prefix ${JSON.stringify(prefix)}`);
  const text = content.text.endsWith('\n') ? content.text.slice(0, -1) : content.text;
  let delimiter: string;
  do delimiter = `${prefix}_${randomBytes(8).toString('hex')}`;
  while (text.split('\n').includes(delimiter));
  return { redirect: make(`<<'${delimiter}'`), body: make(`${text}\n${delimiter}`) };
}

/** Bytes as base64 lines of 76 characters (no newline at the end): here-document content `base64 -d` reads back. */
export function base64Lines(bytes: Buffer | string): Script {
  const encoded = (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes).toString('base64');
  return make(encoded.replace(/(.{76})(?=.)/g, '$1\n'));
}
