import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shJoin, shQuote } from '../../../src/node/shell-quote.ts';

/** No lone surrogates: those cannot be written as UTF-8 and so cannot reach a shell intact. */
const wellFormed = (s: string): boolean => Buffer.from(s, 'utf8').toString('utf8') === s;

function shPrintf(format: string, quotedArgs: string): string {
  return execFileSync('/bin/sh', ['-c', `printf ${shQuote(format)} ${quotedArgs}`], { encoding: 'utf8' });
}

describe('shQuote', () => {
  it('leaves plain words alone and quotes everything else', () => {
    expect(shQuote('kubelet')).toBe('kubelet');
    expect(shQuote('/etc/kubernetes/kubelet.conf')).toBe('/etc/kubernetes/kubelet.conf');
    expect(shQuote('')).toBe("''");
    expect(shQuote('a b')).toBe("'a b'");
    expect(shQuote("it's")).toBe("'it'\\''s'");
    expect(shQuote('a=b')).toBe("'a=b'");
    expect(shQuote('~root')).toBe("'~root'");
  });

  it('refuses NUL', () => {
    expect(() => shQuote('a\0b')).toThrow(/NUL/);
  });

  it('round-trips any string without NUL through /bin/sh unchanged', () => {
    const tricky = fc.constantFrom("'", '"', '$(id)', '`id`', '\\', '\n', '$HOME', '*', '!', '#', ' ', '\t', 'é', '🙂', '-n', '%s', ';');
    const value = fc
      .oneof(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.array(tricky, { maxLength: 8 }).map((parts) => parts.join('')),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
      )
      .filter((s) => !s.includes('\0') && wellFormed(s));
    fc.assert(
      fc.property(value, (s) => {
        expect(shPrintf('%s', shQuote(s))).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it('shJoin keeps argument boundaries', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !s.includes('\0') && wellFormed(s)),
          { minLength: 1, maxLength: 5 },
        ),
        (argv) => {
          expect(shPrintf('<%s>', shJoin(argv))).toBe(argv.map((a) => `<${a}>`).join(''));
        },
      ),
      { numRuns: 100 },
    );
  });
});
