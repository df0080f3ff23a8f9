import { readFileSync } from 'node:fs';

/** Whether a process of an earlier rollout attempt on this machine is still running (pid reuse checked by its command line). */
export function rolloutProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('rollout');
  } catch {
    return true;
  }
}
