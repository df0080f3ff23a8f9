import net from 'node:net';
import type { RunResult } from './run.ts';

/** Asks a machine's service manager directly over its host-visible control socket (nodes/NAME/control.sock). */
export function control(socketPath: string, tool: 'systemctl' | 'journalctl', argv: readonly string[], timeoutMs = 10_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(socketPath);
    const chunks: Buffer[] = [];
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`timeout talking to ${socketPath}`)));
    sock.on('connect', () => sock.write(JSON.stringify({ tool, argv, groups: ['root'] }) + '\n'));
    sock.on('data', (b: Buffer) => chunks.push(b));
    sock.on('error', reject);
    sock.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString()) as RunResult);
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}
