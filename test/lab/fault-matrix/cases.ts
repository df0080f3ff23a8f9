import { FULL, SLICE, type Fault } from './matrix.ts';

/** `NODEWARD_FAULT_MATRIX=full` (npm run test:faults): every case; otherwise the slice. Split in two halves, one per test lab. */
export function casesFor(half: 0 | 1): readonly (readonly [string, Fault])[] {
  const cases = process.env['NODEWARD_FAULT_MATRIX'] === 'full' ? FULL : SLICE;
  return cases.filter((_, index) => index % 2 === half);
}
