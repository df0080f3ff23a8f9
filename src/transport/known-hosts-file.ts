import { open, readFile } from 'node:fs/promises';
import type { ServerHostKeyAlgorithm } from 'ssh2';
import {
  formatKnownHostsLine,
  indexKnownHosts,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
  verifyHostKey,
} from './known-hosts.ts';
import type { HostKeyVerdict } from './known-hosts.ts';

/**
 * The inventory's known_hosts file, read once per connector. Accepted keys (`--accept-new`)
 * are appended with O_APPEND, one write per line, so concurrent ssh processes and existing
 * lines are never clobbered; they also join the in-memory entries for later connects.
 */
export interface KnownHostsFile {
  readonly path: string;
  verify(host: string, port: number, keyBlob: Buffer): HostKeyVerdict;
  preferredAlgorithms(host: string, port: number): ServerHostKeyAlgorithm[];
  /** Record a key for host:port. Only ever called for an `unknown` verdict. */
  accept(host: string, port: number, keyType: string, keyBlob: Buffer): Promise<void>;
}

export async function loadKnownHostsFile(path: string): Promise<KnownHostsFile> {
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const index = indexKnownHosts(parseKnownHosts(text).entries);
  let appendQueue: Promise<void> = Promise.resolve();

  const append = async (host: string, port: number, keyType: string, keyBlob: Buffer): Promise<void> => {
    // Re-check under the queue: two connects of the same address may both have seen `unknown`.
    if (verifyHostKey(index.candidates(host, port), host, port, keyBlob).status !== 'unknown') return;
    const line = formatKnownHostsLine(host, port, keyType, keyBlob);
    const handle = await open(path, 'a+', 0o644);
    try {
      const { size } = await handle.stat();
      let prefix = '';
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) prefix = '\n';
      }
      await handle.write(`${prefix}${line}\n`);
    } finally {
      await handle.close();
    }
    const added = parseKnownHosts(line).entries[0];
    if (added !== undefined) index.add({ ...added, line: -1 });
  };

  return {
    path,
    verify: (host, port, keyBlob) => verifyHostKey(index.candidates(host, port), host, port, keyBlob),
    preferredAlgorithms: (host, port) => preferredHostKeyAlgorithms(index.candidates(host, port), host, port),
    accept: (host, port, keyType, keyBlob) => {
      const next = appendQueue.then(() => append(host, port, keyType, keyBlob));
      appendQueue = next.catch(() => undefined);
      return next;
    },
  };
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}
