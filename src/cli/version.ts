import { readFileSync } from 'node:fs';

/** nodeward's own version, from its package.json (two levels up from src/cli and dist/cli alike). */
export const NODEWARD_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
