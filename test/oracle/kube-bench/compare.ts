import type { State } from './check.ts';
import type { BenchmarkRun } from './run.ts';

/** nodeward's verdict in kube-bench's words: a failing Manual check is WARN in both. */
export type NodewardVerdict = State | 'WARN (undecided)' | 'N/A' | 'ERROR';

export interface CheckJson {
  nodes: { name: string; benchmark: string | null }[];
  checks: { id: string; source: string; results: { node: string; status: string; failed: boolean; reasons: string[] }[] }[];
}

export function nodewardVerdict(r: { status: string; failed: boolean }): NodewardVerdict {
  switch (r.status) {
    case 'pass':
      return 'PASS';
    case 'fail':
      return 'FAIL';
    case 'warn':
      return r.failed ? 'WARN' : 'WARN (undecided)';
    case 'n/a':
      return 'N/A';
    default:
      return 'ERROR';
  }
}

/**
 * Where nodeward says something else than kube-bench on the lab's nodes, on purpose (README,
 * "nodeward and kube-bench"). Each is asserted exactly, so a change on either side shows.
 */
export const DEVIATIONS: readonly { id: string; kubeBench: State; nodeward: NodewardVerdict; why: string }[] = [
  { id: '4.1.3', kubeBench: 'WARN', nodeward: 'N/A', why: 'no kube-proxy kubeconfig on the host: its stat prints nothing, which its test cannot pass' },
  { id: '4.1.4', kubeBench: 'WARN', nodeward: 'N/A', why: 'the same, for the owner' },
  { id: '4.3.1', kubeBench: 'FAIL', nodeward: 'WARN (undecided)', why: "no kube-proxy process on the node: `ps -fC proxy` exits 1; its settings are in the kube-proxy ConfigMap, which SSH cannot read" },
];

/** nodeward's own additions, in no kube-bench definition: what they must say on the lab's nodes. */
const NODEWARD_ONLY: Readonly<Record<string, NodewardVerdict>> = { '4.1.11': 'N/A' };

export interface Comparison {
  /** (check, node) pairs kube-bench decided that nodeward matched. */
  readonly agreed: number;
  /** Pairs that are DEVIATIONS and read exactly as documented. */
  readonly documented: number;
  readonly mismatches: readonly string[];
}

/**
 * nodeward's report for one benchmark version held against kube-bench's verdicts of that version on
 * every node: every check kube-bench defines must be in the report and read the same, or be a
 * documented deviation reading exactly as documented; every CIS check of the report must be one
 * of kube-bench's, or one of nodeward's own additions.
 */
export function compareWithKubeBench(version: string, kubeBench: ReadonlyMap<string, BenchmarkRun>, report: CheckJson): Comparison {
  const mismatches: string[] = [];
  let agreed = 0;
  let documented = 0;
  for (const [node, run] of kubeBench) {
    if (run.version !== version) throw new Error(`kube-bench run of ${run.version} held against ${version}`);
    const judged = report.nodes.find((n) => n.name === node);
    if (judged?.benchmark !== version) mismatches.push(`${node}: nodeward judged it by ${String(judged?.benchmark)}, not ${version}`);
    for (const verdict of run.verdicts) {
      const result = report.checks.find((c) => c.id === verdict.id)?.results.find((r) => r.node === node);
      if (!result) {
        mismatches.push(`${version} ${verdict.id} on ${node}: kube-bench says ${verdict.state}, nodeward has no such check`);
        continue;
      }
      const ours = nodewardVerdict(result);
      const deviation = DEVIATIONS.find((d) => d.id === verdict.id);
      const expected = deviation ? deviation.nodeward : verdict.state;
      const theirs = deviation ? deviation.kubeBench : verdict.state;
      if (ours === expected && verdict.state === theirs) {
        if (deviation) documented++;
        else agreed++;
      } else {
        const why = verdict.reason || verdict.expectedResult;
        mismatches.push(`${version} ${verdict.id} on ${node}: kube-bench ${verdict.state} (${why}), nodeward ${ours} (${result.reasons.join('; ')})${deviation ? ` — documented as kube-bench ${deviation.kubeBench}, nodeward ${deviation.nodeward}` : ''}`);
      }
    }
    for (const check of report.checks.filter((c) => c.source === 'cis')) {
      if (run.verdicts.some((v) => v.id === check.id)) continue;
      const result = check.results.find((r) => r.node === node);
      const ours = result ? nodewardVerdict(result) : 'missing';
      if (NODEWARD_ONLY[check.id] !== ours) mismatches.push(`${version} ${check.id} on ${node}: not in kube-bench's definitions, nodeward says ${ours}`);
    }
  }
  return { agreed, documented, mismatches };
}
