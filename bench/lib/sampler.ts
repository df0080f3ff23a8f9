import { readdirSync, readFileSync } from 'node:fs';

/**
 * Samples the memory of a process tree: the root, its descendants, and any process whose
 * command line contains one of `extra` (OpenSSH's ControlPersist masters daemonize and leave
 * the tree). Peak RSS is the largest sum of VmRSS seen at once, or the root's own VmHWM
 * (exact for a single process) if larger; peak PSS counts pages shared between forked workers
 * once, which is fairer to a forking controller such as Ansible.
 */
export interface TreeSampler {
  stop(): { peakRssBytes: number; peakPssBytes: number; maxProcesses: number };
}

export function sampleTree(rootPid: number, extra: readonly string[] = [], intervalMs = 200): TreeSampler {
  let peakRss = 0;
  let peakPss = 0;
  let maxProcesses = 0;
  let rootHwm = 0;
  const tick = (): void => {
    const pids = treePids(rootPid, extra);
    let rss = 0;
    let pss = 0;
    for (const pid of pids) {
      const m = smaps(pid);
      rss += m.rss;
      pss += m.pss;
      if (pid === rootPid) rootHwm = Math.max(rootHwm, hwm(pid));
    }
    peakRss = Math.max(peakRss, rss);
    peakPss = Math.max(peakPss, pss);
    maxProcesses = Math.max(maxProcesses, pids.length);
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return { peakRssBytes: Math.max(peakRss, rootHwm), peakPssBytes: peakPss, maxProcesses };
    },
  };
}

function treePids(root: number, extra: readonly string[]): number[] {
  const children = new Map<number, number[]>();
  const matched: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const ppid = parentOf(pid);
    if (ppid !== undefined) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    if (extra.length > 0 && extra.some((needle) => cmdline(pid).includes(needle))) matched.push(pid);
  }
  // A command line naming the same path (a shell wrapper around the benchmark) must not pull in
  // the benchmark itself, whose children include the lab's machines.
  const ours = new Set<number>();
  for (let pid: number | undefined = process.pid; pid !== undefined && pid > 1 && !ours.has(pid); pid = parentOf(pid)) ours.add(pid);
  const seen = new Set<number>();
  const stack = [root, ...matched.filter((pid) => !ours.has(pid))];
  while (stack.length > 0) {
    const pid = stack.pop();
    if (pid === undefined || seen.has(pid)) continue;
    seen.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return [...seen];
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function smaps(pid: number): { rss: number; pss: number } {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
    return { rss: kb('Rss'), pss: kb('Pss') };
  } catch {
    return { rss: 0, pss: 0 };
  }
}

function hwm(pid: number): number {
  try {
    return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}
