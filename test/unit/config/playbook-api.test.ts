import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parsePlaybook } from '../../../src/config/build-playbook.ts';
import { instantiatePlaybook } from '../../../src/config/instantiate.ts';
import { parseInventory } from '../../../src/config/load-inventory.ts';
import { loadPlaybook } from '../../../src/config/load-playbook.ts';
import { resolvePlaybookArgs } from '../../../src/config/playbook-args.ts';
import { validatePlaybooksForHosts } from '../../../src/config/validate-playbooks.ts';
import { resourceSchemas } from '../../../src/spec/schemas.ts';
import { ConfigError, UsageError } from '../../../src/util/errors.ts';
import { fixturePath, issueLines } from './fixtures.ts';

const inventoryFile = fixturePath('playbook', 'inventory.yaml');
const inventory = parseInventory(readFileSync(inventoryFile, 'utf8'), inventoryFile, { home: '/home/tester' });
const [node1, node2] = inventory.nodes;

function issuesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    return issueLines(error, '/p');
  }
  throw new Error('expected a ConfigError');
}

describe('instantiatePlaybook', () => {
  it('names the host in errors that depend on its variables', () => {
    const playbook = parsePlaybook('resources:\n  - name: m\n    file: { path: /etc/m, mode: "{{ mode }}" }\n', '/p/m.yaml');
    expect(node1 && instantiatePlaybook(playbook, node1).entries[0]?.resource).toEqual({
      kind: 'file',
      spec: { path: '/etc/m', state: 'present', mode: '0640', sensitive: false, restarts: [] },
    });
    expect(issuesOf(() => node2 && instantiatePlaybook(playbook, node2))).toEqual([
      'm.yaml:3:33: file.mode: must be an octal mode such as "0644" (quote it in YAML) ({{ mode }} = "0999") — on node-2',
    ]);
  });

  it('gives ids, sources and the effective variables', () => {
    const text = 'name: p\nvars: { a: 1, podPidsLimit: 1 }\nresources:\n  - name: first entry\n    file: { path: /etc/x }\n';
    const playbook = node1 && instantiatePlaybook(parsePlaybook(text, '/p/p.yaml'), node1);
    expect(playbook?.entries.map((e) => [e.id, e.source])).toEqual([['p/first entry', { file: '/p/p.yaml', line: 4, column: 5 }]]);
    expect(playbook?.vars).toEqual({ a: 1, podPidsLimit: 2048, mode: '0640', zoneFile: '/etc/zone' });
  });
});

describe('the resource kind registry', () => {
  it('is the only source of kinds: a new kind needs no change in the loader', () => {
    const schemas = { ...resourceSchemas, service: z.strictObject({ unit: z.string().regex(/^[a-z]+$/, 'must be a unit'), enabled: z.boolean() }) };
    const text = 'resources:\n  - name: s\n    service: { unit: "{{ node.name }}", enabeld: true }\n';
    expect(issuesOf(() => parsePlaybook(text, '/p/s.yaml', new Map(), schemas))).toEqual([
      "s.yaml:3:41: service: unknown key 'enabeld' (did you mean 'enabled'?)",
    ]);
    const fixed = parsePlaybook(text.replace('enabeld', 'enabled'), '/p/s.yaml', new Map(), schemas);
    expect(issuesOf(() => node1 && instantiatePlaybook(fixed, node1))).toEqual([
      's.yaml:3:22: service.unit: must be a unit ({{ node.name }} = "node-1") — on node-1',
    ]);
    expect(issuesOf(() => parsePlaybook(text.replace('service', 'servic'), '/p/s.yaml', new Map(), schemas))).toEqual([
      "s.yaml:3:5: resources[0]: unknown key 'servic' (did you mean 'service'?)",
    ]);
  });

  it('attaches source files to any kind with both source and content', () => {
    const schemas = { template: z.strictObject({ source: z.string(), content: z.string() }) };
    const files = new Map([['/p/t.txt', 'hello {{ node.name }}']]);
    const playbook = parsePlaybook('resources:\n  - name: t\n    template: { source: t.txt }\n', '/p/t.yaml', files, schemas);
    expect(node1 && instantiatePlaybook(playbook, node1).entries[0]?.resource.spec).toEqual({ source: '/p/t.txt', content: 'hello node-1' });
    expect(playbook.sourceFiles).toEqual(['/p/t.txt']);
  });
});

