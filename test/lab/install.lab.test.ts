import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { testLab, testStateDir } from './helpers.ts';
import { spawnCollect, type Spawned } from './spawn.ts';

// The README's install steps, as a user runs them: the packed tarball into an empty prefix, and
// `npm install -g .` from a fresh checkout with nothing installed in it.
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const made: string[] = [];
const scratch = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};

function run(command: string, args: readonly string[], cwd: string): Promise<Spawned> {
  // as a user's shell has it: no npm_* variables from the npm running these tests
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_')));
  return spawnCollect(command, args, { cwd, env: { ...env, XDG_STATE_HOME: testStateDir(), NO_COLOR: '1' }, timeoutMs: 400_000 });
}

/** The files git tracks, as a fresh clone has them (the working tree's, so uncommitted work is tested too). */
async function freshCheckout(): Promise<string> {
  const dir = scratch('nw-clone-');
  const files = (await run('git', ['ls-files', '-z'], REPO)).stdout.split('\0').filter((f) => f !== '');
  for (const file of files) cpSync(join(REPO, file), join(dir, file), { recursive: true });
  return dir;
}

describe('installing nodeward (lab)', () => {
  const lab = testLab();
  const inventory = lab.info.files.inventory;

  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  it('the packed tarball installs into an empty prefix with no build tools and plans the lab', async () => {
    const work = scratch('nw-pack-');
    // dist/ is built by `npm test`; `npm pack` on its own builds it first (prepare)
    const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], REPO);
    expect(packed.code, packed.stderr).toBe(0);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const listing = (await run('tar', ['-tzf', join(work, tarball ?? '')], work)).stdout.split('\n');
    for (const file of ['package/dist/cli/main.js', 'package/schema/playbook.schema.json', 'package/schema/inventory.schema.json', 'package/playbooks/kubelet.yaml']) expect(listing).toContain(file);
    expect(listing.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).toEqual([]);

    const prefix = join(work, 'prefix');
    const installed = await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball ?? '')], work);
    expect(installed.code, installed.stdout + installed.stderr).toBe(0);
    const bin = join(prefix, 'bin', 'nodeward');
    const version = await run(bin, ['--version'], work);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const plan = await run(bin, ['plan', '-i', inventory, 'kernel', '-q', '-o', 'json'], work);
    expect(plan.code, plan.stderr).toBe(2);
    expect((JSON.parse(plan.stdout) as { summary: { changes: number } }).summary.changes).toBe(lab.info.nodes.length);
  });

  it('`npm install -g .` from a fresh checkout (no node_modules, no dist) builds it and works', async () => {
    const checkout = await freshCheckout();
    const prefix = scratch('nw-prefix-');
    const installed = await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '.'], checkout);
    expect(installed.stdout + installed.stderr).not.toMatch(/tsc: not found/);
    expect(installed.code, installed.stdout + installed.stderr).toBe(0);
    const version = await run(join(prefix, 'bin', 'nodeward'), ['--version'], dirname(checkout));
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
