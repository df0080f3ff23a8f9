import { describe, expect, it } from 'vitest';
import { domainBatches, groupsByDomain, parseMaxUnavailable, partitionBy, unavailableLimit } from '../../../src/apply/domains.ts';
import { createSlots } from '../../../src/apply/slots.ts';
import { parseBatchSpec } from '../../../src/apply/batches.ts';
import { parseWaveSpec, toWaves } from '../../../src/rollout/waves.ts';
import { UsageError } from '../../../src/util/errors.ts';

const ZONE: Record<string, string | undefined> = { n1: 'b', n2: 'a', n3: 'b', n4: 'c', n5: 'a', n6: undefined, n7: 'b', n8: 'b' };
const names = Object.keys(ZONE);
const zoneOf = (n: string): string | undefined => ZONE[n];

describe('failure domains', () => {
  it('partitions by the label value, in value order, nodes without it last, keeping node order within', () => {
    expect(partitionBy(names, zoneOf)).toEqual([
      { value: 'a', items: ['n2', 'n5'] },
      { value: 'b', items: ['n1', 'n3', 'n7', 'n8'] },
      { value: 'c', items: ['n4'] },
      { value: undefined, items: ['n6'] },
    ]);
  });

  it('waves by zone: the canary in the first zone, cumulative --waves within each zone, one zone at a time', () => {
    const waves = groupsByDomain(names, zoneOf, (g) => toWaves(g, parseWaveSpec('1,50%,100%')));
    expect(waves).toEqual([
      { domain: 'a', items: ['n2'] },
      { domain: 'a', items: ['n5'] },
      { domain: 'b', items: ['n1'] },
      { domain: 'b', items: ['n3'] },
      { domain: 'b', items: ['n7', 'n8'] },
      { domain: 'c', items: ['n4'] },
      { domain: undefined, items: ['n6'] },
    ]);
    // every node once, no wave across two zones
    expect(waves.flatMap((w) => w.items).sort()).toEqual([...names].sort());
    for (const wave of waves) expect(new Set(wave.items.map(zoneOf)).size).toBe(1);
  });

  it('batches by zone: the --batch sizes within each zone', () => {
    expect(domainBatches(names, parseBatchSpec('1,2'), zoneOf)).toEqual([['n2'], ['n5'], ['n1'], ['n3', 'n7'], ['n8'], ['n4'], ['n6']]);
    expect(domainBatches(names, parseBatchSpec('3'), undefined)).toEqual([['n1', 'n2', 'n3'], ['n4', 'n5', 'n6'], ['n7', 'n8']]);
  });

  it('--max-unavailable: a count, or a share of the fleet rounded down but at least 1', () => {
    expect(unavailableLimit(parseMaxUnavailable('2'), 100)).toBe(2);
    expect(unavailableLimit(parseMaxUnavailable('10%'), 25)).toBe(2);
    expect(unavailableLimit(parseMaxUnavailable('10%'), 5)).toBe(1);
    expect(unavailableLimit(parseMaxUnavailable('100%'), 7)).toBe(7);
    for (const bad of ['0', '-1', '0%', '101%', 'two', '']) expect(() => parseMaxUnavailable(bad)).toThrow(UsageError);
  });

  it('the slots never let more than the limit in at once, and everyone gets in', async () => {
    const slots = createSlots(2);
    let inside = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 7 }, async (_, i) => {
        const release = await slots.acquire();
        inside++;
        peak = Math.max(peak, inside);
        await new Promise((r) => setTimeout(r, 5 + ((i * 7) % 5)));
        inside--;
        order.push(i);
        release();
        release(); // a second release gives nothing back twice
      }),
    );
    expect(peak).toBe(2);
    expect(order.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // the double releases did not leave extra slots behind
    const held = [await slots.acquire(), await slots.acquire()];
    let third = false;
    void slots.acquire().then(() => (third = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(third).toBe(false);
    held[0]?.();
    await new Promise((r) => setTimeout(r, 0));
    expect(third).toBe(true);
  });
});
