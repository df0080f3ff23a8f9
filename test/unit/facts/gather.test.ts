import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherFacts } from '../../../src/facts/gather.ts';
import { sha256 } from '../../../src/plan/fingerprint.ts';
import { localTransport } from '../../fakes/local-transport.ts';
import { sh, type Script } from '../../../src/node/sh.ts';
import type { ExecOptions } from '../../../src/transport/types.ts';

// The facts script runs here with the local /bin/sh (dash on Debian, like the nodes): a real
// test of the script and its parser, without SSH.
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nw-facts-'));
  await writeFile(join(dir, 'plain.yaml'), 'a: 1\nb: two\n');
  await chmod(join(dir, 'plain.yaml'), 0o640);
  await writeFile(join(dir, 'no-newline'), 'last line');
  await writeFile(join(dir, 'binary'), Buffer.from([0, 1, 2, 255, 10, 0]));
  await writeFile(join(dir, 'kubelet.conf'), 'users:\n- user:\n    client-key-data: c2VjcmV0\n');
  await writeFile(join(dir, 'key.pem'), '-----BEGIN PRIVATE KEY-----\nMIIsecret\n-----END PRIVATE KEY-----\n');
  await symlink('plain.yaml', join(dir, 'link'));
  await mkdir(join(dir, 'pki'));
  await writeFile(join(dir, 'pki', 'a.crt'), 'cert a');
  await writeFile(join(dir, 'pki', 'b.crt'), 'cert b');
  await writeFile(join(dir, 'pki', "we'ird $(touch pwned)\nname.crt"), 'hostile');
  await writeFile(join(dir, 'pki', 'c.key'), 'not matched');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const file = (path: string, content = true, sensitive = false) => ({ kind: 'file' as const, path, content, follow: false, sensitive });

