import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestKey {
  readonly type: string;
  readonly blob: Buffer;
  /** The `.pub` line as ssh-keygen wrote it. */
  readonly publicLine: string;
  readonly privatePath: string;
  readonly publicPath: string;
  /** What `ssh-keygen -lf` prints as the fingerprint. */
  readonly fingerprint: string;
}

/** Real keys made by ssh-keygen in a temporary directory, removed by cleanup(). */
export function makeKeyDir(): { dir: string; key(kind: 'ed25519' | 'ecdsa' | 'rsa', name: string): TestKey; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'nwtr-keys-'));
  return {
    dir,
    key(kind, name) {
      const privatePath = join(dir, name);
      const args = ['-q', '-t', kind, '-N', '', '-C', name, '-f', privatePath];
      if (kind === 'rsa') args.push('-b', '2048');
      execFileSync('ssh-keygen', args);
      const publicPath = `${privatePath}.pub`;
      const publicLine = readFileSync(publicPath, 'utf8').trim();
      const [type, base64] = publicLine.split(' ');
      const listing = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicPath], { encoding: 'utf8' });
      const fingerprint = listing.split(' ')[1] ?? '';
      return { type: type ?? '', blob: Buffer.from(base64 ?? '', 'base64'), publicLine, privatePath, publicPath, fingerprint };
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
