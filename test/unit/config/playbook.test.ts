import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { instantiatePlaybook } from '../../../src/config/instantiate.ts';
import { parseInventory } from '../../../src/config/load-inventory.ts';
import { loadPlaybook } from '../../../src/config/load-playbook.ts';
import type { HostSpec } from '../../../src/config/types.ts';
import { validatePlaybooksForHosts } from '../../../src/config/validate-playbooks.ts';
import { expectConfigError, fixtureCases, fixturePath, plainPlaybook } from './fixtures.ts';

const inventoryFile = fixturePath('playbook', 'inventory.yaml');
const inventory = parseInventory(readFileSync(inventoryFile, 'utf8'), inventoryFile, { home: '/home/tester' });

function host(name: string): HostSpec {
  const found = inventory.nodes.find((h) => h.name === name);
  if (found === undefined) throw new Error(`no host ${name} in ${inventoryFile}`);
  return found;
}

describe('valid playbooks, instantiated per host', () => {
  for (const name of fixtureCases('playbook', 'valid')) {
    it(name, async () => {
      const file = fixturePath('playbook', 'valid', name);
      const expected = parse(readFileSync(file.replace(/\.yaml$/, '.expected.yaml'), 'utf8')) as Record<string, unknown>;
      const playbook = await loadPlaybook(file);
      const actual = Object.fromEntries(Object.keys(expected).map((h) => [h, plainPlaybook(instantiatePlaybook(playbook, host(h)))]));
      expect(actual).toEqual(expected);
    });
  }
});

describe('invalid playbooks, rejected when loading', () => {
  for (const name of fixtureCases('playbook', 'invalid')) {
    it(name, async () => {
      const file = fixturePath('playbook', 'invalid', name);
      await expectConfigError(() => loadPlaybook(file), file);
    });
  }
});

describe('playbooks that fail on some hosts, rejected before any node is contacted', () => {
  for (const name of fixtureCases('playbook', 'hosts')) {
    it(name, async () => {
      const file = fixturePath('playbook', 'hosts', name);
      const playbook = await loadPlaybook(file);
      await expectConfigError(() => validatePlaybooksForHosts([playbook], inventory.nodes), file);
    });
  }
});
