import { spawn } from 'node:child_process';
import type { HostSpec } from '../../src/config/types.ts';
import { supervisedScript } from '../../src/transport/node-jobs.ts';
import type { Script } from '../../src/node/sh.ts';
import type { ExecOptions, ExecResult, Transport } from '../../src/transport/types.ts';

export function localHost(name = 'local'): HostSpec {
  return { name, address: '127.0.0.1', port: 22, user: 'root', identityFile: undefined, become: 'none', labels: {}, groups: [], vars: {} };
}

/**
 * Runs scripts with the local /bin/sh exactly as a node would: on stdin to `sh -s`, as a job
 * of the node-side supervisor, with stdin kept open (the job's lifeline) until the script ends.
 * `ownProc` runs it in a fresh PID namespace so /proc shows none of this machine's processes
 * (the lab's kubelets among them).
 */
export function localTransport(host: HostSpec = localHost(), options: { ownProc?: boolean } = {}): Transport & { readonly scripts: string[] } {
  const scripts: string[] = [];
  return {
    host,
    scripts,
    exec(script: Script, execOptions: ExecOptions = {}): Promise<ExecResult> {
      scripts.push(script.text);
      const job = supervisedScript(script, { deadlineSeconds: Math.ceil((execOptions.timeoutMs ?? 120_000) / 1000), register: execOptions.job?.register, onAbandon: execOptions.job?.onAbandon });
      const started = Date.now();
      return new Promise((resolve, reject) => {
        const argv = options.ownProc ? ['unshare', '--pid', '--fork', '--mount-proc', '/bin/sh', '-s'] : ['/bin/sh', '-s'];
        const child = spawn(argv[0] ?? '/bin/sh', argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
        child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        child.on('error', reject);
        child.on('exit', () => child.stdin.end());
        child.on('close', (code, signal) =>
          resolve({
            host: host.name,
            exitCode: code,
            signal,
            stdout: Buffer.concat(stdout),
            stderr: Buffer.concat(stderr),
            durationMs: Date.now() - started,
          }),
        );
        child.stdin.on('error', () => undefined);
        child.stdin.write(job.text);
      });
    },
    close: async () => {},
  };
}
