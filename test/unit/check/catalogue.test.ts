import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AUDIT_REQUESTS, CATALOGUE, checkDef, compareIds } from '../../../src/check/catalogue.ts';

const CIS_AUTOMATED = ['4.1.1', '4.1.2', '4.1.5', '4.1.6', '4.1.9', '4.1.10', '4.1.11', '4.2.1', '4.2.2', '4.2.3', '4.2.6', '4.2.10', '4.3.1'];
const CIS_MANUAL = ['4.1.3', '4.1.4', '4.1.7', '4.1.8', '4.2.4', '4.2.5', '4.2.7', '4.2.8', '4.2.9', '4.2.11', '4.2.12', '4.2.13', '4.2.14'];

describe('the check catalogue', () => {
  it('has every CIS worker-node check with its Automated/Manual assessment (cis-1.12, 4.1.11 from v2.1.0)', () => {
    const cis = CATALOGUE.filter((d) => d.source === 'cis');
    expect(cis.map((d) => d.id).sort(compareIds)).toEqual([...CIS_AUTOMATED, ...CIS_MANUAL].sort(compareIds));
    for (const id of CIS_AUTOMATED) expect(checkDef(id)?.assessment, id).toBe('automated');
    for (const id of CIS_MANUAL) expect(checkDef(id)?.assessment, id).toBe('manual');
    for (const def of cis) expect(def.audit, `${def.id} has an audit`).toBeDefined();
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
    expect(['4.2.10', 'SYS-01', '4.1.2', '4.2.2', 'ZZZ', '4.1.10'].sort(compareIds)).toEqual(['4.1.2', '4.1.10', '4.2.2', '4.2.10', 'SYS-01', 'ZZZ']);
  });

  it("asks only stat, glob and sysctl facts: one exec with the plan's", () => {
    expect(new Set(AUDIT_REQUESTS.map((r) => r.kind))).toEqual(new Set(['file', 'glob', 'sysctl']));
    for (const r of AUDIT_REQUESTS) if (r.kind === 'file') expect(r.content, r.path).toBe(false);
  });
});
