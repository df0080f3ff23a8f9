import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseInventory } from '../../../src/config/load-inventory.ts';
import { loadInventory } from '../../../src/config/load-inventory.ts';
import { ConfigError } from '../../../src/util/errors.ts';
import { expectConfigError, fixtureCases, fixturePath } from './fixtures.ts';

const HOME = '/home/tester';

function parseFixture(file: string): ReturnType<typeof parseInventory> {
  return parseInventory(readFileSync(file, 'utf8'), file, { home: HOME });
}

/** The normalized inventory as plain data, absolute paths written as <dir> and <home>. */
function plain(value: unknown, dir: string): unknown {
  const text = JSON.stringify(value, (_key, v: unknown) => (v === undefined ? undefined : v));
  return JSON.parse(text.split(dir).join('<dir>').split(HOME).join('<home>'));
}

describe('valid inventories', () => {
  const dir = fixturePath('inventory', 'valid');
  for (const name of fixtureCases('inventory', 'valid')) {
    it(name, () => {
      const file = fixturePath('inventory', 'valid', name);
      const expected: unknown = parse(readFileSync(file.replace(/\.yaml$/, '.expected.yaml'), 'utf8'));
      expect(plain(parseFixture(file), dir)).toEqual(expected);
    });
  }
});

describe('invalid inventories', () => {
  for (const name of fixtureCases('inventory', 'invalid')) {
    it(name, async () => {
      const file = fixturePath('inventory', 'invalid', name);
      await expectConfigError(() => parseFixture(file), file);
    });
  }
});

describe('inventory.example.yaml', () => {
  it('is a valid inventory documenting every field', async () => {
    const file = fixturePath('..', '..', '..', 'inventory.example.yaml');
    const inventory = parseFixture(file);
    expect(inventory.nodes.map((n) => [n.name, n.user, n.port, n.become, n.groups, n.vars])).toEqual([
      ['node-1', 'ops', 22, 'sudo', ['canary'], { podPidsLimit: 4096, rpFilter: 1 }],
      ['node-2', 'root', 2222, 'none', ['infra', 'late'], { podPidsLimit: 8192, rpFilter: 2 }],
    ]);
    expect(inventory.benchmark).toBe('cis-1.12');
  });
});

describe('loadInventory', () => {
  /** The lab-style fixture in a folder of its own, with the files it names. */
  async function labStyle(files: readonly string[] = ['known_hosts', 'kubeconfig', 'id_ed25519']): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'nw-inventory-'));
    const file = join(dir, 'inventory.yaml');
    await writeFile(file, readFileSync(fixturePath('inventory', 'valid', 'lab-style.yaml')));
    for (const name of files) await writeFile(join(dir, name), 'x\n');
    return file;
  }

  it('reads the file and resolves paths against its folder', async () => {
    const file = await labStyle();
    const inventory = await loadInventory(file);
    expect(inventory.file).toBe(file);
    expect(inventory.knownHosts).toBe(join(file, '..', 'known_hosts'));
  });

  it('checks the local files it names before any connection, at the field that names them, once each', async () => {
    const file = await labStyle([]);
    const error = await loadInventory(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const messages = (error as ConfigError).issues.map((i) => `${i.line}:${i.column}: ${i.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^4:13: knownHosts .*\/known_hosts: no such file: every host key is checked against it; .*ssh-keyscan run on the bastion.*--accept-new/),
      expect.stringMatching(/^5:13: kubeconfig .*\/kubeconfig: no such file$/),
      expect.stringMatching(/^8:17: defaults\.identityFile .*\/id_ed25519: no such file \(the key of 3 hosts: the bastion, node-1, node-2\)$/),
    ]);
  });

  it('with --accept-new a known_hosts that does not exist yet is fine', async () => {
    const file = await labStyle(['kubeconfig', 'id_ed25519']);
    await expect(loadInventory(file, { acceptNew: true })).resolves.toMatchObject({ file });
    await expect(loadInventory(file)).rejects.toThrow(/knownHosts .*no such file/);
  });

  it('names a missing file', async () => {
    const file = fixturePath('inventory', 'no-such-inventory.yaml');
    await expect(loadInventory(file)).rejects.toThrow(`${file}:1:1: cannot read inventory: no such file`);
  });

  it('reports the issues as a ConfigError with positions', () => {
    const file = '/x/inventory.yaml';
    const error = (() => {
      try {
        parseInventory('nodes: 3\n', file, { home: HOME });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([{ file, line: 1, column: 8, message: 'nodes: must be a list, not the number 3' }]);
  });
});
