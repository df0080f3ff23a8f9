import { spawn } from 'node:child_process';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { labDir, REPO_ROOT } from '../../lab/config.ts';
import { labDown, readLabInfo, type LabInfo } from '../../lab/lab.ts';
import { alive } from '../../lab/node-boot.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    labs: LabInfo[];
  }
}

/** How many labs the lab project runs on side by side: one per vitest worker (see vitest.config.ts). */
export const TEST_LABS = Number(process.env['NODEWARD_TEST_LABS'] ?? '2');

/**
 * Brings up the test labs (ids 1 and 2, or from $NODEWARD_TEST_LAB_ID on) once for the whole
 * `lab` project and takes them down at the end. Lab test files mostly wait (for restarts, gates,
 * lock expiries), so two files run at once, each on a lab of its own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const base = Number(process.env['NODEWARD_TEST_LAB_ID'] ?? '1');
  const ids = Array.from({ length: TEST_LABS }, (_, k) => base + k);
  const n = Number(process.env['NODEWARD_TEST_NODES'] ?? '5');
  const reuse = process.env['NODEWARD_LAB_REUSE'] === '1';
  const labs = await Promise.all(
    ids.map(async (id) => {
      const dir = labDir(id);
      const kept = reuse ? reusable(dir, n) : undefined;
      if (kept) return { info: kept, fresh: false };
      await labCli(id, ['up', String(n)]);
      return { info: readLabInfo(dir), fresh: true };
    }),
  );
  project.provide('labs', labs.map((lab) => lab.info));
  return async () => {
    if (process.env['NODEWARD_LAB_KEEP'] === '1') return;
    for (const lab of labs.filter((l) => l.fresh)) {
      process.env['NODEWARD_LAB_ID'] = String(lab.info.id);
      process.env['NODEWARD_LAB_DIR'] = lab.info.dir;
      await labDown();
    }
  };
}

/** `npm run lab -- …` for one lab, its progress prefixed on stderr; labs come up in parallel. */
function labCli(id: number, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODEWARD_LAB_ID: String(id) };
    delete env['NODEWARD_LAB_DIR'];
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(REPO_ROOT, 'lab', 'cli.ts'), ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      process.stderr.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`lab ${id}: lab ${args.join(' ')} exited ${code}:\n${output}`))));
  });
}

function reusable(dir: string, n: number): LabInfo | undefined {
  try {
    const info = readLabInfo(dir);
    const up = alive(info.bastion.pid) && info.nodes.every((x) => alive(x.initPid));
    return up && info.nodeCount >= n ? info : undefined;
  } catch {
    return undefined;
  }
}
