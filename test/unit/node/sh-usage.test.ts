import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { shUsageViolations } from './sh-usage.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('remote shell is built only with sh`…` (src/node/sh.ts)', () => {
  it('holds for every file in src/', () => {
    const files = sources(join(ROOT, 'src'));
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((path) => shUsageViolations(relative(ROOT, path), readFileSync(path, 'utf8')));
    expect(found.map((v) => `${v.file}:${v.line}: ${v.rule}: ${v.text}`)).toEqual([]);
  });

  // each rule on a planted violation: the check above can fail
  it.each([
    ['a script from a template', "export const s = (p: string) => `rm -f -- ${p} 2>/dev/null || nw_fail x y`;", 'shell built from a string'],
    ['a script from a string', `const t = 'nw_put "$R/state" done';`, 'shell built from a string'],
    ['exec with a template', 'await transport.exec(`hostname`);', 'exec() with a string'],
    ['exec with a string', "await transport.exec('id -u', {});", 'exec() with a string'],
    ['shQuote outside node/', "import { shQuote } from '../node/shell-quote.ts';\nconst x = shQuote(v);", 'shQuote outside src/node/'],
    ['the @{ helper', "const shell = (t: string) => t.replaceAll('@{', '${');", "an '@{' placeholder"],
    ['String.raw', 'const f = String.raw`a\\b`;', 'String.raw'],
    ['raw() of a variable', 'const s = raw(text);', 'raw() with anything but a string literal'],
  ])('finds %s', (_name, planted, rule) => {
    const found = shUsageViolations('src/apply/scripts/planted.ts', planted);
    expect(found.map((v) => v.rule).join('\n')).toContain(rule);
  });

  it('leaves the tag, its values, regular expressions and comments alone', () => {
    const fine = [
      "import { sh, raw } from '../../node/sh.ts';",
      '// printf \'%s\' "$R/x" 2>/dev/null: a comment',
      'const a = sh`printf \'%s\\n\' ${path} > "$R/owed" 2>/dev/null || nw_fail setup "cannot write $R"`;',
      'const b = sh`nw_fail ${step} ${`${op.key} did not take (now `}"$*)"`;',
      "const c = raw('set -u');",
      'const d = /^NW_([A-Z_]+)(?: (.*))?$/.exec(line);',
      'await transport.exec(probeScript(request));',
    ].join('\n');
    expect(shUsageViolations('src/apply/scripts/fine.ts', fine)).toEqual([]);
  });
});
