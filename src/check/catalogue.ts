import { FILE_AUDIT_REQUESTS } from './audits/files.ts';
import { sysctlRequests } from './audits/sysctl.ts';
import { CIS_CHECKS } from './cis.ts';
import { GUIDE_CHECKS, GUIDE_SYSCTLS, KUBELET_TUNABLES } from './guide.ts';
import type { FactRequest } from '../facts/types.ts';
import type { CheckDef } from './types.ts';

export const BENCHMARK = 'CIS Kubernetes Benchmark 1.12 / 2.0 worker node (kube-bench cis-1.12), 4.1.11 from v2.1.0; node-hardening guide';

export const CATALOGUE: readonly CheckDef[] = [...CIS_CHECKS, ...GUIDE_CHECKS];

const byId = new Map(CATALOGUE.map((def) => [def.id, def]));

export function checkDef(id: string): CheckDef | undefined {
  return byId.get(id);
}

/**
 * Every fact the audits read, asked in the same exec as the plan's facts. The kubelet (command
 * line and --config file), the containerd config and the sysctl files are the plan's own.
 */
export const AUDIT_REQUESTS: readonly FactRequest[] = [
  ...FILE_AUDIT_REQUESTS,
  ...sysctlRequests(new Set([...Object.keys(KUBELET_TUNABLES), ...Object.values(GUIDE_SYSCTLS).flatMap((values) => Object.keys(values))])),
  ...CATALOGUE.flatMap((def) => def.requests),
];

/** Catalogue order: CIS by section number, then the guide in its order; ids not in the catalogue last. */
export function compareIds(a: string, b: string): number {
  const ia = CATALOGUE.findIndex((d) => d.id === a);
  const ib = CATALOGUE.findIndex((d) => d.id === b);
  if (ia !== -1 || ib !== -1) return (ia === -1 ? Infinity : ia) - (ib === -1 ? Infinity : ib) || 0;
  return a < b ? -1 : a > b ? 1 : 0;
}
