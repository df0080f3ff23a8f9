import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { run } from '../../lab/run.ts';

/** One line naming the machine a benchmark ran on, for the README next to its numbers. */
export async function machineLine(): Promise<string> {
  const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  const ssh = (await run('ssh', ['-V'])).stderr.trim().split(',')[0] ?? 'ssh ?';
  const os = /PRETTY_NAME="([^"]*)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux';
  const kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  return `${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, ${os}, kernel ${kernel}, Node ${process.version}, ${ssh}`;
}

/** How busy the machine was (other users' work shares these 2 cores): load average and CPU pressure. */
export function busyness(): string {
  const [one] = loadavg();
  let pressure = '';
  try {
    const some = /some avg10=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1];
    if (some) pressure = `, CPU pressure ${some}%`;
  } catch {
    // no PSI on this kernel
  }
  return `load ${(one ?? 0).toFixed(1)}${pressure}`;
}
