import { isAbsolute, join, resolve } from 'node:path';

/** `~` and `~/x` expand to the home directory; relative paths resolve against `baseDir`. */
export function expandPath(path: string, baseDir: string, home: string): string {
  if (path === '~') return resolve(home);
  if (path.startsWith('~/')) return resolve(join(home, path.slice(2)));
  return isAbsolute(path) ? resolve(path) : resolve(baseDir, path);
}