describe('gatherFacts (local sh)', () => {
  it('reads content, mode, owner and hash of a file, in one exec', async () => {
    const transport = localTransport();
    const facts = await gatherFacts(transport, [file(join(dir, 'plain.yaml')), file(join(dir, 'no-newline'))]);
    expect(transport.scripts).toHaveLength(1);
    const plain = facts.files.get(join(dir, 'plain.yaml'));
    expect(plain).toMatchObject({ exists: true, type: 'file', mode: '0640', owner: 'root', group: 'root', size: 12, contentState: 'content' });
    expect(plain?.exists && plain.content?.toString()).toBe('a: 1\nb: two\n');
    expect(plain?.exists && plain.sha256).toBe(sha256('a: 1\nb: two\n'));
    const last = facts.files.get(join(dir, 'no-newline'));
    expect(last?.exists && last.content?.toString()).toBe('last line');
  });

  it('is binary-safe', async () => {
    const facts = await gatherFacts(localTransport(), [file(join(dir, 'binary'))]);
    const binary = facts.files.get(join(dir, 'binary'));
    expect(binary?.exists && binary.content).toEqual(Buffer.from([0, 1, 2, 255, 10, 0]));
  });

  it('never sends the content of credentials, declared or detected', async () => {
    const transport = localTransport();
    const facts = await gatherFacts(transport, [file(join(dir, 'kubelet.conf')), file(join(dir, 'key.pem')), file(join(dir, 'plain.yaml'), true, true)]);
    for (const name of ['kubelet.conf', 'key.pem', 'plain.yaml']) {
      const fact = facts.files.get(join(dir, name));
      expect(fact).toMatchObject({ exists: true, contentState: 'sensitive', content: undefined });
    }
  });

  it('reports absent files, symlinks and directories', async () => {
    const facts = await gatherFacts(localTransport(), [file(join(dir, 'missing')), file(join(dir, 'link')), file(join(dir, 'pki'))]);
    expect(facts.files.get(join(dir, 'missing'))).toEqual({ path: join(dir, 'missing'), exists: false });
    expect(facts.files.get(join(dir, 'link'))).toMatchObject({ exists: true, type: 'symlink', linkTarget: 'plain.yaml' });
    expect(facts.files.get(join(dir, 'pki'))).toMatchObject({ exists: true, type: 'directory', contentState: 'none' });
  });

  it('expands globs node-side without running anything in file names', async () => {
    const facts = await gatherFacts(localTransport(), [{ kind: 'glob', pattern: join(dir, 'pki', '*.crt') }]);
    const matches = [...(facts.globs.get(join(dir, 'pki', '*.crt')) ?? [])];
    expect(matches.sort()).toEqual([join(dir, 'pki', 'a.crt'), join(dir, 'pki', 'b.crt'), join(dir, 'pki', "we'ird $(touch pwned)\nname.crt")].sort());
    expect(facts.files.get(join(dir, 'pki', 'a.crt'))).toMatchObject({ exists: true, mode: '0644' });
    await expect(import('node:fs/promises').then((fs) => fs.access('pwned'))).rejects.toThrow();
  });

  it('treats a glob matching nothing as an empty list', async () => {
    const facts = await gatherFacts(localTransport(), [{ kind: 'glob', pattern: join(dir, 'nothing', '*.conf') }]);
    expect(facts.globs.get(join(dir, 'nothing', '*.conf'))).toEqual([]);
  });

  it('reads live sysctls and reports unknown keys as null', async () => {
    const facts = await gatherFacts(localTransport(), [
      { kind: 'sysctl', key: 'kernel.ostype' },
      { kind: 'sysctl', key: 'net.ipv4.tcp_rmem' },
      { kind: 'sysctl', key: 'no.such.key' },
    ]);
    expect(facts.sysctls.get('kernel.ostype')).toBe('Linux');
    expect(facts.sysctls.get('net.ipv4.tcp_rmem')).toMatch(/^\d+ \d+ \d+$/);
    expect(facts.sysctls.get('no.such.key')).toBeNull();
  });

  it('reads the sysctl files that decide boot values', async () => {
    const facts = await gatherFacts(localTransport(), [{ kind: 'sysctlFiles' }]);
    expect(facts.sysctlFiles).toBeDefined();
    for (const f of facts.sysctlFiles ?? []) expect(f.path).toMatch(/^\/(etc|run|usr|lib)\//);
  });

  it('finds no kubelet here and falls back to the kubeadm config path', async () => {
    const facts = await gatherFacts(localTransport(undefined, { ownProc: true }), [{ kind: 'kubelet' }]);
    expect(facts.kubelet).toMatchObject({ pid: undefined, configPath: '/var/lib/kubelet/config.yaml', configFromProcess: false });
  });

  it.each([['--config=PATH', (conf: string) => [`--config=${conf}`]], ['--config PATH', (conf: string) => ['--v=2', '--config', conf]]])(
    'finds the running kubelet and reads the config its command line names (%s)',
    async (_form, args) => {
      const conf = join(dir, 'kubelet config.yaml');
      await writeFile(conf, 'kind: KubeletConfiguration\n');
      const kubelet = join(dir, 'bin', 'kubelet');
      await mkdir(join(dir, 'bin'), { recursive: true });
      await writeFile(kubelet, '#!/bin/sh\nwhile :; do sleep 1; done\n', { mode: 0o755 });
      const own = localTransport(undefined, { ownProc: true });
      // a process named kubelet in the script's own PID namespace, running before the facts are read
      const withKubelet = { ...own, exec: (script: Script, options?: ExecOptions) => own.exec(sh`${kubelet} ${args(conf)} &
until [ "$(cat /proc/$!/comm 2>/dev/null)" = kubelet ]; do :; done
${script}`, options) };
      const facts = await gatherFacts(withKubelet, [{ kind: 'kubelet' }]);
      expect(facts.kubelet).toMatchObject({ configPath: conf, configFromProcess: true, args: ['/bin/sh', kubelet, ...args(conf)] });
      expect(facts.kubelet?.pid).toBeGreaterThan(0);
      const config = facts.kubelet?.config;
      expect(config?.exists && config.content?.toString()).toBe('kind: KubeletConfiguration\n');
      expect(config?.exists && config.sha256).toBe(sha256('kind: KubeletConfiguration\n'));
    },
  );

  it('refuses output whose sections are missing', async () => {
    const liar = { ...localTransport(), exec: async () => ({ host: 'local', exitCode: 0, signal: null, stdout: Buffer.from('garbage'), stderr: Buffer.alloc(0), durationMs: 1 }) };
    await expect(gatherFacts(liar, [file('/etc/hostname')])).rejects.toThrow(/untrusted facts output/);
  });
});
