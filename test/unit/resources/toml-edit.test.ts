import fc from 'fast-check';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { editToml } from '../../../src/resources/toml-edit.ts';
import { dottedKeyText, parseDottedKey, tomlValueText } from '../../../src/spec/toml-keys.ts';

const CONFIG = `# top comment
version = 2
root = "/var/lib/containerd" # where images live

[grpc]
  address = "/run/containerd/containerd.sock"

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "registry.k8s.io/pause:3.10"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      SystemdCgroup = false # flipped by hand
      args = [
        "a",
        "b",
      ]

[[proxy_plugins]]
  name = "x"
`;

const key = (text: string): string[] => parseDottedKey(text) ?? [];

describe('TOML dotted keys', () => {
  it('splits bare and quoted segments and writes them back', () => {
    expect(parseDottedKey(`plugins."io.containerd.grpc.v1.cri".containerd`)).toEqual(['plugins', 'io.containerd.grpc.v1.cri', 'containerd']);
    expect(parseDottedKey(`plugins.'io.containerd.cri.v1.runtime'.x`)).toEqual(['plugins', 'io.containerd.cri.v1.runtime', 'x']);
    expect(parseDottedKey('a."b\\"c"')).toEqual(['a', 'b"c']);
    expect(dottedKeyText(['plugins', 'io.containerd.grpc.v1.cri', 'x'])).toBe('plugins."io.containerd.grpc.v1.cri".x');
    for (const bad of ['', 'a.', '.a', 'a..b', 'a b', '"open', 'a.b c']) expect(parseDottedKey(bad), bad).toBeUndefined();
  });

  it('writes values TOML reads back as the same', () => {
    for (const value of [true, false, 0, -999, 1.5, '', 'a "quoted" \\ path\n', ['x', 1], { a: 1, 'b.c': 'd' }]) {
      expect(parse(`k = ${tomlValueText(value)}`)['k']).toEqual(value);
    }
    expect(() => tomlValueText(null)).toThrow();
  });
});

describe('editToml', () => {
  it('returns the text byte for byte when nothing changes', () => {
    const result = editToml(CONFIG, [{ key: ['version'], value: 2 }, { key: ['grpc', 'tcp_address'], value: undefined }]);
    expect(result).toMatchObject({ ok: true, text: CONFIG, changes: [], preserved: true });
  });

  it('changes a value on its own line, keeping the line comment, and keeps every other line', () => {
    const result = editToml(CONFIG, [{ key: key('plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options.SystemdCgroup'), value: true }]);
    if (!result.ok) throw new Error(result.error);
    expect(result.preserved).toBe(true);
    const before = CONFIG.split('\n');
    const after = result.text.split('\n');
    expect(after).toHaveLength(before.length);
    expect(after.filter((line, i) => line !== before[i])).toEqual(['      SystemdCgroup = true # flipped by hand']);
    expect(result.changes).toEqual([{ key: 'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options.SystemdCgroup', before: false, after: true }]);
  });

  it('adds keys at the end of their table and new tables beside their relatives, indented like the file', () => {
    const result = editToml(CONFIG, [
      { key: ['grpc', 'tcp_address'], value: '' },
      { key: key('plugins."io.containerd.grpc.v1.cri".restrict_oom_score_adj'), value: false },
      { key: key('plugins."io.containerd.grpc.v1.cri".registry.config_path'), value: '/etc/containerd/certs.d' },
      { key: ['metrics', 'address'], value: '' },
      { key: ['oom_score'], value: -999 },
    ]);
    if (!result.ok) throw new Error(result.error);
    expect(result.preserved).toBe(true);
    expect(result.text).toContain('[grpc]\n  address = "/run/containerd/containerd.sock"\n  tcp_address = ""\n');
    expect(result.text).toContain('    sandbox_image = "registry.k8s.io/pause:3.10"\n    restrict_oom_score_adj = false\n');
    expect(result.text).toContain('    [plugins."io.containerd.grpc.v1.cri".registry]\n      config_path = "/etc/containerd/certs.d"\n');
    expect(result.text).toMatch(/root = "\/var\/lib\/containerd" # where images live\noom_score = -999\n/);
    expect(result.text).toContain('\n[metrics]\n  address = ""\n');
    for (const line of CONFIG.split('\n')) expect(result.text.split('\n')).toContain(line);
  });

  it('removes a key line', () => {
    const result = editToml(CONFIG, [{ key: ['root'], value: undefined }]);
    if (!result.ok) throw new Error(result.error);
    expect(result.text).not.toContain('root =');
    expect(result.text).toContain('# top comment');
  });

  it('writes the document out anew when it cannot edit in place (a multi-line value), and says so', () => {
    const result = editToml(CONFIG, [{ key: key('plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options.args'), value: ['c'] }]);
    if (!result.ok) throw new Error(result.error);
    expect(result.preserved).toBe(false);
    expect(parse(result.text)).toMatchObject({ plugins: { 'io.containerd.grpc.v1.cri': { containerd: { runtimes: { runc: { options: { args: ['c'], SystemdCgroup: false } } } } } } });
  });

  it('refuses invalid TOML and a key below a value', () => {
    expect(editToml('a = [', [])).toMatchObject({ ok: false, error: expect.stringMatching(/not valid TOML/) });
    expect(editToml('version = 2\n', [{ key: ['version', 'x'], value: 1 }])).toMatchObject({ ok: false, error: expect.stringMatching(/version is not a table/) });
  });

  it('always yields exactly the wanted document (property)', () => {
    const segment = fc.constantFrom('grpc', 'plugins', 'io.containerd.grpc.v1.cri', 'containerd', 'debug', 'x', 'new.table');
    const value = fc.oneof(fc.boolean(), fc.integer({ min: -5, max: 5 }), fc.constantFrom('', 'v', 'a "q"'));
    fc.assert(
      fc.property(fc.array(fc.record({ key: fc.array(segment, { minLength: 1, maxLength: 4 }), value }), { maxLength: 4 }), (edits) => {
        const result = editToml(CONFIG, edits);
        if (!result.ok) return; // a key below a scalar: refused, fine
        expect(JSON.parse(JSON.stringify(parse(result.text)))).toEqual(result.document);
      }),
      { numRuns: 150 },
    );
  });
});
