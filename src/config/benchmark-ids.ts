/**
 * The CIS Kubernetes Benchmark versions `nodeward check` judges by, named as kube-bench names its
 * definitions (cfg/cis-1.9 … cfg/cis-1.12), oldest first. The check catalogue has one per id.
 */
export const BENCHMARK_IDS = ['cis-1.9', 'cis-1.10', 'cis-1.11', 'cis-1.12'] as const;

export type BenchmarkId = (typeof BENCHMARK_IDS)[number];

export function isBenchmarkId(value: string): value is BenchmarkId {
  return (BENCHMARK_IDS as readonly string[]).includes(value);
}
