import { describe, it } from 'vitest';
import { testLab } from './helpers.ts';
import { casesFor } from './fault-matrix/cases.ts';
import { runCase } from './fault-matrix/matrix.ts';

// The fault matrix, first half (the second is in fault-matrix-b, on the other test lab): `npm test`
// runs the slice, `npm run test:faults` every step with every fault.
const lab = testLab();

describe('fault matrix (lab), part a: a fault at a node-side step leaves the node old or new, never half', () => {
  for (const [step, fault] of casesFor(0)) {
    it(`${fault} at ${step}`, async () => {
      await runCase(lab.info.files.inventory, 'node-1', step, fault);
    }, 600_000);
  }
});
