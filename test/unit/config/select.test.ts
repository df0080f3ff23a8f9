import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseInventory } from '../../../src/config/load-inventory.ts';
import { selectHosts } from '../../../src/config/select.ts';
import { UsageError } from '../../../src/util/errors.ts';
import { fixturePath } from './fixtures.ts';

interface SelectionCase {
  readonly limit: string[];
  readonly expect?: string[];
  readonly error?: string;
}

const inventoryFile = fixturePath('selection', 'inventory.yaml');
const inventory = parseInventory(readFileSync(inventoryFile, 'utf8'), inventoryFile, { home: '/home/tester' });
const cases = parse(readFileSync(fixturePath('selection', 'cases.yaml'), 'utf8')) as SelectionCase[];

describe('selectHosts', () => {
  for (const c of cases) {
    it(`--limit ${JSON.stringify(c.limit)}`, () => {
      if (c.error !== undefined) {
        let thrown: unknown;
        try {
          selectHosts(inventory, c.limit);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(UsageError);
        expect((thrown as UsageError).message).toBe(c.error);
      } else {
        expect(selectHosts(inventory, c.limit).map((h) => h.name)).toEqual(c.expect);
      }
    });
  }
});
