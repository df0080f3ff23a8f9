import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SCHEMA_FILES, schemaText } from '../../../scripts/write-schema.ts';

const root = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const yaml = (path: string): unknown => parse(readFileSync(root(path), 'utf8'));

function validator(name: keyof typeof SCHEMA_FILES): (value: unknown) => string[] {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(JSON.parse(readFileSync(root(`schema/${name}`), 'utf8')) as object);
  return (value) => (validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
}

describe('the JSON Schemas shipped in schema/', () => {
  it.each(Object.entries(SCHEMA_FILES))('%s is what the zod schemas give (run `npm run schema` after changing them)', (name, make) => {
    expect(readFileSync(root(`schema/${name}`), 'utf8')).toBe(schemaText(make));
  });

  const playbook = validator('playbook.schema.json');
  it.each(readdirSync(root('playbooks')).filter((f) => f.endsWith('.yaml')))('the bundled playbook %s validates, and names the schema', (file) => {
    expect(playbook(yaml(`playbooks/${file}`))).toEqual([]);
    expect(readFileSync(root(`playbooks/${file}`), 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\.\/schema\/playbook\.schema\.json$/m);
  });

  it('inventory.example.yaml validates, and names the schema', () => {
    expect(validator('inventory.schema.json')(yaml('inventory.example.yaml'))).toEqual([]);
    expect(readFileSync(root('inventory.example.yaml'), 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\/schema\/inventory\.schema\.json$/m);
  });

  it('catches what an editor should: unknown keys, a wrong type, two kinds in one entry; templates pass where values go', () => {
    expect(playbook({ name: 'p', resources: [{ name: 'e', sysctl: { values: { 'net.ipv4.ip_forward': 1 } } }] })).toEqual([]);
    expect(playbook({ name: 'p', resources: [{ name: 'e', sshd: { settings: { MaxAuthTries: 2 }, confirmSeconds: '{{ sshConfirm }}' } }] })).toEqual([]);
    expect(playbook({ name: 'p', resources: [{ name: 'e', sysctl: { valuez: {} } }] }).join()).toMatch(/additional properties/);
    expect(playbook({ name: 'p', resources: [{ name: 'e', sshd: { settings: {}, confirmSeconds: 'soon' } }] }).join()).toMatch(/confirmSeconds/);
    expect(playbook({ name: 'p', resources: [{ name: 'e', sysctl: { values: {} }, service: { units: ['x'], enabled: false } }] }).join()).toMatch(/oneOf/);
    const inventory = validator('inventory.schema.json');
    expect(inventory({ nodes: [{ name: 'n', address: '10.0.0.1', prot: 22 }] }).join()).toMatch(/additional properties/);
    expect(inventory({ nodes: [{ name: 'n', address: '10.0.0.1', port: 'ssh' }] }).join()).toMatch(/port must be integer/);
  });
});
