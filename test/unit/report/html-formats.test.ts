import { describe, expect, it } from 'vitest';
import type { CheckReport } from '../../../src/check/types.ts';
import { checkToJson } from '../../../src/report/check-json.ts';
import { renderCheckHtml } from '../../../src/report/check-html.ts';
import { driftToJson } from '../../../src/report/drift-json.ts';
import { renderDriftHtml } from '../../../src/report/drift-html.ts';
import { checkReport, driftReport, HOSTILE, hostileCheckReport, hostileDriftReport } from './html-fixtures.ts';

const CHECK_CONTEXT = { inventory: '/etc/nodeward/inventory.yaml', nodewardVersion: '9.8.7', hint: 'Fix with: nodeward apply -i /etc/nodeward/inventory.yaml' };
const DRIFT_CONTEXT = { nodewardVersion: '9.8.7', benchmark: 'cis-1.12 (the inventory\'s)' };

const unescape = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** The heatmap's cells as the page states them: row, column, state (read from the markup, not from the renderer). */
function cells(html: string): { row: string; col: string; state: string }[] {
  return [...html.matchAll(/<td class="cell [^"]*" data-col="\d+" data-row="([^"]*)" data-colkey="([^"]*)" data-state="([^"]*)"/g)].map((m) => ({ row: unescape(m[1] ?? ''), col: unescape(m[2] ?? ''), state: unescape(m[3] ?? '') }));
}

/** Every src/href/… of every tag, and every url()/@import of the CSS (escaped text holds no tag: `&lt;img src=x` is not one). */
function references(html: string): string[] {
  const tags = [...html.matchAll(/<[a-zA-Z][^>]*>/g)].map((m) => m[0]);
  // attribute by attribute, each quoted value consumed whole: `title="… src=x …"` is one title
  const attrs = tags.flatMap((tag) =>
    [...tag.replace(/^<[a-zA-Z0-9]+/, '').matchAll(/\s*([^\s=>/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?/g)]
      .filter((m) => /^(?:src|href|action|srcset|poster|data|formaction|xlink:href|background)$/i.test(m[1] ?? ''))
      .map((m) => (m[2] ?? '').replace(/^["']|["']$/g, '')),
  );
  const css = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] ?? '').join('\n');
  return [...attrs, ...[...css.matchAll(/url\(\s*["']?([^"')]*)/gi), ...css.matchAll(/@import\s+["']?([^"';]*)/gi)].map((m) => m[1] ?? '')];
}

describe('check report: html', () => {
  it('has one cell per node × check, each with the status the JSON report gives', () => {
    const report = checkReport();
    const json = checkToJson(report) as { nodes: { name: string }[]; checks: { id: string; results: { node: string; status: string }[] }[] };
    const got = cells(renderCheckHtml(report, CHECK_CONTEXT));
    const want = json.nodes.flatMap((n) => json.checks.map((c) => ({ row: n.name, col: c.id, state: c.results.find((r) => r.node === n.name)?.status ?? 'missing' })));
    expect(got).toHaveLength(3 * report.checks.length);
    expect(got).toEqual(want);
    // the fixture has each kind of cell: the comparison can tell them apart
    expect(new Set(got.map((c) => c.state))).toEqual(new Set(['pass', 'fail', 'warn', 'n/a', 'error']));
  });

  it('names the run: inventory, benchmark, time, nodeward version, playbooks', () => {
    const html = renderCheckHtml(checkReport(), CHECK_CONTEXT);
    const report = checkReport();
    for (const [label, value] of [['Inventory', '/etc/nodeward/inventory.yaml'], ['Benchmark', report.benchmark], ['Time', '2026-11-26T00:00:00.000Z'], ['nodeward', '9.8.7'], ['Playbooks', 'kubelet, files']] as const) {
      expect(html).toContain(`<tr><th scope="row">${label}</th><td>${value.replace(/'/g, '&#39;')}</td></tr>`);
    }
  });

  it('gives per check and per node the reason and the fix', () => {
    const report = checkReport();
    const html = renderCheckHtml(report, CHECK_CONTEXT);
    const check = report.checks.find((c) => c.id === '4.2.4');
    const onNode1 = check?.nodes.find((r) => r.node === 'node-1');
    expect(onNode1?.reasons.length).toBeGreaterThan(0);
    const reason = onNode1?.reasons[0] ?? '';
    // once under the check, once under the node, once in the cell's tooltip
    expect(html.split(reason).length - 1).toBeGreaterThanOrEqual(3);
    expect(html).toContain('<b>apply would:</b> <span class="mono">kubeletConfig /var/lib/kubelet/config.yaml: readOnlyPort: 10255 → 0 (restarts kubelet)</span>');
    expect(html).toContain('node-3: not checked: node-3: connect timed out');
    expect(html).toContain(CHECK_CONTEXT.hint);
  });

  it('escapes every value: markup in a reason, title, fix or error is text, and the only script is its own', () => {
    const html = renderCheckHtml(hostileCheckReport(), CHECK_CONTEXT);
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('onerror="');
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt;&lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt;&quot;&#39;&amp;');
    // attributes too: a tooltip holding the reason cannot close its quote
    expect(html).toMatch(/title="[^"]*&lt;script&gt;[^"]*"/);
  });

  it('loads nothing: no external URL, only same-page anchors; a CSP forbids every fetch', () => {
    const html = renderCheckHtml(checkReport(), CHECK_CONTEXT);
    const refs = references(html);
    expect(refs.length).toBeGreaterThan(10);
    expect(refs.filter((r) => !r.startsWith('#'))).toEqual([]);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-[A-Za-z0-9+/=]+'/);
  });

  it('rows and columns carry their failure counts for sorting; the node table is most-failing first', () => {
    const report: CheckReport = checkReport();
    const html = renderCheckHtml(report, CHECK_CONTEXT);
    const fails = (node: string): number => report.checks.filter((c) => c.nodes.some((r) => r.node === node && r.status === 'fail')).length;
    for (const node of ['node-1', 'node-2', 'node-3']) expect(html).toContain(`data-fails="${fails(node)}" data-key="${node}"`);
    expect(fails('node-1')).toBeGreaterThan(fails('node-2'));
    const nodeTable = html.slice(html.indexOf('<h2>Nodes</h2>'));
    expect(nodeTable.indexOf('<td>node-1</td>')).toBeLessThan(nodeTable.indexOf('<td>node-2</td>'));
  });
});

describe('drift report: html', () => {
  it('has one cell per node × rule with the rule state the JSON report gives; an unread node is NOT READ', () => {
    const report = driftReport();
    const json = driftToJson(report) as { nodes: { name: string; rules: { id: string; state: string }[] }[] };
    const got = cells(renderDriftHtml(report, DRIFT_CONTEXT));
    const rules = [...new Set(json.nodes.flatMap((n) => n.rules.map((r) => r.id)))];
    expect(rules).toHaveLength(3);
    const want = json.nodes.flatMap((n) => rules.map((id) => ({ row: n.name, col: id, state: n.rules.find((r) => r.id === id)?.state ?? (n.rules.length === 0 ? 'unread' : 'not-applicable') })));
    expect(got).toEqual(want);
    expect(got.filter((c) => c.row === 'node-3').map((c) => c.state)).toEqual(['unread', 'unread', 'unread']);
  });

  it('says per item new, persisting since when, or gone since the last run; and the run metadata', () => {
    const html = renderDriftHtml(driftReport(), DRIFT_CONTEXT);
    expect(html).toMatch(/<span class="badge c-bad">PERSISTING<\/span><\/td><td>persisting since 2026-11-25T03:00:00\.000Z<\/td>/);
    expect(html).toMatch(/<span class="badge c-bad">NEW<\/span><\/td><td>new: first seen by this run \(2026-11-26T03:00:00\.000Z\)<\/td>/);
    expect(html).toMatch(/GONE<\/span><\/td><td>fixed since the run of 2026-11-25T03:00:04\.000Z \(first seen 2026-11-20T03:00:00\.000Z\)<\/td><td class="mono">sysctl \/etc\/sysctl\.d\/90-x\.conf/);
    for (const [label, value] of [['Inventory', '/etc/nodeward/inventory.yaml'], ['Benchmark', 'cis-1.12 (the inventory&#39;s)'], ['nodeward', '9.8.7'], ['Run', '20261126T030000Z-abcdef'], ['Exit', '6 (drift found, and some nodes unreachable)']] as const) {
      expect(html).toContain(`<tr><th scope="row">${label}</th><td>${value}</td></tr>`);
    }
    expect(html).toContain('2026-11-26T03:00:00.000Z – 2026-11-26T03:00:04.000Z (4.0 s)');
  });

  it('escapes every value and loads nothing', () => {
    const html = renderDriftHtml(hostileDriftReport(), DRIFT_CONTEXT);
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain('<img');
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt;');
    expect(references(html).filter((r) => !r.startsWith('#'))).toEqual([]);
    expect(html).not.toMatch(/https?:\/\//);
  });
});
