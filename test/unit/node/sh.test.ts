import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { alternatives, base64Lines, hereDocument, isScript, lines, quoted, raw, sh } from '../../../src/node/sh.ts';

const run = (script: string): string => spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' }).stdout;

describe('sh`…`', () => {
  it('quotes every value as one word, whatever it holds', () => {
    const hostile = ['a b', "it's", '$(touch /tmp/nw-pwned)', '`id`', '"; rm -rf / #', '\n', '', '-n', '*'];
    for (const value of hostile) expect(run(sh`printf '%s|' ${value}`.text)).toBe(`${value}|`);
  });

  it('spreads a list word by word, takes numbers, puts scripts in as they are', () => {
    expect(sh`set -- ${['a b', 'c']} ${3}; echo $#`.text).toBe("set -- 'a b' c 3; echo $#");
    expect(run(sh`${sh`echo one`}; ${lines([sh`echo two`, sh`echo three`])}`.text)).toBe('one\ntwo\nthree\n');
    expect(sh`x ${[]}y`.text).toBe('x y');
  });

  it('keeps the template as shell, with the escapes of a JavaScript template', () => {
    expect(sh`printf '%s\\n' "\${HOME:-none}"`.text).toBe(`printf '%s\\n' "\${HOME:-none}"`);
  });

  it('never turns back into a string by accident, and is made only by the tag and raw()', () => {
    const script = sh`true`;
    expect(() => String(script)).toThrow(/not a string/);
    expect(() => `${script as unknown as string}`).toThrow(/not a string/);
    expect(isScript(script)).toBe(true);
    expect(isScript('true')).toBe(false);
    expect(() => (sh as unknown as (s: string[]) => unknown)(['rm -rf /'])).toThrow(/template tag/);
    expect(raw('set -u').text).toBe('set -u');
    expect(() => sh`${Number.NaN}`).toThrow();
    expect(() => sh`${'a\0b'}`).toThrow(/NUL/);
  });

  it('quoted() makes one word of a script; alternatives() a case pattern', () => {
    expect(run(sh`/bin/sh -c ${quoted(sh`printf '%s' "$0"`)} ${"it's"}`.text)).toBe("it's");
    expect(run(sh`case rolling-back in ${alternatives(['started', 'rolling-back'])}) echo yes ;; esac`.text)).toBe('yes\n');
  });

  it('here-documents carry any bytes back through base64 -d', () => {
    const bytes = Buffer.from([0, 1, 2, 255, 10, 39, 34, 36, 96, ...Buffer.from('x'.repeat(300))]);
    const doc = hereDocument(base64Lines(bytes), 'NW_EOF');
    const out = spawnSync('/bin/sh', ['-c', sh`base64 -d ${doc.redirect}\n${doc.body}\n`.text]).stdout;
    expect(Buffer.compare(out, bytes)).toBe(0);
  });
});
