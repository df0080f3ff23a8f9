import { labExec } from '../../lab/lab.ts';
import { VENDORED_VERSIONS } from '../oracle/kube-bench/definitions.ts';
import { runKubeBench, type BenchmarkRun } from '../oracle/kube-bench/run.ts';

/** kube-bench's definitions of every vendored version, run on one lab node as root, as kube-bench runs them (two execs). */
export async function kubeBenchOn(node: string): Promise<BenchmarkRun[]> {
  return runKubeBench(VENDORED_VERSIONS, async (script) => {
    const r = await labExec(node, ['/bin/sh'], { input: script });
    if (r.code !== 0) throw new Error(`${node}: kube-bench script exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  });
}
