import { inject } from 'vitest';
import { readLabInfo, type LabInfo } from '../../lab/lab.ts';
import { run, type RunResult } from '../../lab/run.ts';

export interface TestLab {
  info: LabInfo;
  /** Environment that points lab functions and `npm run lab` at the test lab. */
  env: { NODEWARD_LAB_ID: string; NODEWARD_LAB_DIR: string };
}

/**
 * This worker's test lab, read fresh from lab.json (PIDs change when a test resets nodes). Files
 * run side by side, one per vitest worker; a worker's pool id picks its lab, so two files never
 * share one.
 */
export function testLab(): TestLab {
  const labs = inject('labs');
  const pool = Number(process.env['VITEST_POOL_ID'] ?? '1');
  const provided = labs[(pool - 1) % labs.length]!;
  const env = { NODEWARD_LAB_ID: String(provided.id), NODEWARD_LAB_DIR: provided.dir };
  Object.assign(process.env, env);
  return { info: readLabInfo(provided.dir), env };
}

/** nodeward's state dir (journals, drift history) for runs against this worker's lab. */
export function testStateDir(): string {
  return `/tmp/nodeward-test-state-${process.env['NODEWARD_LAB_ID'] ?? '1'}`;
}

/** OpenSSH through the bastion with the lab's key and known_hosts (StrictHostKeyChecking=yes). */
export function labSsh(info: LabInfo, target: string, command: string, opts: { user?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const user = opts.user ?? 'ops';
  const args = ['-F', info.files.sshConfig, '-o', 'ConnectTimeout=4'];
  if (target !== info.bastion.address) args.push('-J', `ops@${info.bastion.address}`);
  args.push(`${user}@${target}`, command);
  return run('ssh', args, { timeoutMs: opts.timeoutMs ?? 30_000 });
}
