import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));

/**
 * V8's young-generation flag works only if it is set before the program's module graph is loaded
 * (src/cli/heap-startup.ts): the entry must import nothing else statically, and load the program
 * with a dynamic import after it.
 */
describe('the command line entry', () => {
  const source = readFileSync(MAIN, 'utf8');

  it('statically imports only the heap settings, and the program only dynamically after them', () => {
    const staticImports = [...source.matchAll(/^\s*import\s+(?:[^'"]*from\s+)?['"]([^'"]+)['"]/gm)].map((m) => m[1]);
    expect(staticImports).toEqual(['./heap-startup.ts']);
    const dynamic = source.indexOf("await import('./program.ts')");
    expect(dynamic).toBeGreaterThan(source.indexOf("import './heap-startup.ts'"));
  });

  it('sets the flag when imported: V8 accepts it (a misspelt flag would be ignored without a word)', () => {
    // --semi-space-growth-factor is listed by this Node's V8 with the meaning we rely on
    const options = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;
    expect(options).toMatch(/--semi-space-growth-factor \(factor by which to grow the new space\)/);
    const startup = readFileSync(new URL('../../../src/cli/heap-startup.ts', import.meta.url), 'utf8');
    expect(startup).toMatch(/setFlagsFromString\('--semi-space-growth-factor=1'\)/);
  });
});
