import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { sampleTree } from './sampler.ts';

export interface Measured {
  readonly wallSeconds: number;
  readonly exitCode: number;
  readonly peakRssBytes: number;
  readonly peakPssBytes: number;
  readonly maxProcesses: number;
}

export interface MeasureOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** stdout and stderr go to this file (a benchmark's output is evidence, not noise). */
  readonly logFile: string;
  /** stdout alone goes here instead (a plan's JSON, to be checked after the run). */
  readonly stdoutFile?: string;
  /** Command-line substrings of processes that leave the tree but belong to the run. */
  readonly alsoCount?: readonly string[];
  readonly timeoutMs?: number;
  /** Skip the memory sampler (a thousand processes' smaps read every 200 ms would slow what is timed). */
  readonly noMemory?: boolean;
}

/** Runs argv to completion: wall time, exit code and the peak memory of its whole process tree. */
export function measure(argv: readonly string[], options: MeasureOptions): Promise<Measured> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('measure: empty argv');
  const log = createWriteStream(options.logFile, { flags: 'a' });
  log.write(`$ ${argv.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd: options.cwd ?? '/', env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (options.stdoutFile === undefined) child.stdout.pipe(log, { end: false });
    else child.stdout.pipe(createWriteStream(options.stdoutFile));
    child.stderr.pipe(log, { end: false });
    const sampler = child.pid === undefined || options.noMemory === true ? undefined : sampleTree(child.pid, options.alsoCount ?? []);
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wallSeconds = (performance.now() - started) / 1000;
      if (timer) clearTimeout(timer);
      const memory = sampler?.stop() ?? { peakRssBytes: 0, peakPssBytes: 0, maxProcesses: 0 };
      log.end(`\n[exit ${code ?? signal}, ${wallSeconds.toFixed(2)} s]\n`);
      resolve({ wallSeconds, exitCode: code ?? 128, ...memory });
    });
  });
}
