import { BENCHMARK_IDS, type BenchmarkId } from '../config/benchmark-ids.ts';
import type { KubeletVersionFact } from '../facts/types.ts';

export const OLDEST: BenchmarkId = BENCHMARK_IDS[0];
export const NEWEST: BenchmarkId = BENCHMARK_IDS[BENCHMARK_IDS.length - 1] ?? 'cis-1.12';

/**
 * kube-bench's version_mapping (cfg/config.yaml at the vendored commit) for the Kubernetes minors
 * that map to a benchmark nodeward carries. Older minors map to cis-1.8 and before.
 */
const KUBE_BENCH_MAPPING: ReadonlyMap<string, BenchmarkId> = new Map([
  ['1.27', 'cis-1.9'],
  ['1.28', 'cis-1.10'],
  ['1.29', 'cis-1.11'],
  ['1.30', 'cis-1.11'],
  ['1.31', 'cis-1.11'],
  ['1.32', 'cis-1.12'],
  ['1.33', 'cis-1.12'],
  ['1.34', 'cis-1.12'],
]);

/** The benchmark asked for by name: `--benchmark`, else the inventory's `benchmark:`. */
export interface BenchmarkSetting {
  readonly id: BenchmarkId;
  readonly from: '--benchmark' | 'the inventory';
}

export interface BenchmarkChoice {
  readonly id: BenchmarkId;
  readonly reason: string;
}

export function benchmarkOrder(a: BenchmarkId, b: BenchmarkId): number {
  return BENCHMARK_IDS.indexOf(a) - BENCHMARK_IDS.indexOf(b);
}

/**
 * The benchmark a node is judged by: the one named, else the one kube-bench picks from the
 * kubelet's version (cmd/util.go getVersionFromKubeletOutput reads `Kubernetes v(\d+.\d+)`;
 * cmd/common.go mapToBenchmarkVersion lowers the minor until its mapping knows it, so a
 * kubelet newer than the mapping gets the newest benchmark).
 */
export function chooseBenchmark(setting: BenchmarkSetting | undefined, kubelet: KubeletVersionFact | undefined): BenchmarkChoice {
  if (setting) return { id: setting.id, reason: `named by ${setting.from}` };
  const version = kubelet?.version;
  const parts = version === undefined ? undefined : /^v(\d+)\.(\d+)/.exec(version);
  if (!version || !parts) {
    const why = kubelet?.binary ? `${kubelet.binary} --version printed no version` : 'no kubelet binary was found';
    return { id: NEWEST, reason: `the kubelet's version is unknown (${why}): the newest benchmark` };
  }
  const major = parts[1] ?? '';
  for (let minor = Number(parts[2]); minor > 0; minor--) {
    const id = KUBE_BENCH_MAPPING.get(`${major}.${minor}`);
    if (id) return { id, reason: `kubelet ${version}: kube-bench's choice for ${major}.${parts[2] ?? ''}` };
  }
  return { id: OLDEST, reason: `kubelet ${version}: kube-bench maps it to a benchmark older than ${OLDEST}, which nodeward does not carry; the oldest it does` };
}
