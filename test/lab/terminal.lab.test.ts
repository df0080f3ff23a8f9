import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { shQuote } from '../../src/node/shell-quote.ts';
import { testLab, testStateDir } from './helpers.ts';
import { spawnCollect, type Spawned } from './spawn.ts';

// Pipes and terminals as a user has them: a reader that stops early (`| head`), and a pty.
const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const PTY = fileURLToPath(new URL('./pty-run.py', import.meta.url));

function bash(script: string, env: NodeJS.ProcessEnv = {}): Promise<Spawned> {
  return spawnCollect('bash', ['-c', script], { env: { ...process.env, XDG_STATE_HOME: testStateDir(), NO_COLOR: '1', ...env } });
}

/** `nodeward ARGS | head -N` through a real pipe; the exit status is nodeward's own (PIPESTATUS). */
async function intoHead(args: readonly string[], lines: number): Promise<Spawned> {
  const command = [process.execPath, MAIN, ...args].map(shQuote).join(' ');
  const run = await bash(`${command} | head -${lines}; exit "\${PIPESTATUS[0]}"`);
  return run;
}

/** nodeward on a pseudo-terminal COLS columns wide: what the terminal shows, and the exit status. */
async function onPty(cols: number, args: readonly string[]): Promise<Spawned> {
  const command = ['python3', PTY, String(cols), cols === 0 ? '0' : '40', process.execPath, MAIN, ...args].map(shQuote).join(' ');
  return bash(command, { NO_COLOR: '1' });
}

describe('pipes and terminals (lab)', () => {
  const lab = testLab();
  const inventory = lab.info.files.inventory;

  it('a reader that stops early ends the command quietly, with its real exit status', async () => {
    const help = await intoHead(['--help'], 1);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toBe('Usage: nodeward [options] [command]\n');

    const plan = await intoHead(['plan', '-i', inventory, '-q'], 2);
    expect(plan.stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
    expect(plan.code).toBe(2);
    expect(plan.stdout.split('\n')).toHaveLength(3);

    const junit = await intoHead(['check', '-i', inventory, '-q', '--format', 'junit'], 3);
    expect(junit.stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
    expect(junit.code).toBe(2);
    expect(junit.stdout).toMatch(/^<\?xml/);
  });

  it('on a terminal of 0 columns the progress is plain lines; on a wide one it is drawn live', async () => {
    const narrow = await onPty(0, ['plan', '-i', inventory, 'kernel', '--diff', 'none']);
    expect(narrow.code).toBe(2);
    const lines = narrow.stdout.replace(/\r/g, '').split('\n');
    expect(lines.filter((l) => /^node-\d+: \d+ change\(s\)$/.test(l))).toHaveLength(lab.info.nodes.length);
    // the old failure: one character per line
    expect(lines.filter((l) => l.trim().length === 1).length).toBeLessThan(3);

    const wide = await onPty(120, ['plan', '-i', inventory, 'kernel', '--diff', 'none']);
    expect(wide.code).toBe(2);
    expect(wide.stdout).toContain('\u001b[?25l'); // listr2 hides the cursor while it draws
    expect(wide.stdout).toMatch(/Plan: \d+ nodes/);
  });

  it('a bare nodeward prints the help and exits 0', async () => {
    const bare = await bash([process.execPath, MAIN].map(shQuote).join(' '));
    expect(bare.code).toBe(0);
    expect(bare.stdout).toMatch(/^Usage: nodeward/);
    expect(bare.stdout).toContain('plan');
  });
});
