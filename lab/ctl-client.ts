import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { LabError, STANDINS_DIR } from './config.ts';
import { run } from './run.ts';

const SOURCE = path.join(STANDINS_DIR, 'ctl-client.c');

/** Where a lab's build of the node-side systemctl/journalctl/auditctl client lives. */
export function ctlClientPath(labDir: string): string {
  return path.join(labDir, 'bin', 'ctl-client');
}

/**
 * Builds standins/ctl-client.c into the lab's state dir when the binary is missing or older than
 * its source (each lab its own copy, so two labs coming up at once never share a half-written one).
 */
export async function ensureCtlClient(labDir: string): Promise<string> {
  const out = ctlClientPath(labDir);
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(SOURCE).mtimeMs) return out;
  mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const r = await run('cc', ['-O2', '-Wall', '-Werror', '-o', tmp, SOURCE]);
  if (r.code !== 0) throw new LabError(`building ${SOURCE} failed (cc exited ${r.code}): ${r.stderr.trim()}`);
  renameSync(tmp, out);
  return out;
}
