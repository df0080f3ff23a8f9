import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inShard, parseShard, shardOf } from '../../../src/drift/shard.ts';

const names = (n: number): { name: string }[] => Array.from({ length: n }, (_, i) => ({ name: `node-${i + 1}` }));

describe('--shard I/N', () => {
  it('puts every node in exactly one shard, for any N', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), { maxLength: 60 }), fc.integer({ min: 1, max: 12 }), (list, count) => {
        const nodes = list.map((name) => ({ name }));
        const shards = Array.from({ length: count }, (_, index) => inShard(nodes, { index, count }).map((n) => n.name));
        expect(shards.flat().sort()).toEqual([...list].sort());
      }),
    );
  });

  it('depends on the name only: order, other nodes and the machine do not move a node', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 8 }), (list, count) => {
        const reversed = inShard([...list].reverse().map((name) => ({ name })), { index: 0, count }).map((n) => n.name);
        const forward = inShard(list.map((name) => ({ name })), { index: 0, count }).map((n) => n.name);
        expect([...reversed].sort()).toEqual([...forward].sort());
        const without = inShard(list.slice(1).map((name) => ({ name })), { index: 0, count }).map((n) => n.name);
        expect(without).toEqual(forward.filter((n) => n !== list[0]));
      }),
    );
    // pinned: sha256 of the name, first 8 bytes big-endian, mod N (a changed hash would reshuffle every fleet)
    expect(['node-1', 'node-2', 'node-3', 'node-4', 'node-5'].map((n) => shardOf(n, 4))).toMatchInlineSnapshot(`
      [
        2,
        2,
        0,
        2,
        2,
      ]
    `);
  });

  it('spreads a fleet evenly', () => {
    const counts = Array.from({ length: 8 }, (_, index) => inShard(names(4000), { index, count: 8 }).length);
    for (const c of counts) expect(Math.abs(c - 500)).toBeLessThan(90);
  });

  it('parses I/N and auto/N from $JOB_COMPLETION_INDEX (0-based, as Kubernetes numbers Indexed Job pods)', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard('auto/4', { JOB_COMPLETION_INDEX: '3' })).toEqual({ index: 3, count: 4 });
    expect(() => parseShard('4/4')).toThrow(/0-based/);
    expect(() => parseShard('1/0')).toThrow(/at least 1/);
    expect(() => parseShard('auto/4', {})).toThrow(/JOB_COMPLETION_INDEX is not set/);
    expect(() => parseShard('auto/4', { JOB_COMPLETION_INDEX: 'x' })).toThrow(/"x"/);
    expect(() => parseShard('1-4')).toThrow(/I\/N/);
  });
});
