/**
 * `npm run schema`: writes schema/inventory.schema.json and schema/playbook.schema.json from the
 * zod schemas (src/config/json-schema.ts). They ship in the package; a unit test fails when they
 * are older than the schemas.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inventoryJsonSchema, playbookJsonSchema } from '../src/config/json-schema.ts';

export const SCHEMA_FILES = {
  'inventory.schema.json': inventoryJsonSchema,
  'playbook.schema.json': playbookJsonSchema,
} as const;

export function schemaText(make: () => unknown): string {
  return JSON.stringify(make(), null, 2) + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [name, make] of Object.entries(SCHEMA_FILES)) {
    const file = fileURLToPath(new URL(`../schema/${name}`, import.meta.url));
    writeFileSync(file, schemaText(make));
    process.stdout.write(`wrote ${file}\n`);
  }
}
