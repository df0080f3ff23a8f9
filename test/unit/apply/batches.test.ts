import { describe, expect, it } from 'vitest';
import { budgetExceeded, parseBatchSpec, parseFailureBudget, toBatches } from '../../../src/apply/batches.ts';

const nodes = Array.from({ length: 20 }, (_, i) => `n${i + 1}`);

describe('batches (Ansible serial semantics)', () => {
  it('canary then sizes, the last repeating', () => {
    expect(toBatches(nodes, parseBatchSpec('1,5,25%')).map((b) => b.length)).toEqual([1, 5, 5, 5, 4]);
  });
  it('percentages of the total, at least one', () => {
    expect(toBatches(nodes.slice(0, 3), parseBatchSpec('10%')).map((b) => b.length)).toEqual([1, 1, 1]);
    expect(toBatches(nodes, parseBatchSpec('100%')).map((b) => b.length)).toEqual([20]);
  });
  it('keeps order', () => {
    expect(toBatches(nodes.slice(0, 4), parseBatchSpec('1,2'))).toEqual([['n1'], ['n2', 'n3'], ['n4']]);
  });
  it('rejects nonsense', () => {
    expect(() => parseBatchSpec('0')).toThrow(/positive/);
    expect(() => parseBatchSpec('1,,2')).toThrow();
    expect(() => parseBatchSpec('150%')).toThrow(/between/);
  });
});

describe('failure budget', () => {
  it('0 stops at the first failure', () => {
    const budget = parseFailureBudget('0');
    expect(budgetExceeded(budget, 0, 10)).toBe(false);
    expect(budgetExceeded(budget, 1, 10)).toBe(true);
  });
  it('percent of all nodes', () => {
    const budget = parseFailureBudget('10%');
    expect(budgetExceeded(budget, 2, 20)).toBe(false);
    expect(budgetExceeded(budget, 3, 20)).toBe(true);
  });
  it('rejects nonsense', () => {
    expect(() => parseFailureBudget('-1')).toThrow();
    expect(() => parseFailureBudget('lots')).toThrow();
  });
});
