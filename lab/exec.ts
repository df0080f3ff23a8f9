import { run, type RunResult } from './run.ts';

const NODE_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  USER: 'root',
  LOGNAME: 'root',
  SHELL: '/bin/bash',
  LANG: 'C.UTF-8',
};

/** Runs argv as root inside a machine's PID, mount, network and UTS namespaces (via its init's PID). */
export function execIn(initPid: number, argv: readonly string[], input?: string): Promise<RunResult> {
  const opts = input === undefined ? { env: NODE_ENV } : { env: NODE_ENV, input };
  return run('nsenter', ['-t', String(initPid), '-p', '-m', '-n', '-u', '--', ...argv], opts);
}
