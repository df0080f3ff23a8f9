import { describe, expect, it } from 'vitest';
import { lintExposition, renderExposition } from '../../../src/report/prometheus.ts';

const VALID = `# HELP nodeward_drift_node_changes Changes per node.
# TYPE nodeward_drift_node_changes gauge
nodeward_drift_node_changes{node="node-1"} 3
nodeward_drift_node_changes{node="node-2"} 0
# HELP nodeward_runs_total Runs.
# TYPE nodeward_runs_total counter
nodeward_runs_total 7
# HELP nodeward_x A \\\\ backslash and a \\n newline.
# TYPE nodeward_x gauge
nodeward_x{a="q\\"uote",b="back\\\\slash"} 1.5e3
nodeward_x{a="inf"} +Inf
nodeward_x{a="nan"} NaN
`;

describe('lintExposition (what promtool check metrics and node_exporter reject)', () => {
  it('accepts valid text', () => {
    expect(lintExposition(VALID)).toEqual([]);
  });

  it.each([
    ['a bad metric name', 'nodeward-x 1\n', /not a sample/],
    ['a bad label name', 'x{1a="b"} 1\n', /bad label name/],
    ['a reserved label name', 'x{__name__="b"} 1\n', /bad label name/],
    ['an unquoted label value', 'x{a=b} 1\n', /bad labels/],
    ['a bad value', 'x 1,5\n', /bad value/],
    ['a duplicate series', 'x{a="1",b="2"} 1\nx{b="2",a="1"} 2\n', /duplicate series/],
    ['a repeated label', 'x{a="1",a="2"} 1\n', /label repeats/],
    ['a family split in two', 'x 1\ny 2\nx{a="1"} 3\n', /contiguous/],
    ['a second TYPE', '# TYPE x gauge\n# TYPE x gauge\nx 1\n', /second TYPE/],
    ['HELP after the samples', 'x 1\n# HELP x late\n', /after its samples/],
    ['a counter without _total', '# TYPE x counter\nx 1\n', /_total/],
    ['an unknown type', '# TYPE x thing\nx 1\n', /bad TYPE/],
    ['no final newline', 'x 1', /newline/],
  ])('finds %s', (_what, text, problem) => {
    expect(lintExposition(text).join('\n')).toMatch(problem);
  });
});

describe('renderExposition', () => {
  it('writes HELP and TYPE before each family, escapes help and label values, sorts labels', () => {
    const text = renderExposition([
      { name: 'm', help: 'line one\nback\\slash', type: 'gauge', samples: [{ labels: { z: '1', a: 'say "hi"\n' }, value: 2 }] },
      { name: 'n', help: 'no labels', type: 'gauge', samples: [{ labels: {}, value: Infinity }] },
    ]);
    expect(text).toBe('# HELP m line one\\nback\\\\slash\n# TYPE m gauge\nm{a="say \\"hi\\"\\n",z="1"} 2\n# HELP n no labels\n# TYPE n gauge\nn +Inf\n');
    expect(lintExposition(text)).toEqual([]);
  });
});
