import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AUDIT_REQUESTS, catalogue, checkDef, compareIds } from '../../../src/check/catalogue.ts';
import { BENCHMARK_IDS } from '../../../src/config/benchmark-ids.ts';

const CATALOGUE = catalogue();

const CIS_AUTOMATED = ['4.1.1', '4.1.2', '4.1.5', '4.1.6', '4.1.9', '4.1.10', '4.1.11', '4.2.1', '4.2.2', '4.2.3', '4.2.6', '4.2.10', '4.3.1'];
const CIS_MANUAL = ['4.1.3', '4.1.4', '4.1.7', '4.1.8', '4.2.4', '4.2.5', '4.2.7', '4.2.8', '4.2.9', '4.2.11', '4.2.12', '4.2.13', '4.2.14'];

/** kube-bench's definitions per version (and CIS v2.1.0's 4.1.11 in each): 4.2.14 from 1.11, 4.2.15 in 1.11 only. */
const CIS_IDS: Record<string, string[]> = {
  'cis-1.9': [...CIS_AUTOMATED, ...CIS_MANUAL].filter((id) => id !== '4.2.14'),
  'cis-1.10': [...CIS_AUTOMATED, ...CIS_MANUAL].filter((id) => id !== '4.2.14'),
  'cis-1.11': [...CIS_AUTOMATED, ...CIS_MANUAL, '4.2.15'],
  'cis-1.12': [...CIS_AUTOMATED, ...CIS_MANUAL],
};

describe('the check catalogue', () => {
  it.each(BENCHMARK_IDS)('has every CIS worker-node check of %s with its Automated/Manual assessment', (benchmark) => {
    const cis = catalogue(benchmark).filter((d) => d.source === 'cis');
    expect(cis.map((d) => d.id)).toEqual([...(CIS_IDS[benchmark] ?? [])].sort(compareIds));
    for (const def of cis) expect(def.assessment, def.id).toBe(CIS_AUTOMATED.includes(def.id) ? 'automated' : 'manual');
    for (const def of cis) expect(def.audit, `${def.id} has an audit`).toBeDefined();
  });

  it('words what differs between versions as each version does', () => {
    expect(checkDef('4.1.7', 'cis-1.10')?.title).toMatch(/600 or more restrictive/);
    expect(checkDef('4.1.7', 'cis-1.12')?.title).toMatch(/644 or more restrictive/);
    expect(checkDef('4.1.7', 'cis-1.10')?.remediation).toBe('chmod 600 the client CA file');
    expect(checkDef('4.2.15', 'cis-1.12')).toBeUndefined();
    expect(checkDef('4.2.14', 'cis-1.10')).toBeUndefined();
  });

  it('ids are unique, every check has a title and a remediation', () => {
    expect(new Set(CATALOGUE.map((d) => d.id)).size).toBe(CATALOGUE.length);
    for (const def of CATALOGUE) {
      expect(def.title.length, def.id).toBeGreaterThan(5);
      expect(def.remediation.length, def.id).toBeGreaterThan(5);
    }
  });

  it('knows every id the bundled playbooks carry', () => {
    const dir = join(import.meta.dirname, '../../../playbooks');
    const ids = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .flatMap((f) => ((parse(readFileSync(join(dir, f), 'utf8')) as { resources?: { checks?: string[] }[] }).resources ?? []).flatMap((r) => r.checks ?? []));
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.filter((id) => !checkDef(id))).toEqual([]);
  });

  it('sorts CIS ids numerically, then the guide in catalogue order', () => {
    expect(['4.2.10', 'SYS-01', '4.1.2', '4.2.15', '4.2.2', 'ZZZ', '4.1.10', '4.3.1'].sort(compareIds)).toEqual(['4.1.2', '4.1.10', '4.2.2', '4.2.10', '4.2.15', '4.3.1', 'SYS-01', 'ZZZ']);
  });

  it("asks only stat, glob, sysctl and the kubelet's version: one exec with the plan's", () => {
    expect(new Set(AUDIT_REQUESTS.map((r) => r.kind))).toEqual(new Set(['file', 'glob', 'sysctl', 'kubeletVersion']));
    for (const r of AUDIT_REQUESTS) if (r.kind === 'file') expect(r.content, r.path).toBe(false);
  });
});
