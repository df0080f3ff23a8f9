import { createHash } from 'node:crypto';
import type { AuditFact, FileFact, LoginFact, NftTableFact, NodeFacts, PackageFact, SysctlFile, UnitFact } from '../../../src/facts/types.ts';
import { parseSshdT } from '../../../src/facts/kinds/sshd.ts';

/** Compact fixture form of a node's facts; everything omitted is absent. */
export interface FactsFixture {
  files?: Record<string, { absent?: boolean; mode?: string; owner?: string; group?: string; content?: string; type?: string; sensitive?: boolean }>;
  globs?: Record<string, string[]>;
  sysctls?: Record<string, string | null>;
  sysctlFiles?: { path: string; content: string; realPath?: string }[];
  kubelet?: { configPath: string; args?: string[] };
  units?: Record<string, { loadState?: string; activeState?: string; unitFileState?: string; ipAddressDeny?: string[] }>;
  os?: { family: 'debian' | 'rhel' | 'other' };
  /** `sshd -T` output; `missing` when sshd is not installed */
  sshd?: string | { missing: true };
  login?: { user: string; groups?: string[]; clientAddress?: string; serverPort?: number } | undefined;
  audit?: { auditctl?: boolean; augenrules?: boolean; enabled?: number; rules?: string[] };
  /** by "family table" */
  nftTables?: Record<string, { nft?: boolean; listingSha256?: string; record?: string }>;
  packages?: Record<string, { manager?: 'apt' | 'dnf' | 'yum' | 'none'; installed?: string }>;
  /** What `kubelet --version` printed, e.g. v1.31.4 (the binary is /usr/bin/kubelet). */
  kubeletVersion?: string;
}

export function factsFrom(fixture: FactsFixture): NodeFacts {
  const files = new Map<string, FileFact>();
  for (const [path, f] of Object.entries(fixture.files ?? {})) {
    if (f.absent) {
      files.set(path, { path, exists: false });
      continue;
    }
    const content = f.content === undefined ? undefined : Buffer.from(f.content);
    files.set(path, {
      path,
      exists: true,
      type: (f.type ?? 'file') as 'file',
      mode: f.mode ?? '0644',
      uid: f.owner === undefined || f.owner === 'root' ? 0 : 1000,
      gid: f.group === undefined || f.group === 'root' ? 0 : 1000,
      owner: f.owner ?? 'root',
      group: f.group ?? 'root',
      size: content?.length ?? 0,
      sha256: createHash('sha256').update(content ?? path).digest('hex'),
      linkTarget: undefined,
      contentState: f.sensitive ? 'sensitive' : content === undefined ? 'none' : 'content',
      content: f.sensitive ? undefined : content,
    });
  }
  const kubeletConfig = fixture.kubelet ? files.get(fixture.kubelet.configPath) ?? { path: fixture.kubelet.configPath, exists: false as const } : undefined;
  const units = new Map<string, UnitFact>(
    Object.entries(fixture.units ?? {}).map(([name, u]) => [
      name,
      { name: name.includes('.') ? name : `${name}.service`, loadState: u.loadState ?? 'loaded', activeState: u.activeState ?? 'active', subState: 'running', unitFileState: u.unitFileState ?? 'enabled', mainPid: 1, nRestarts: 0, ipAddressDeny: u.ipAddressDeny ?? [] },
    ]),
  );
  return {
    host: 'node-1',
    files,
    globs: new Map(Object.entries(fixture.globs ?? {})),
    sysctls: new Map(Object.entries(fixture.sysctls ?? {})),
    sysctlFiles: (fixture.sysctlFiles ?? []).map((f): SysctlFile => ({ path: f.path, realPath: f.realPath ?? f.path, content: f.content })),
    units,
    kubelet: fixture.kubelet && kubeletConfig
      ? { pid: 42, args: fixture.kubelet.args ?? [], configPath: fixture.kubelet.configPath, configFromProcess: true, config: kubeletConfig }
      : undefined,
    os: fixture.os ? { id: fixture.os.family, idLike: [], family: fixture.os.family } : undefined,
    sshd:
      fixture.sshd === undefined
        ? undefined
        : typeof fixture.sshd === 'string'
          ? { status: 'ok', error: undefined, settings: parseSshdT(fixture.sshd) }
          : { status: 'missing', error: 'sshd is not installed', settings: new Map() },
    login: fixture.login ? loginOf(fixture.login) : undefined,
    audit: fixture.audit ? auditOf(fixture.audit) : undefined,
    nftTables: new Map(
      Object.entries(fixture.nftTables ?? {}).map(([key, t]): [string, NftTableFact] => {
        const [family = 'inet', table = ''] = key.split(' ');
        return [key, { family, table, nft: t.nft ?? true, listingSha256: t.listingSha256, record: t.record }];
      }),
    ),
    packages: new Map(
      Object.entries(fixture.packages ?? {}).map(([name, p]): [string, PackageFact] => [name, { name, manager: p.manager ?? 'apt', installed: p.installed }]),
    ),
    kubeletVersion: fixture.kubeletVersion === undefined ? undefined : { binary: '/usr/bin/kubelet', version: fixture.kubeletVersion },
  };
}

function loginOf(l: NonNullable<FactsFixture['login']>): LoginFact {
  return { user: l.user, groups: l.groups ?? [l.user], clientAddress: l.clientAddress, serverPort: l.serverPort };
}

function auditOf(a: NonNullable<FactsFixture['audit']>): AuditFact {
  return { auditctl: a.auditctl ?? true, augenrules: a.augenrules ?? true, enabled: a.enabled ?? 1, rules: a.rules ?? [] };
}