describe('validatePlaybooksForHosts', () => {
  it('returns the playbooks of every host', () => {
    const a = parsePlaybook('resources:\n  - name: a\n    file: { path: "/etc/{{ node.name }}" }\n', '/p/a.yaml');
    const b = parsePlaybook('resources:\n  - name: b\n    file: { path: /etc/b }\n', '/p/b.yaml');
    const result = validatePlaybooksForHosts([a, b], inventory.nodes);
    expect([...result.keys()]).toEqual(['node-1', 'node-2', 'node-3']);
    expect(result.get('node-2')?.map((p) => p.entries[0]?.resource.spec)).toEqual([
      { path: '/etc/node-2', state: 'present', sensitive: false, restarts: [] },
      { path: '/etc/b', state: 'present', sensitive: false, restarts: [] },
    ]);
  });

  it('refuses two playbooks with the same name', () => {
    const a = parsePlaybook('name: same\nresources:\n  - name: a\n    file: { path: /etc/a }\n', '/p/a.yaml');
    const b = parsePlaybook('name: same\nresources:\n  - name: a\n    file: { path: /etc/b }\n', '/p/b.yaml');
    expect(issuesOf(() => validatePlaybooksForHosts([a, b], inventory.nodes))).toEqual([
      "b.yaml:1:7: duplicate playbook name 'same' (also /p/a.yaml); entry ids would collide",
    ]);
  });

  it('lists many hosts briefly', () => {
    const many = Array.from({ length: 7 }, (_, i) => ({ ...inventory.nodes[0]!, name: `n${i}`, vars: {} }));
    const playbook = parsePlaybook('resources:\n  - name: a\n    file: { path: "/etc/{{ missing }}" }\n', '/p/a.yaml');
    expect(issuesOf(() => validatePlaybooksForHosts([playbook], many))).toEqual([
      "a.yaml:3:25: file.path: unknown variable 'missing' — on n0, n1, n2 and 4 more",
    ]);
  });
});

describe('loadPlaybook', () => {
  it('names a missing file', async () => {
    const file = fixturePath('playbook', 'nope.yaml');
    await expect(loadPlaybook(file)).rejects.toThrow(`${file}:1:1: cannot read playbook: no such file`);
  });

  it('refuses an empty file', () => {
    expect(issuesOf(() => parsePlaybook('# nothing\n', '/p/e.yaml'))).toEqual(['e.yaml:1:1: the playbook is empty']);
  });

  it('refuses a file name that is not a playbook name when name: is missing', () => {
    expect(issuesOf(() => parsePlaybook('resources:\n  - name: a\n    file: { path: /a/b }\n', '/p/my playbook.yaml'))).toEqual([
      "my playbook.yaml:1:1: the file name 'my playbook' is not a valid playbook name; set name:",
    ]);
  });

  it('refuses alias bombs', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`);
    const issues = issuesOf(() => parsePlaybook(lines.join('\n'), '/p/bomb.yaml'));
    expect(issues.filter((i) => i.includes('alias'))).toEqual(['bomb.yaml:6:8: more than 200000 values (alias expansion?)']);
  });
});

describe('resolvePlaybookArgs', () => {
  const bundled = fixturePath('playbook-args', 'bundled');

  it('takes every bundled playbook, sorted, when no argument is given', async () => {
    expect(await resolvePlaybookArgs([], bundled)).toEqual([`${bundled}/alpha.yaml`, `${bundled}/beta.yml`]);
  });

  it('resolves names and paths', async () => {
    const local = fixturePath('playbook-args', 'local.yaml');
    expect(await resolvePlaybookArgs(['beta', local, 'alpha', 'beta'], bundled)).toEqual([`${bundled}/beta.yml`, local, `${bundled}/alpha.yaml`]);
  });

  it('names what it cannot find', async () => {
    const error = await resolvePlaybookArgs(['alpah', './nope.yaml'], bundled).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(
      "no bundled playbook 'alpah' (did you mean 'alpha'?); bundled: alpha, beta\nplaybook file not found: ./nope.yaml",
    );
  });

  it('refuses to run nothing', async () => {
    await expect(resolvePlaybookArgs([], fixturePath('playbook-args', 'none'))).rejects.toThrow(UsageError);
  });

  it('finds the playbooks shipped in playbooks/', async () => {
    const paths = await resolvePlaybookArgs([], fixturePath('..', '..', '..', 'playbooks'));
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) await expect(loadPlaybook(path)).resolves.toBeDefined();
  });
});

it('ConfigError lists every issue as file:line:column', () => {
  const error = (() => {
    try {
      parsePlaybook('resources: 3\nextra: 1\n', '/p/x.yaml');
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).message).toBe(
    "/p/x.yaml:1:12: resources: must be a list, not the number 3\n/p/x.yaml:2:1: unknown key 'extra'",
  );
});
