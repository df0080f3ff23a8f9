import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { LabError, STANDINS_DIR } from './config.ts';
import { sleep } from './run.ts';

export interface Booted {
  launcherPid: number;
  initPid: number;
}

const INIT = path.join(STANDINS_DIR, 'init.py');

/** Starts init.py as PID 1 of fresh mount/UTS/PID namespaces inside the node's network namespace. */
export async function bootMachine(netns: string, dir: string): Promise<Booted> {
  const log = openSync(path.join(dir, 'log', 'init.log'), 'a');
  const child = spawn(
    'ip',
    ['netns', 'exec', netns, 'unshare', '--mount', '--uts', '--pid', '--fork', '--mount-proc', '--propagation', 'private',
      '/usr/bin/python3', INIT, path.join(dir, 'boot.json')],
    { detached: true, stdio: ['ignore', log, log], cwd: '/' },
  );
  closeSync(log);
  child.unref();
  const launcherPid = child.pid;
  if (launcherPid === undefined) throw new LabError(`could not start the init of ${dir}`);
  writeFileSync(path.join(dir, 'launcher.pid'), `${launcherPid}\n`);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const kids = readChildren(launcherPid);
    if (kids[0] !== undefined) {
      writeFileSync(path.join(dir, 'init.pid'), `${kids[0]}\n`);
      return { launcherPid, initPid: kids[0] };
    }
    if (!alive(launcherPid) || Date.now() > deadline) {
      throw new LabError(`init of ${path.basename(dir)} did not start: ${tail(path.join(dir, 'log', 'init.log'))}`);
    }
    await sleep(10);
  }
}

/** Waits for init.py to write `ready` (units started, sshd accepting). */
export async function waitReady(dir: string, initPid: number, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const ready = path.join(dir, 'ready');
  while (!existsSync(ready)) {
    if (!alive(initPid)) throw new LabError(`init of ${path.basename(dir)} died: ${tail(path.join(dir, 'log', 'init.log'))}`);
    if (Date.now() > deadline) throw new LabError(`init of ${path.basename(dir)} not ready after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * Ends a machine by the PIDs the lab recorded, after checking they still are ours (PIDs get reused).
 * SIGKILL to PID 1 of the node's PID namespace makes the kernel kill every process in it, like pulling
 * the plug; nothing on the nodes needs a clean shutdown, and it keeps `down` of 100 nodes fast.
 */
export async function stopMachine(dir: string, pids: { initPid?: number; launcherPid?: number }): Promise<boolean> {
  const bootJson = path.join(dir, 'boot.json');
  const candidates = [pids.initPid, readPid(path.join(dir, 'init.pid')), pids.launcherPid, readPid(path.join(dir, 'launcher.pid'))];
  const ours = [...new Set(candidates)].filter((p): p is number => p !== undefined && p > 0 && cmdlineHas(p, bootJson));
  for (const p of ours) signal(p, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  while (ours.some(alive) && Date.now() < deadline) await sleep(20);
  rmSync(path.join(dir, 'init.pid'), { force: true });
  rmSync(path.join(dir, 'launcher.pid'), { force: true });
  rmSync(path.join(dir, 'ready'), { force: true });
  return ours.length > 0;
}

export function readPid(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export function cmdlineHas(pid: number, needle: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((a) => a.includes(needle));
  } catch {
    return false;
  }
}

export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function readChildren(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-8).join('\n');
  } catch {
    return '(no log)';
  }
}
