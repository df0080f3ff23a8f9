import { auditKind } from './audit.ts';
import { fileKind } from './file.ts';
import { globKind } from './glob.ts';
import type { FactKind, Kind } from './kind.ts';
import { kubeletVersionKind } from './kubelet-version.ts';
import { kubeletKind } from './kubelet.ts';
import { lockKind } from './lock.ts';
import { loginKind } from './login.ts';
import { nftTableKind } from './nft-table.ts';
import { osKind } from './os.ts';
import { packageKind } from './package.ts';
import { pendingRunsKind } from './pending-runs.ts';
import { sshdKind } from './sshd.ts';
import { sysctlFilesKind } from './sysctl-files.ts';
import { sysctlKind } from './sysctl.ts';
import { unitKind } from './unit.ts';

/**
 * Every fact kind, by FactRequest kind: TypeScript refuses a FactRequest kind missing here. To add
 * one: its request in facts/types.ts, its file here (script and parser, see kind.ts), its entry
 * in this map and in its place in FACT_KIND_ORDER (the order its functions are sent in).
 */
export const FACT_KINDS: { readonly [K in Kind]: FactKind<K> } = {
  file: fileKind,
  kubelet: kubeletKind,
  glob: globKind,
  sysctlFiles: sysctlFilesKind,
  sysctl: sysctlKind,
  unit: unitKind,
  os: osKind,
  lock: lockKind,
  pendingRuns: pendingRunsKind,
  sshd: sshdKind,
  login: loginKind,
  audit: auditKind,
  nftTable: nftTableKind,
  package: packageKind,
  kubeletVersion: kubeletVersionKind,
};

export const FACT_KIND_ORDER = Object.keys(FACT_KINDS) as Kind[];

export function factKind<K extends Kind>(kind: K): FactKind<K> {
  return FACT_KINDS[kind] as FactKind<K>;
}
