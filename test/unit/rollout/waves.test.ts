import { describe, expect, it } from 'vitest';
import { parseBatchSpec, toBatches } from '../../../src/apply/batches.ts';
import { cumulativeCount, parseWaveSpec, toWaves } from '../../../src/rollout/waves.ts';

const fleet = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);
const sizes = (waves: unknown[][]) => waves.map((w) => w.length);

describe('rollout waves: cumulative targets', () => {
  it('1,10%,50%,100% over 10 nodes is a canary, then up to 1, 5 and 10 nodes done', () => {
    expect(sizes(toWaves(fleet(10), parseWaveSpec('1,10%,50%,100%')))).toEqual([1, 4, 5]);
    expect(sizes(toWaves(fleet(100), parseWaveSpec('1,10%,50%,100%')))).toEqual([1, 9, 40, 50]);
  });
  it('differs from apply --batch, whose sizes are per batch with the last repeating', () => {
    expect(sizes(toBatches(fleet(100), parseBatchSpec('1,10%,50%,100%')))).toEqual([1, 10, 50, 39]);
  });
  it('rounds percentages up, so a small fleet still gets every wave it can', () => {
    expect(cumulativeCount({ percent: 10 }, 5)).toBe(1);
    expect(cumulativeCount({ percent: 50 }, 5)).toBe(3);
    expect(cumulativeCount({ percent: 33 }, 3)).toBe(1);
    expect(sizes(toWaves(fleet(5), parseWaveSpec('1,10%,50%,100%')))).toEqual([1, 2, 2]);
    expect(sizes(toWaves(fleet(1), parseWaveSpec('1,10%,50%,100%')))).toEqual([1]);
  });
  it('keeps inventory order and always completes the fleet', () => {
    expect(toWaves(fleet(4), parseWaveSpec('1,50%'))).toEqual([['n1'], ['n2'], ['n3', 'n4']]);
    expect(sizes(toWaves(fleet(10), parseWaveSpec('2,5')))).toEqual([2, 3, 5]);
  });
  it('mixes counts and percentages', () => {
    expect(sizes(toWaves(fleet(40), parseWaveSpec('1,5,25%,100%')))).toEqual([1, 4, 5, 30]);
  });
  it('rejects nonsense and targets that go down', () => {
    expect(() => parseWaveSpec('0')).toThrow(/positive/);
    expect(() => parseWaveSpec('1,,2')).toThrow(/cumulative/);
    expect(() => parseWaveSpec('150%')).toThrow(/100%/);
    expect(() => parseWaveSpec('1,50%,10%')).toThrow(/must not go down/);
    expect(() => parseWaveSpec('5,2')).toThrow(/must not go down/);
  });
});
