import { createHash } from 'node:crypto';
import type { FileFact, NodeFacts, SysctlFile, UnitFact } from '../../../src/facts/types.ts';

/** Compact fixture form of a node's facts; everything omitted is absent. */
export interface FactsFixture {
  files?: Record<string, { absent?: boolean; mode?: string; owner?: string; group?: string; content?: string; type?: string; sensitive?: boolean }>;
  globs?: Record<string, string[]>;
  sysctls?: Record<string, string | null>;
  sysctlFiles?: { path: string; content: string; realPath?: string }[];
  kubelet?: { configPath: string; args?: string[] };
  units?: Record<string, { loadState?: string; activeState?: string }>;
  os?: { family: 'debian' | 'rhel' | 'other' };
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
      { name: `${name}.service`, loadState: u.loadState ?? 'loaded', activeState: u.activeState ?? 'active', subState: 'running', unitFileState: 'enabled', mainPid: 1, nRestarts: 0 },
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
  };
}
