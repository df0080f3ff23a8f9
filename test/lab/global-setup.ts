import type { TestProject } from 'vitest/node';
import { labDown, labUp, readLabInfo, type LabInfo } from '../../lab/lab.ts';
import { alive } from '../../lab/node-boot.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    lab: LabInfo;
  }
}

/** Brings up the test lab (id 1, or $NODEWARD_TEST_LAB_ID) once for the whole `lab` project and takes it down at the end. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // 1 unless a parallel developer run asks for its own lab (NODEWARD_TEST_LAB_ID)
  process.env['NODEWARD_LAB_ID'] = process.env['NODEWARD_TEST_LAB_ID'] ?? '1';
  delete process.env['NODEWARD_LAB_DIR'];
  const n = Number(process.env['NODEWARD_TEST_NODES'] ?? '5');
  let info = process.env['NODEWARD_LAB_REUSE'] === '1' ? reusable(n) : undefined;
  const reused = info !== undefined;
  if (!info) {
    const t0 = Date.now();
    info = await labUp(n, { log: (m) => process.stderr.write(`[lab 1] ${m}\n`) });
    process.stderr.write(`[lab 1] up with ${n} nodes in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
  }
  project.provide('lab', info);
  return async () => {
    if (!reused && process.env['NODEWARD_LAB_KEEP'] !== '1') await labDown();
  };
}

function reusable(n: number): LabInfo | undefined {
  try {
    const info = readLabInfo();
    const up = alive(info.bastion.pid) && info.nodes.every((x) => alive(x.initPid));
    return up && info.nodeCount >= n ? info : undefined;
  } catch {
    return undefined;
  }
}
