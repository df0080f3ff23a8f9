import type { TestProject } from 'vitest/node';
import { labDir } from '../../lab/config.ts';
import { labDown, readLabInfo, type LabInfo } from '../../lab/lab.ts';
import { alive } from '../../lab/node-boot.ts';
import { runLabScript } from './lab-cli.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    labs: LabInfo[];
  }
}

/** How many labs the lab project runs on side by side: one per vitest worker (see vitest.config.ts). */
export const TEST_LABS = Number(process.env['NODEWARD_TEST_LABS'] ?? '3');

/**
 * Brings up the test labs ($NODEWARD_TEST_LABS of them, 3 by default: ids 1–3, or from
 * $NODEWARD_TEST_LAB_ID on) once for the whole `lab` project and takes them down at the end. Lab
 * test files mostly wait (for restarts, gates, lock expiries), so as many files run at once as
 * there are labs, each on a lab of its own.
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
      const up = await runLabScript(id, 'cli.ts', ['up', String(n)], { echo: true });
      if (up.code !== 0) throw new Error(`lab ${id}: lab up ${n} exited ${up.code}:\n${up.output}`);
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

function reusable(dir: string, n: number): LabInfo | undefined {
  try {
    const info = readLabInfo(dir);
    const up = alive(info.bastion.pid) && info.nodes.every((x) => alive(x.initPid));
    return up && info.nodeCount >= n ? info : undefined;
  } catch {
    return undefined;
  }
}
