import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_LABS } from './global-setup.ts';
import { runLabScript } from './lab-cli.ts';

// the README's first quick-start command, on a lab of its own (the id after the test labs')
const demoLabId = String(Number(process.env['NODEWARD_TEST_LAB_ID'] ?? '1') + TEST_LABS);
const stateDir = mkdtempSync(path.join(tmpdir(), 'nw-demo-state-'));
const runLab = (script: 'cli.ts' | 'demo.ts', args: readonly string[]) => runLabScript(demoLabId, script, args, { env: { XDG_STATE_HOME: stateDir, NO_COLOR: '1' } });

describe('npm run demo (lab)', () => {
  afterAll(async () => {
    await runLab('cli.ts', ['down']);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('brings up its lab, plans the seeded drift (exit 2), applies canary first (exit 0), and plans again in sync (exit 0)', async () => {
    const demo = await runLab('demo.ts', []);
    expect(demo.output).toContain('Demo done (plan 2, apply 0, plan 0)');
    expect(demo.output).toMatch(/^Plan: 5 nodes, 0 changes, 0 restarts; 0 with changes, 5 in sync, 0 refused, 0 locked, 0 errors$/m);
    expect(demo.code, demo.output).toBe(0);
  });
});
