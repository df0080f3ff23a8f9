/**
 * `npm run prepare`: builds dist/. npm runs it after `npm install` in a checkout, on `npm pack`,
 * and on `npm install -g .` — the last in the package folder with nothing installed in it: npm 11
 * links the folder into the global prefix and installs none of its dependencies, so tsc (a
 * devDependency) is missing, and so would commander & co. be at run time. Here they are installed
 * first from the lockfile when missing (scripts off: no recursion), then tsc builds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!existsSync(tsc)) {
  // a global install's settings would make this one global too: it is for this folder
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_config_(global|prefix|location|install_links)$/i.test(key)));
  const npm = process.env.npm_execpath;
  const args = ['install', '--ignore-scripts', '--include=dev', '--no-audit', '--no-fund', '--location=project'];
  process.stderr.write('nodeward: installing its dependencies into this folder to build it\n');
  if (npm && npm.endsWith('.js')) run(process.execPath, [npm, ...args], env);
  else run(npm || 'npm', args, env);
}
run(process.execPath, [tsc, '-p', 'tsconfig.build.json']);
