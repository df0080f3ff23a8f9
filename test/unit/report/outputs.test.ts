import { describe, expect, it } from 'vitest';
import { parseOutputs } from '../../../src/report/outputs.ts';

const FORMATS = ['table', 'json', 'prometheus'] as const;

describe('parseOutputs (--format FMT[=FILE], --output FILE)', () => {
  it('defaults to the fallback on stdout', () => {
    expect(parseOutputs([], undefined, FORMATS, 'table')).toEqual([{ format: 'table', file: undefined }]);
  });

  it('sends each format to its own file, one to stdout, --output to the bare one', () => {
    expect(parseOutputs(['table', 'json=a.json', 'prometheus=/x/n.prom'], undefined, FORMATS, 'table')).toEqual([
      { format: 'table', file: undefined },
      { format: 'json', file: 'a.json' },
      { format: 'prometheus', file: '/x/n.prom' },
    ]);
    expect(parseOutputs(['json'], 'out.json', FORMATS, 'table')).toEqual([{ format: 'json', file: 'out.json' }]);
    expect(parseOutputs([], 'out.txt', FORMATS, 'table')).toEqual([{ format: 'table', file: 'out.txt' }]);
  });

  it.each([
    [['yaml'], undefined, /not one of table, json, prometheus/],
    [['json', 'table'], undefined, /only one format can go to stdout/],
    [['json', 'table'], 'x', /exactly one --format without =FILE/],
    [['json=a', 'table=a'], undefined, /two formats would be written to a/],
    [['json='], undefined, /file name is missing/],
  ])('refuses %j with --output %s', (specs, output, message) => {
    expect(() => parseOutputs(specs, output, FORMATS, 'table')).toThrow(message);
  });
});
