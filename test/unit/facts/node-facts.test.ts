import { createHash } from 'node:crypto';
import { raw, type Script } from '../../../src/node/sh.ts';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherFacts } from '../../../src/facts/gather.ts';
import type { ExecOptions, Transport } from '../../../src/transport/types.ts';
import { localTransport } from '../../fakes/local-transport.ts';

// The sshd, login, audit, nftables and package facts, run by the real facts script with /bin/sh
// against stand-in commands on PATH (this machine's own sshd, nft and audit are never asked).
let bin: string;

async function tool(name: string, body: string): Promise<void> {
  await writeFile(join(bin, name), `#!/bin/sh\n${body}\n`);
  await chmod(join(bin, name), 0o755);
}

beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), 'nw-node-facts-'));
  await tool('sshd', `[ "$1" = -T ] || exit 2\nprintf 'port 22\\npasswordauthentication yes\\nallowusers ops\\nallowusers alice@10.0.0.0/8\\n'`);
  await tool('nft', `[ "$1 $2 $3 $4" = "list table inet nodeward" ] || exit 1\nprintf 'table inet nodeward {\\n}\\n'`);
  await tool('auditctl', `case $1 in -s) printf 'enabled 2\\nfailure 1\\n' ;; -l) printf -- '-w /etc/kubernetes -p wa -k k8s_config\\n-a always,exit -F dir=/etc/containerd/ -F perm=wa -F key=k8s_runtime\\n' ;; esac`);
  await tool('augenrules', 'exit 0');
  await tool('apt-get', 'exit 0');
  await tool('dpkg-query', `[ "$3" = runc ] || exit 1\nprintf 'install ok installed|1.1.12-1'`);
  await tool('kubelet', `[ "$1" = --version ] || exit 1\necho 'Kubernetes v1.32.2'`);
  await writeFile(join(bin, 'record'), 'abc def\n');
});

afterAll(async () => {
  await rm(bin, { recursive: true, force: true });
});

/** The local shell with the stand-ins first on PATH, and SSH_CONNECTION only in the environment it started with. */
function transport(): Transport {
  const sh = localTransport();
  return {
    host: sh.host,
    close: sh.close,
    // like sudo: the parent started with SSH_CONNECTION, the script's own environment lacks it
    exec: async (script: Script, options?: ExecOptions) => {
      await writeFile(join(bin, 'script.sh'), script.text);
      return sh.exec(
        raw(`PATH=${bin}:$PATH; export PATH; SUDO_USER=ops; export SUDO_USER\nenv SSH_CONNECTION='198.19.0.1 40000 198.19.0.12 22' sh -c 'env -u SSH_CONNECTION sh -s < "$1"; exit $?' sh ${bin}/script.sh\n`),
        options,
      );
    },
  };
}

describe('node facts (local sh, stand-in commands)', () => {
  it('reads sshd -T, the login, audit rules, an nftables table, a package and the kubelet version in the same exec', async () => {
    const t = transport();
    const facts = await gatherFacts(t, [
      { kind: 'sshd' },
      { kind: 'login' },
      { kind: 'audit' },
      { kind: 'nftTable', family: 'inet', table: 'nodeward', record: join(bin, 'record') },
      { kind: 'nftTable', family: 'inet', table: 'absent', record: join(bin, 'no-record') },
      { kind: 'package', name: 'runc' },
      { kind: 'package', name: 'kubelet' },
      { kind: 'kubeletVersion' },
    ]);
    expect(facts.sshd?.status).toBe('ok');
    expect(facts.sshd?.settings.get('allowusers')).toEqual(['ops', 'alice@10.0.0.0/8']);
    expect(facts.sshd?.settings.get('passwordauthentication')).toEqual(['yes']);
    expect(facts.login).toMatchObject({ user: 'ops', clientAddress: '198.19.0.1', serverPort: 22 });
    expect(facts.audit).toEqual({
      auditctl: true,
      augenrules: true,
      enabled: 2,
      rules: ['-w /etc/kubernetes -p wa -k k8s_config', '-a always,exit -F dir=/etc/containerd/ -F perm=wa -F key=k8s_runtime'],
    });
    // the sha256 of nft's exact output (the listing is hashed by the controller now, as sha256sum hashed it)
    expect(facts.nftTables?.get('inet nodeward')).toMatchObject({ nft: true, record: 'abc def', listingSha256: createHash('sha256').update('table inet nodeward {\n}\n').digest('hex') });
    expect(facts.nftTables?.get('inet absent')).toMatchObject({ nft: true, listingSha256: undefined, record: undefined });
    expect(facts.packages?.get('runc')).toEqual({ name: 'runc', manager: 'apt', installed: '1.1.12-1' });
    expect(facts.packages?.get('kubelet')).toEqual({ name: 'kubelet', manager: 'apt', installed: undefined });
    // no kubelet runs here (a lab node's /usr/bin/kubelet is not this host's): the one on PATH
    expect(facts.kubeletVersion).toEqual({ binary: join(bin, 'kubelet'), version: 'v1.32.2' });
  });
});
