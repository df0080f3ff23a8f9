import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('transport under Node’s own ESM loader', () => {
  // vitest's loader hides it, but Node only exposes the CommonJS exports of ssh2 that its
  // lexer detects (`utils`, `Server` are not): importing them by name fails at startup.
  it('loads ssh2 the way Node does', () => {
    const script =
      "const m = await import('./src/transport/ssh-connector.ts'); const i = await import('./src/transport/identity.ts');" +
      "console.log(typeof m.createSshConnector, typeof i.createIdentityCache)";
    const out = execFileSync('npx', ['tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(out.trim()).toBe('function function');
  });
});
