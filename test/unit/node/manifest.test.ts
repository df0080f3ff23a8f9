import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prelude } from '../../../src/apply/scripts/common.ts';
import { BACKUP_FUNCTION, writeScript } from '../../../src/apply/scripts/write.ts';
import { appendRow, decodeManifest, encodeRow, ManifestError, type ManifestRow } from '../../../src/node/manifest.ts';
import { lines, sh } from '../../../src/node/sh.ts';
import type { Operation } from '../../../src/plan/types.ts';
import { localTransport } from '../../fakes/local-transport.ts';

// any string the node can hold (no NUL: no path or value has one); names: what validation lets through
const anyText = fc.string({ unit: 'binary', minLength: 0, maxLength: 40 }).filter((s) => !s.includes('\0'));
const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:+@-]{0,20}$/);
const index = fc.nat(500);
const row: fc.Arbitrary<ManifestRow> = fc.oneof(
  fc.record({ kind: fc.constant('file' as const), index, path: anyText, existed: fc.constant(false as const) }),
  fc.record({ kind: fc.constant('file' as const), index, path: anyText, existed: fc.constant(true as const), type: fc.constantFrom('f' as const, 'd' as const), mode: fc.stringMatching(/^[0-7]{3,4}$/), uid: fc.nat(70000), gid: fc.nat(70000) }),
  fc.record({ kind: fc.constant('dir' as const), index, path: anyText }),
  fc.record({ kind: fc.constant('written' as const), index, sha256: fc.stringMatching(/^[0-9a-f]{64}$/) }),
  fc.record({ kind: fc.constant('sysctl' as const), key: name, value: anyText }),
  fc.record({ kind: fc.constant('unit' as const), unit: anyText, enabled: name, active: name }),
  fc.record({ kind: fc.constant('package' as const), manager: fc.constantFrom('apt', 'dnf', 'yum'), name, version: fc.option(name, { nil: undefined }) }),
  fc.record({ kind: fc.constant('nft' as const), index, family: name, table: name, existed: fc.boolean() }),
  fc.record({ kind: fc.constant('reload' as const), what: fc.constant('sshd' as const), unit: fc.option(name, { nil: undefined }) }),
  fc.record({ kind: fc.constant('reload' as const), what: fc.constantFrom('audit' as const, 'systemd' as const) }),
);

describe('the rollback manifest (node/manifest.ts)', () => {
  it('decodes what it encodes, odd bytes in paths and values included', () => {
    fc.assert(fc.property(fc.array(row, { maxLength: 8 }), (rows) => {
      expect(decodeManifest(rows.map((r) => `${encodeRow(r)}\n`).join(''))).toEqual(rows);
    }), { numRuns: 300 });
  });

  it('appendRow, run by /bin/sh, appends exactly the encoded row', () => {
    const rows = fc.sample(row, { numRuns: 60, seed: 14 });
    const script = sh`R=${mkTemp()}
: > "$R/manifest"
${rows.map((r) => sh`${appendRow(r.kind, encodeRow(r).split('\t').slice(1).map((column) => sh`${column}`))}\n`)}
cat "$R/manifest"; rm -rf "$R"`;
    const out = spawnSync('/bin/sh', ['-c', script.text], { encoding: 'utf8' });
    expect(out.stderr).toBe('');
    expect(decodeManifest(out.stdout)).toEqual(rows);
  });

  // nw_backup_sysctl encodes short printable values in the shell and the rest with base64: both
  // must record the value exactly as $(cat) reads it (its bytes, trailing newlines dropped)
  it.each(['/bin/sh', 'bash'])('nw_backup_sysctl, run by %s, records any value as $(cat) reads it', async (shell) => {
    const printable = fc.string({ unit: fc.constantFrom(...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)), '\t'), maxLength: 70 });
    const values = [
      ...fc.sample(fc.oneof(printable, anyText, fc.tuple(printable, fc.constantFrom('\n', '\n\n', '\t\n')).map(([v, end]) => v + end)), { numRuns: 150, seed: 16 }),
      '', '\n', '1', '32768\t60999', '\\', '*', '?', '[a]', "'", '"', '$x', '-n', 'é', 'a\nb', 'x'.repeat(64), 'x'.repeat(65),
    ];
    const dir = await mkdtemp(join(tmpdir(), 'nw-sysctl-'));
    try {
      await Promise.all(values.map((value, i) => writeFile(join(dir, `v${i}`), value)));
      const runId = '20261203T120000Z-abcdef';
      const script = lines([
        prelude(join(dir, 'state'), runId),
        sh`mkdir -p "$R" && : > "$R/manifest"`,
        BACKUP_FUNCTION,
        ...values.map((_, i) => sh`nw_backup_sysctl ${`key.${i}`} ${join(dir, `v${i}`)}`),
        sh`nw_backup_sysctl key.missing ${join(dir, 'missing')}`,
        sh``,
      ]);
      const out = spawnSync(shell, ['-c', script.text], { encoding: 'utf8' });
      expect(out.stdout).toBe('NW_FAIL backup-sysctl cannot read key.missing\n');
      const rows = decodeManifest(await readFile(join(dir, 'state', 'runs', runId, 'manifest'), 'utf8'));
      expect(rows).toEqual(values.map((value, i) => ({ kind: 'sysctl', key: `key.${i}`, value: value.replace(/\n+$/, '') })));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses what is not a row, and columns that would break one', () => {
    expect(() => decodeManifest('file\t0\tL2V0Yw==\t1\tf\t644\n')).toThrow(ManifestError);
    expect(() => decodeManifest('bogus\t1\n')).toThrow(/no row kind/);
    expect(() => decodeManifest('written\t0\tnot-a-hash\n')).toThrow(/sha256/);
    expect(() => decodeManifest('dir\t0\t$(reboot)\n')).toThrow(/base64/);
    expect(() => encodeRow({ kind: 'package', manager: 'apt', name: 'a\tb', version: undefined })).toThrow(ManifestError);
  });

  it("is what the write script's own writers leave on the node", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nw-manifest-'));
    try {
      const odd = join(dir, "etc dir", "it's a \"file\" $(x) `y` \\ é.conf");
      await mkdir(join(dir, 'etc dir'));
      await writeFile(odd, 'old\n');
      const created = join(dir, 'new dir', 'created.conf');
      const operations: Operation[] = [
        { op: 'writeFile', path: odd, content: Buffer.from('new\n').toString('base64'), mode: '0640', owner: String(process.getuid?.() ?? 0), group: String(process.getgid?.() ?? 0) },
        { op: 'writeFile', path: created, content: Buffer.from('x').toString('base64'), mode: undefined, owner: undefined, group: undefined },
      ] as Operation[];
      const state = join(dir, 'state');
      const runId = '20261203T120000Z-abcdef';
      await localTransport().exec(writeScript({ stateDir: state, runId, operations, owedRestarts: [] }));
      const rows = decodeManifest(await readFile(join(state, 'runs', runId, 'manifest'), 'utf8'));
      expect(rows.map((r) => r.kind)).toEqual(['file', 'file', 'written', 'dir', 'written']);
      expect(rows[0]).toMatchObject({ kind: 'file', index: 0, path: odd, existed: true, type: 'f', mode: '644' });
      expect(rows[1]).toEqual({ kind: 'file', index: 1, path: created, existed: false });
      expect(rows[3]).toEqual({ kind: 'dir', index: 1, path: join(dir, 'new dir') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function mkTemp(): string {
  return spawnSync('mktemp', ['-d'], { encoding: 'utf8' }).stdout.trim();
}
