import { sh, type Script } from './sh.ts';

/**
 * A run's manifest on the node (`$R/manifest`): one tab-separated row per thing the write script
 * backed up or did, appended in order; the rollback and its preview read it last-first, in sh.
 * Columns mean different things per kind, so here each kind is a type of its own, with the
 * encoder, the decoder and the node-side writer side by side. Paths, sysctl values and unit
 * names travel base64 (any byte); the other columns are names nodeward validated (no tab, no
 * newline: the encoder refuses them).
 *
 *   file    INDEX B64PATH 1 f|d MODE UID GID   a path that existed (f: copied to backup/INDEX)
 *   file    INDEX B64PATH 0 - - - -            a path that did not exist
 *   dir     INDEX B64DIR                       a directory the run created for path INDEX
 *   written INDEX SHA256                       what the run wrote to path INDEX
 *   sysctl  KEY B64VALUE                       a live value before the run
 *   unit    B64NAME ENABLED ACTIVE             is-enabled and is-active before the run
 *   package MANAGER NAME VERSION|-             the installed version before the run
 *   nft     INDEX FAMILY TABLE 0|1             whether the table existed (listing in backup/nft-INDEX)
 *   reload  sshd UNIT|-  /  reload audit  /  reload systemd
 *
 * The sh readers (apply/scripts/rollback.ts, rollback-preview.ts) read every row as
 * `kind i enc existed k mode uid gid`: column 2 is `i`, 3 `enc`, 4 `existed`, 5 `k`, 6 `mode`…
 */
export type ManifestRow =
  | { readonly kind: 'file'; readonly index: number; readonly path: string; readonly existed: false }
  | { readonly kind: 'file'; readonly index: number; readonly path: string; readonly existed: true; readonly type: 'f' | 'd'; readonly mode: string; readonly uid: number; readonly gid: number }
  | { readonly kind: 'dir'; readonly index: number; readonly path: string }
  | { readonly kind: 'written'; readonly index: number; readonly sha256: string }
  | { readonly kind: 'sysctl'; readonly key: string; readonly value: string }
  | { readonly kind: 'unit'; readonly unit: string; readonly enabled: string; readonly active: string }
  | { readonly kind: 'package'; readonly manager: string; readonly name: string; readonly version: string | undefined }
  | { readonly kind: 'nft'; readonly index: number; readonly family: string; readonly table: string; readonly existed: boolean }
  | { readonly kind: 'reload'; readonly what: 'sshd'; readonly unit: string | undefined }
  | { readonly kind: 'reload'; readonly what: 'audit' | 'systemd' };

export type ManifestKind = ManifestRow['kind'];

export class ManifestError extends Error {}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

function unb64(text: string, line: number): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new ManifestError(`manifest line ${line}: ${JSON.stringify(text)} is not base64`);
  return Buffer.from(text, 'base64').toString('utf8');
}

/** A column written as it is: it must not hold the separators. */
function plain(value: string): string {
  if (/[\t\n\r]/.test(value) || value === '') throw new ManifestError(`${JSON.stringify(value)} cannot be a manifest column (empty, or a tab or newline in it)`);
  return value;
}

const orDash = (value: string | undefined): string => (value === undefined ? '-' : plain(value));

/** One row as the node writes it, without the newline. */
export function encodeRow(row: ManifestRow): string {
  const columns = ((): (string | number)[] => {
    switch (row.kind) {
      case 'file':
        return row.existed ? [row.index, b64(row.path), 1, row.type, plain(row.mode), row.uid, row.gid] : [row.index, b64(row.path), 0, '-', '-', '-', '-'];
      case 'dir':
        return [row.index, b64(row.path)];
      case 'written':
        return [row.index, plain(row.sha256)];
      case 'sysctl':
        return [plain(row.key), b64(row.value)];
      case 'unit':
        return [b64(row.unit), plain(row.enabled), plain(row.active)];
      case 'package':
        return [plain(row.manager), plain(row.name), orDash(row.version)];
      case 'nft':
        return [row.index, plain(row.family), plain(row.table), row.existed ? 1 : 0];
      case 'reload':
        return row.what === 'sshd' ? ['sshd', orDash(row.unit)] : [row.what];
    }
  })();
  return [row.kind, ...columns].join('\t');
}

/** The manifest file's rows, in the order written. Anything not shaped like a row is a ManifestError. */
export function decodeManifest(text: string): ManifestRow[] {
  return text
    .split('\n')
    .map((line, at) => ({ line, number: at + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, number }) => decodeRow(line, number));
}

function decodeRow(line: string, number: number): ManifestRow {
  const [kind = '', ...c] = line.split('\t');
  const bad = (why: string): never => {
    throw new ManifestError(`manifest line ${number}: ${why}: ${JSON.stringify(line.slice(0, 120))}`);
  };
  const count = (n: number): void => {
    if (c.length !== n) bad(`a ${kind} row has ${n} columns, not ${c.length}`);
  };
  const int = (value: string | undefined): number => (/^\d+$/.test(value ?? '') ? Number(value) : bad(`${JSON.stringify(value)} is not a number`));
  const dash = (value: string): string | undefined => (value === '-' ? undefined : value);
  const [c1 = '', c2 = '', c3 = '', c4 = '', c5 = '', c6 = '', c7 = ''] = c;
  switch (kind) {
    case 'file':
      count(7);
      if (c3 === '0') return { kind, index: int(c1), path: unb64(c2, number), existed: false };
      if (c3 !== '1' || (c4 !== 'f' && c4 !== 'd') || !/^[0-7]{3,4}$/.test(c5)) return bad('not a file row');
      return { kind, index: int(c1), path: unb64(c2, number), existed: true, type: c4, mode: c5, uid: int(c6), gid: int(c7) };
    case 'dir':
      count(2);
      return { kind, index: int(c1), path: unb64(c2, number) };
    case 'written':
      count(2);
      return /^[0-9a-f]{64}$/.test(c2) ? { kind, index: int(c1), sha256: c2 } : bad('not a sha256');
    case 'sysctl':
      count(2);
      return { kind, key: c1, value: unb64(c2, number) };
    case 'unit':
      count(3);
      return { kind, unit: unb64(c1, number), enabled: c2, active: c3 };
    case 'package':
      count(3);
      return { kind, manager: c1, name: c2, version: dash(c3) };
    case 'nft':
      count(4);
      return c4 === '0' || c4 === '1' ? { kind, index: int(c1), family: c2, table: c3, existed: c4 === '1' } : bad('not 0 or 1');
    case 'reload':
      if (c1 === 'sshd') {
        count(2);
        return { kind, what: 'sshd', unit: dash(c2) };
      }
      count(1);
      return c1 === 'audit' || c1 === 'systemd' ? { kind, what: c1 } : bad(`nothing reloads ${JSON.stringify(c1)}`);
    default:
      return bad(`no row kind ${JSON.stringify(kind)}`);
  }
}

/**
 * Node-side sh appending one row: `printf 'KIND\t%s…\n' FIELD… >> "$R/manifest"`. Each field is
 * one sh word holding its column as encodeRow writes it (a quoted value, "$1", "$(…)"): the
 * writers in the write script are built with this, so that what they append is what
 * decodeManifest reads (test/unit/node/manifest.test.ts runs them).
 */
export function appendRow(kind: ManifestKind, fields: readonly Script[]): Script {
  const format = [kind, ...fields.map(() => '%s')].join('\\t') + '\\n';
  return sh`printf ${format} ${fields} >> "$R/manifest"`;
}
