import { readFileSync, readlinkSync } from 'node:fs';

/**
 * Which process holds a node lock, precisely enough for a later nodeward on the same machine to
 * tell that it is gone: the kernel's boot id, the PID namespace (two containers on one host share
 * the boot id but not the namespace), the pid and the process's start time (so a reused pid is not
 * mistaken for it). Undefined where /proc does not tell (not Linux): such locks wait for expiry.
 */
export interface ProcReader {
  readText(path: string): string | undefined;
  readLink(path: string): string | undefined;
}

const realProc: ProcReader = {
  readText: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  readLink: (path) => {
    try {
      return readlinkSync(path);
    } catch {
      return undefined;
    }
  },
};

/** Field 22 of /proc/PID/stat (start time in clock ticks after boot), counted after the last ')'. */
function startTime(stat: string | undefined): string | undefined {
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

function machine(proc: ProcReader): { boot: string; pidns: string } | undefined {
  const boot = proc.readText('/proc/sys/kernel/random/boot_id')?.trim();
  const pidns = /\[(\d+)\]/.exec(proc.readLink('/proc/self/ns/pid') ?? '')?.[1];
  return boot && pidns ? { boot, pidns } : undefined;
}

export function controllerIdentity(pid = process.pid, proc: ProcReader = realProc): string | undefined {
  const here = machine(proc);
  const start = startTime(proc.readText(`/proc/${pid}/stat`));
  return here && start ? `${here.boot}/${here.pidns}/${pid}/${start}` : undefined;
}

/**
 * True only when `identity` names a process of this machine and PID namespace that no longer
 * runs; false when it runs or when this machine cannot tell (another machine, another container).
 */
export function isGoneHere(identity: string | undefined, proc: ProcReader = realProc): boolean {
  const [boot, pidns, pid, start] = (identity ?? '').split('/');
  const here = machine(proc);
  if (!here || !boot || !pidns || !pid || !start || !/^\d+$/.test(pid)) return false;
  if (here.boot !== boot || here.pidns !== pidns) return false;
  return startTime(proc.readText(`/proc/${pid}/stat`)) !== start;
}

/** The pid an identity names, for messages. */
export function identityPid(identity: string | undefined): string | undefined {
  return identity?.split('/')[2];
}
