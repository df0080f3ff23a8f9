import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { LabError, standin } from './config.ts';
import { alive, cmdlineHas, readPid, signal } from './node-boot.ts';
import { sleep } from './run.ts';

export interface Apiserver {
  pid: number;
  port: number;
  url: string;
  socket: string;
}

/** Starts the API server stand-in on host loopback and the lab's unix socket; waits for /version. */
export async function startApiserver(dir: string, port: number): Promise<Apiserver> {
  const script = standin('apiserver.py');
  if (!existsSync(script)) {
    throw new LabError(`${script} is missing (point NWLAB_STANDINS_DIR at placeholders to run without it)`);
  }
  const socket = path.join(dir, 'apiserver.sock');
  const stateDir = path.join(dir, 'apiserver');
  rmSync(stateDir, { recursive: true, force: true }); // a new lab starts with no Nodes registered
  mkdirSync(stateDir, { recursive: true });
  rmSync(socket, { force: true });
  if (await answers(port)) throw new LabError(`port ${port} is already in use on 127.0.0.1; is another lab with this id up?`);
  const log = openSync(path.join(dir, 'apiserver.log'), 'a');
  const child = spawn('/usr/bin/python3', [script, '--port', String(port), '--socket', socket, '--state-dir', stateDir, '--grace', '8'], {
    detached: true, stdio: ['ignore', log, log], cwd: '/',
  });
  closeSync(log);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new LabError('could not start the API server stand-in');
  writeFileSync(path.join(dir, 'apiserver.pid'), `${pid}\n`);
  const deadline = Date.now() + 20_000;
  while (!(await answers(port)) || !existsSync(socket)) {
    if (!alive(pid)) throw new LabError(`API server stand-in exited; see ${path.join(dir, 'apiserver.log')}`);
    if (Date.now() > deadline) throw new LabError(`API server stand-in not answering on ${port}`);
    await sleep(50);
  }
  return { pid, port, url: `http://127.0.0.1:${port}`, socket };
}

export async function stopApiserver(dir: string, knownPid?: number): Promise<void> {
  const pid = knownPid ?? readPid(path.join(dir, 'apiserver.pid'));
  if (pid !== undefined && cmdlineHas(pid, path.join(dir, 'apiserver'))) {
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + 3_000;
    while (alive(pid) && Date.now() < deadline) await sleep(30);
    if (alive(pid)) signal(pid, 'SIGKILL');
  }
  rmSync(path.join(dir, 'apiserver.pid'), { force: true });
}

async function answers(port: number): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/version`, { signal: AbortSignal.timeout(1000) });
    return r.ok;
  } catch {
    return false;
  }
}
