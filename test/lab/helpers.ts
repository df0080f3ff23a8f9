import { inject } from 'vitest';
import { readLabInfo, type LabInfo } from '../../lab/lab.ts';
import { run, type RunResult } from '../../lab/run.ts';

export interface TestLab {
  info: LabInfo;
  /** Environment that points lab functions and `npm run lab` at the test lab. */
  env: { NODEWARD_LAB_ID: string; NODEWARD_LAB_DIR: string };
}

/** The test lab's info, read fresh from lab.json (PIDs change when a test resets nodes). */
export function testLab(): TestLab {
  const provided = inject('lab');
  const env = { NODEWARD_LAB_ID: String(provided.id), NODEWARD_LAB_DIR: provided.dir };
  Object.assign(process.env, env);
  return { info: readLabInfo(provided.dir), env };
}

/** OpenSSH through the bastion with the lab's key and known_hosts (StrictHostKeyChecking=yes). */
export function labSsh(info: LabInfo, target: string, command: string, opts: { user?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const user = opts.user ?? 'ops';
  const args = ['-F', info.files.sshConfig, '-o', 'ConnectTimeout=4'];
  if (target !== info.bastion.address) args.push('-J', `ops@${info.bastion.address}`);
  args.push(`${user}@${target}`, command);
  return run('ssh', args, { timeoutMs: opts.timeoutMs ?? 30_000 });
}
