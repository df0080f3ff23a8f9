import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherFacts } from '../../../src/facts/gather.ts';
import { sh } from '../../../src/node/sh.ts';
import { CONTENT_CAP_BYTES, SECRET_PATTERN } from '../../../src/facts/kinds/shared.ts';
import type { FactRequest, FileFact } from '../../../src/facts/types.ts';
import { localTransport } from '../../fakes/local-transport.ts';

// The file kind answers every file from batched lists (one stat, one grep, one sha256sum only for
// what is not sent) and the controller hashes the content it receives. Every combination of
// follow/content/sensitive on every kind of path must give what reading that one file says:
// the answer the one-process-per-file script gave, computed here from the file system.
let dir: string;
const names = ['small', 'empty', 'large', 'secret', 'binary', 'link-small', 'link-large', 'link-dir', 'dangling', 'dir', 'absent'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nw-file-answers-'));
  await writeFile(join(dir, 'small'), 'a: 1\n');
  await writeFile(join(dir, 'empty'), '');
  await writeFile(join(dir, 'large'), Buffer.alloc(CONTENT_CAP_BYTES + 1, 0x61));
  await writeFile(join(dir, 'secret'), 'token: abc\n');
  await writeFile(join(dir, 'binary'), Buffer.from([0, 255, 10, 0]));
  await symlink('small', join(dir, 'link-small'));
  await symlink('large', join(dir, 'link-large'));
  await mkdir(join(dir, 'dir'));
  await symlink('dir', join(dir, 'link-dir'));
  await symlink('nowhere', join(dir, 'dangling'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function type(stats: Stats): 'file' | 'directory' | 'symlink' | 'other' {
  return stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : stats.isSymbolicLink() ? 'symlink' : 'other';
}

function regular(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** What reading this one file gives (nw_file's answer, one process per question). */
function expected(request: Extract<FactRequest, { kind: 'file' }>): FileFact {
  const { path } = request;
  let stats: Stats;
  try {
    lstatSync(path);
    stats = request.follow ? statSync(path) : lstatSync(path);
  } catch {
    return { path, exists: false };
  }
  const bytes = regular(path) ? readFileSync(path) : undefined;
  const contentState = !request.content || !bytes
    ? 'none'
    : request.sensitive || new RegExp(SECRET_PATTERN).test(bytes.toString('latin1'))
      ? 'sensitive'
      : stats.size > CONTENT_CAP_BYTES
        ? 'large'
        : 'content';
  return {
    path,
    exists: true,
    mode: (stats.mode & 0o7777).toString(8).padStart(4, '0'),
    uid: stats.uid,
    gid: stats.gid,
    owner: stats.uid === 0 ? 'root' : String(stats.uid),
    group: stats.gid === 0 ? 'root' : String(stats.gid),
    size: stats.size,
    type: type(stats),
    sha256: bytes && (request.content || request.sensitive) ? createHash('sha256').update(bytes).digest('hex') : undefined,
    linkTarget: lstatSync(path).isSymbolicLink() ? readlinkSync(path) : undefined,
    contentState,
    content: contentState === 'content' ? bytes : undefined,
  };
}

/** Content as its length and hash: comparing megabyte Buffers element by element takes seconds. */
function comparable(fact: FileFact | undefined): unknown {
  if (!fact?.exists || !fact.content) return fact;
  return { ...fact, content: `${fact.content.length} bytes, sha256 ${createHash('sha256').update(fact.content).digest('hex')}` };
}

describe('file facts from the batched lists', () => {
  it('answer every path and flag combination as reading each file on its own does', async () => {
    for (const follow of [false, true]) {
      for (const content of [false, true]) {
        for (const sensitive of [false, true]) {
          // a followed dangling symlink has no stat to answer with: the node says '?', which the parser refuses
          const requests = names.filter((name) => !(follow && name === 'dangling')).map((name) => ({ kind: 'file' as const, path: join(dir, name), follow, content, sensitive }));
          const facts = await gatherFacts(localTransport(), requests);
          for (const request of requests) {
            expect(comparable(facts.files.get(request.path)), `${request.path} ${JSON.stringify({ follow, content, sensitive })}`).toEqual(comparable(expected(request)));
          }
        }
      }
    }
  });

  it('runs one stat, stat -L only for followed symlinks, sha256sum only for what it does not send', async () => {
    const bin = join(dir, 'bin');
    await mkdir(bin, { recursive: true });
    for (const tool of ['stat', 'sha256sum', 'grep']) {
      await writeFile(join(bin, tool), `#!/bin/sh\necho "${tool} $1" >> ${join(dir, 'calls')}\nexec /usr/bin/${tool} "$@"\n`, { mode: 0o755 });
    }
    const calls = async (requests: FactRequest[]): Promise<string[]> => {
      await writeFile(join(dir, 'calls'), '');
      const local = localTransport();
      await gatherFacts({ ...local, exec: (script, options) => local.exec(sh`PATH=${bin}:$PATH; export PATH
${script}`, options) }, requests);
      return readFileSync(join(dir, 'calls'), 'utf8').split('\n').filter(Boolean).sort();
    };
    const at = (name: string, flags: { follow?: boolean; content?: boolean; sensitive?: boolean }): FactRequest => ({ kind: 'file', path: join(dir, name), follow: false, content: false, sensitive: false, ...flags });
    expect(await calls([at('small', { follow: true, content: true }), at('dir', { follow: true }), at('link-dir', {})])).toEqual(['grep -lE', 'stat -c']);
    expect(await calls([at('small', { follow: true, content: true }), at('link-small', { follow: true })])).toEqual(['grep -lE', 'stat -L', 'stat -c']);
    expect(await calls([at('secret', { content: true }), at('large', { content: true }), at('small', { sensitive: true })])).toEqual(['grep -lE', 'sha256sum --', 'stat -c']);
  });
});
