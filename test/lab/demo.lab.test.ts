import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../lab/config.ts';
import { TEST_LABS } from './global-setup.ts';

// the README's first quick-start command, on a lab of its own (the id after the test labs')
const demoLabId = String(Number(process.env['NODEWARD_TEST_LAB_ID'] ?? '1') + TEST_LABS);
const stateDir = mkdtempSync(path.join(tmpdir(), 'nw-demo-state-'));
const tsx = path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

function runLab(script: string, args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODEWARD_LAB_ID: demoLabId, XDG_STATE_HOME: stateDir, NO_COLOR: '1' };
    delete env['NODEWARD_LAB_DIR'];
    const child = spawn(process.execPath, [tsx, path.join(REPO_ROOT, 'lab', script), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('npm run demo (lab)', () => {
  afterAll(async () => {
    await runLab('cli.ts', ['down']);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('brings up its lab, plans the seeded drift (exit 2), applies canary first (exit 0), and plans again in sync (exit 0)', async () => {
    const demo = await runLab('demo.ts', []);
    expect(demo.output).toContain('Demo done (plan 2, apply 0, plan 0)');
    expect(demo.output).toMatch(/5 nodes: 5 in sync, 0 with changes, 0 with errors/);
    expect(demo.code, demo.output).toBe(0);
  });
});
