import { resolve } from 'node:path';
import { resourceSchemas } from '../spec/schemas.ts';
import { sourcePaths } from './attach-sources.ts';
import { buildPlaybook } from './build-playbook.ts';
import type { LoadedPlaybook, ResourceSchemaRegistry } from './loaded-playbook.ts';
import { readText, readTextFile } from './read-text.ts';
import { parseYaml } from './yaml-source.ts';

export interface LoadPlaybookOptions {
  /** Resource kinds and their schemas; default: every kind nodeward knows (resourceSchemas). */
  readonly schemas?: ResourceSchemaRegistry;
}

/** A `source:` template larger than this is surely not a config file. */
const MAX_SOURCE_BYTES = 1024 * 1024;

/** Reads, parses and checks a playbook and the `source:` files it names. Throws ConfigError. */
export async function loadPlaybook(path: string, options: LoadPlaybookOptions = {}): Promise<LoadedPlaybook> {
  const schemas = options.schemas ?? resourceSchemas;
  const file = resolve(path);
  const parsed = parseYaml(await readTextFile(file, 'playbook'), file);
  const files = new Map<string, string | { readonly error: string }>();
  await Promise.all(
    sourcePaths(parsed.root, file, schemas).map(async (source) => {
      files.set(source, await readText(source, MAX_SOURCE_BYTES));
    }),
  );
  return buildPlaybook(parsed, file, files, schemas);
}
