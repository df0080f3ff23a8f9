import { BENCHMARK_IDS, type BenchmarkId } from '../config/benchmark-ids.ts';
import { FILE_AUDIT_REQUESTS } from './audits/files.ts';
import { sysctlRequests } from './audits/sysctl.ts';
import { NEWEST } from './benchmarks.ts';
import { cisChecks } from './cis.ts';
import { GUIDE_CHECKS, GUIDE_SYSCTLS, KUBELET_TUNABLES } from './guide.ts';
import type { FactRequest } from '../facts/types.ts';
import type { CheckDef } from './types.ts';

export const BENCHMARK = `CIS Kubernetes Benchmark worker node (kube-bench's ${BENCHMARK_IDS.join(', ')} definitions; 4.1.11 from v2.1.0); node-hardening guide`;

/** Per benchmark version: its CIS checks, then the guide's items (the same in every version). */
const CATALOGUES: ReadonlyMap<BenchmarkId, readonly CheckDef[]> = new Map(BENCHMARK_IDS.map((id) => [id, [...cisChecks(id), ...GUIDE_CHECKS]]));

const byId: ReadonlyMap<BenchmarkId, ReadonlyMap<string, CheckDef>> = new Map([...CATALOGUES].map(([id, defs]) => [id, new Map(defs.map((def) => [def.id, def]))]));

export function catalogue(benchmark: BenchmarkId = NEWEST): readonly CheckDef[] {
  return CATALOGUES.get(benchmark) ?? [];
}

/** A check as `benchmark` defines it; undefined when that version has no such check. */
export function checkDef(id: string, benchmark: BenchmarkId = NEWEST): CheckDef | undefined {
  return byId.get(benchmark)?.get(id);
}

/** Every CIS id of any version, in section order (4.2.15 exists in cis-1.11 only). */
const CIS_IDS: readonly string[] = [...new Set(BENCHMARK_IDS.flatMap((id) => cisChecks(id).map((def) => def.id)))].sort((a, b) => {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
});

const ORDER: readonly string[] = [...CIS_IDS, ...GUIDE_CHECKS.map((def) => def.id)];

/** A CIS check id of some version (whether or not the version in use has it). */
export function isCisId(id: string): boolean {
  return CIS_IDS.includes(id);
}

/**
 * Every fact the audits read, asked in the same exec as the plan's facts. The kubelet (command
 * line and --config file), the containerd config, the units and the sysctl files are the plan's own.
 */
export const AUDIT_REQUESTS: readonly FactRequest[] = [
  ...FILE_AUDIT_REQUESTS,
  ...sysctlRequests(new Set([...Object.keys(KUBELET_TUNABLES), ...Object.values(GUIDE_SYSCTLS).flatMap((values) => Object.keys(values))])),
  ...[...CATALOGUES.values()].flat().flatMap((def) => def.requests),
  // which benchmark kube-bench would pick for the node
  { kind: 'kubeletVersion' },
];

/** Catalogue order: CIS by section number, then the guide in its order; ids not in the catalogue last. */
export function compareIds(a: string, b: string): number {
  const ia = ORDER.indexOf(a);
  const ib = ORDER.indexOf(b);
  if (ia !== -1 || ib !== -1) return (ia === -1 ? Infinity : ia) - (ib === -1 ? Infinity : ib) || 0;
  return a < b ? -1 : a > b ? 1 : 0;
}
