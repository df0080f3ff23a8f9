import { z } from 'zod';
import { resourceSchemas } from '../spec/schemas.ts';
import { CONDITION_KEYS, OS_FAMILIES } from './condition.ts';
import { inventoryFileSchema } from './inventory-schema.ts';
import { checkId, entryName, playbookHeadSchema } from './playbook-schema.ts';

/**
 * JSON Schemas of inventories and playbooks, generated from the zod schemas the loader validates
 * with (`z.toJSONSchema`, input side: defaults are optional, transforms take what is written),
 * for editors (`# yaml-language-server: $schema=…`). The loader stays the judge: refinements
 * (no `..` in a path, a group that exists) are not expressible here and are left out.
 */

/** A `when:` as conditions are written (config/condition.ts parses them by hand). */
const condition: z.ZodType = z.lazy(() =>
  z.union([
    z.strictObject({ fileExists: z.string().describe('true when this absolute path exists on the node') }),
    z.strictObject({ unitExists: z.string().describe('true when this systemd unit is installed') }),
    z.strictObject({ osFamily: z.enum(OS_FAMILIES) }),
    z.strictObject({ var: z.string().describe('true when the variable is set (false, empty, 0, [] and {} count as not set)') }),
    z.strictObject({ all: z.array(condition) }),
    z.strictObject({ any: z.array(condition) }),
    z.strictObject({ not: condition }),
  ]),
);

function toJson(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
}

export function inventoryJsonSchema(): Record<string, unknown> {
  return { ...toJson(inventoryFileSchema), title: 'nodeward inventory', description: 'Every field is documented in inventory.example.yaml.' };
}

/** Where `{{ var }}` may stand instead of a value: anywhere a value is written (never in a key). */
const TEMPLATE = { type: 'string', pattern: '\\{\\{.*\\}\\}', description: 'a {{ variable }}, substituted per node' };

/** Lets every value position also take a template; the result is what editors check playbooks against. */
function templated(schema: unknown, top = true): unknown {
  if (Array.isArray(schema)) return schema.map((s) => templated(s, false));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' || key === '$defs' || key === 'definitions') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, templated(v, key !== 'properties' ? true : false)]));
    } else if (key === 'items' || key === 'additionalProperties' || key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
      out[key] = templated(value, key === 'anyOf' || key === 'oneOf' || key === 'allOf');
    } else out[key] = value;
  }
  const constrains = Object.keys(out).some((k) => !['description', 'default', 'title', '$schema', '$id'].includes(k));
  return top || !constrains ? out : { anyOf: [out, TEMPLATE] };
}

export function playbookJsonSchema(): Record<string, unknown> {
  const kinds = Object.keys(resourceSchemas) as (keyof typeof resourceSchemas)[];
  const entry = z
    .strictObject({
      name: entryName.describe('unique in the playbook; the entry is `<playbook>/<name>` in plans and reports'),
      checks: z.array(checkId).optional().describe('catalogue ids (CIS 4.2.1, guide SYS-01) this entry remediates'),
      note: z.union([z.string(), z.number()]).optional().describe('shown with the change in the plan: what may break'),
      when: condition.optional().describe(`apply the entry only where this holds: ${CONDITION_KEYS.join(', ')}`),
      ...Object.fromEntries(kinds.map((kind) => [kind, resourceSchemas[kind].optional()])),
    })
    .describe(`one resource kind per entry: ${kinds.join(', ')}`);
  const head = playbookHeadSchema.extend({ resources: z.array(entry).min(1) });
  const json = toJson(head);
  const properties = json['properties'] as Record<string, Record<string, unknown>>;
  const resources = properties['resources'] as Record<string, unknown>;
  const items = templated(resources['items'], true) as Record<string, unknown>;
  // exactly one kind per entry
  resources['items'] = { ...items, oneOf: kinds.map((kind) => ({ required: [kind] })) };
  return { ...json, title: 'nodeward playbook', description: 'A list of resource entries; see README.md, Playbooks.' };
}
