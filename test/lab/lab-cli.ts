import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../../lab/config.ts';

/**
 * A lab script (`lab/cli.ts`, `lab/demo.ts`) run as its own process for lab `id`: several labs
 * come up in parallel only as separate processes, since lab/lab.ts takes its lab from the env.
 */
export function runLabScript(
  id: number | string,
  script: 'cli.ts' | 'demo.ts',
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; echo?: boolean } = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, NODEWARD_LAB_ID: String(id) };
    delete env['NODEWARD_LAB_DIR'];
    const tsx = path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const child = spawn(process.execPath, [tsx, path.join(REPO_ROOT, 'lab', script), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      if (options.echo) process.stderr.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
