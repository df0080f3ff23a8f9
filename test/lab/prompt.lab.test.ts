import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { labReset } from '../../lab/lab.ts';
import { shQuote } from '../../src/node/shell-quote.ts';
import { testLab, testStateDir } from './helpers.ts';
import { nodeSnapshot, nodeward } from './nodeward.ts';

// `nodeward apply` on a real terminal (a pty from util-linux `script`), answered key by key.
const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const UP = '\u001b[A';
const ENTER = '\r';
const SPACE = ' ';

interface Step {
  readonly when: string;
  readonly keys: string;
}

function onTerminal(args: readonly string[], steps: readonly Step[]): Promise<{ code: number; screen: string }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, MAIN, ...args].map(shQuote).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...process.env, XDG_STATE_HOME: testStateDir(), TERM: 'xterm', COLUMNS: '120' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let next = 0;
    const answer = (): void => {
      const step = steps[next];
      if (step && screen.includes(step.when)) {
        next++;
        // give the prompt a moment to switch the terminal to raw mode
        setTimeout(() => child.stdin.write(step.keys), 300);
      }
    };
    child.stdout.on('data', (b: Buffer) => {
      screen += b.toString();
      answer();
    });
    child.stderr.on('data', (b: Buffer) => (screen += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.end();
      // eslint-disable-next-line no-control-regex
      resolve({ code: code ?? 1, screen: screen.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '') });
    });
  });
}

describe('apply asks on a terminal (lab)', () => {
  const lab = testLab();
  const inventory = lab.info.files.inventory;
  const names = lab.info.nodes.map((n) => n.name);
  const [n1 = 'node-1', n2 = 'node-2'] = names;

  beforeEach(async () => {
    await labReset();
  });

  it('Enter on the default answer aborts and changes nothing', async () => {
    const before = await Promise.all(names.map(nodeSnapshot));
    const result = await onTerminal(['apply', '-i', inventory, 'kubelet', 'kernel', '--no-diff'], [{ when: 'Apply these changes', keys: ENTER }]);
    expect(result.code).toBe(1);
    expect(result.screen).toContain('Aborted: nothing was changed.');
    // before it asks: the grouped summary and its footer; the changes are one flag away
    expect(result.screen).toMatch(/Plan: \d+ nodes, \d+ changes, \d+ restarts; /);
    expect(result.screen).toContain('Every change, once per target: add --diff changed');
    expect(result.screen).not.toContain('readOnlyPort: 10255 → 0');
    expect(await Promise.all(names.map(nodeSnapshot))).toEqual(before);
  });

  it('"Pick nodes…" applies to the chosen node only', async () => {
    const before = await nodeSnapshot(n2);
    const result = await onTerminal(
      ['apply', '-i', inventory, 'kubelet', 'kernel', '--no-diff', '--batch', '100%'],
      [
        { when: 'Apply these changes', keys: UP + ENTER },
        { when: 'Nodes to apply to', keys: SPACE + ENTER },
      ],
    );
    expect(result.code, result.screen.slice(-2000)).toBe(0);
    expect(result.screen).toMatch(new RegExp(`${n1}\\s+applied`));
    expect(result.screen).not.toMatch(new RegExp(`${n2}\\s+applied`));
    expect(await nodeSnapshot(n2)).toBe(before);
  });

  it('"Apply to all" applies every node with changes', async () => {
    const result = await onTerminal(['apply', '-i', inventory, 'kubelet', 'kernel', '--no-diff', '--batch', '100%'], [{ when: 'Apply these changes', keys: UP + UP + ENTER }]);
    expect(result.code, result.screen.slice(-2000)).toBe(0);
    for (const name of names) expect(result.screen).toMatch(new RegExp(`${name}\\s+applied`));
  });

  it('without a terminal it refuses unless --yes', async () => {
    const result = await nodeward(['apply', '-i', inventory, 'kubelet']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/refusing to apply without a terminal.*--yes/);
  });
});
