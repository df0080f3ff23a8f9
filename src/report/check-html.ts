import type { CheckReport, CheckResult, CheckStatus } from '../check/types.ts';
import { checkTotals, countsByNode, overallStatus } from './check-summary.ts';
import { describeFix, groups } from './check-table.ts';
import { CELL_STYLES, esc, renderFacts, renderHeatmap, renderPage, renderTextTable } from './html.ts';

/** What the check report does not carry itself but the page names. */
export interface CheckHtmlContext {
  readonly inventory: string;
  readonly nodewardVersion: string;
  /** How to fix what a playbook covers (the table's closing line). */
  readonly hint: string;
}

const badge = (status: CheckStatus): string => `<span class="badge ${CELL_STYLES[status].css}">${CELL_STYLES[status].symbol} ${CELL_STYLES[status].word}</span>`;
const checkAnchor = (i: number): string => `check-${i}`;
const nodeAnchor = (i: number): string => `node-${i}`;
const level = (check: CheckResult): string => (check.source === 'cis' ? check.assessment : 'guide');

function list(items: readonly string[], css = ''): string {
  return items.length === 0 ? '' : `<ul${css ? ` class="${css}"` : ''}>${items.map((i) => `<li>${i}</li>`).join('')}</ul>`;
}

/** The run's metadata: what was judged, by which benchmark, when, by which nodeward. */
function metadata(report: CheckReport, context: CheckHtmlContext): string {
  const t = checkTotals(report);
  const perNode = new Map<string, string[]>();
  for (const node of report.nodes) if (node.benchmark !== undefined) perNode.set(`${node.benchmark}: ${node.benchmarkReason}`, [...(perNode.get(`${node.benchmark}: ${node.benchmarkReason}`) ?? []), node.name]);
  return renderFacts([
    ['Inventory', context.inventory],
    ['Benchmark', report.benchmark],
    ['Benchmark versions', report.benchmarks.join(', ') || '(none)'],
    ...[...perNode].map(([choice, nodes]): [string, string] => ['Judged by', `${choice} (${nodes.join(' ')})`]),
    ['Playbooks', report.playbooks.join(', ') || '(none)'],
    ['Time', report.createdAt],
    ['nodeward', context.nodewardVersion],
    ['Result', `${t.checks} checks on ${t.nodes} node(s): ${t.automatedFailing} automated failing, ${t.manualFailing} manual failing (WARN), ${t.undecided} undecided, ${t.nodeErrors} node error(s)`],
  ]);
}

/** Nodes not read, read mid-change, or whose fixes apply would refuse: said before anything else. */
function warnings(report: CheckReport): string {
  const lines = [
    ...report.nodes.filter((n) => n.status === 'error').map((n) => `${n.name}: not checked: ${n.error ?? 'error'}`),
    ...report.nodes.filter((n) => n.lockedBy).map((n) => `${n.name}: locked by ${n.lockedBy ?? ''} while read: results may be mid-change`),
    ...report.nodes.filter((n) => n.refusal).map((n) => `${n.name}: apply would refuse these fixes: ${(n.refusal ?? '').replace(/^refused by the guards before any change: /, '')}`),
  ];
  return lines.length === 0 ? '' : `<div class="warning">${list(lines.map(esc))}</div>`;
}

/** Per check: its verdict, per group of nodes that read alike why, and the fix (apply's, or by hand). */
function checkDetails(report: CheckReport): string {
  return report.checks
    .map((check, i) => {
      const status = overallStatus(check);
      const open = status === 'fail' || status === 'warn' || status === 'error' ? ' open' : '';
      const parts = [`<details id="${checkAnchor(i)}"${open}><summary>${badge(status)} <b>${esc(check.id)}</b> ${esc(check.title)} <span class="note">(${esc(level(check))})</span></summary>`];
      if (check.kubeBench) parts.push(`<p class="note group">kube-bench: ${esc(check.kubeBench)}</p>`);
      for (const { nodes, result } of groups(check.nodes)) {
        const body = [
          ...result.reasons.map((r) => esc(r)),
          ...result.fixes.map((f) => `<b>apply would:</b> <span class="mono">${esc(describeFix(f))}</span>`),
          ...(result.failed && result.fixes.length === 0 ? [`<b>by hand:</b> ${esc(result.remediation ?? check.remediation)}`] : []),
          ...(result.entries.length > 0 ? [`<span class="note">playbook entries: ${esc(result.entries.join(', '))}</span>`] : []),
        ];
        parts.push(`<div class="group">${badge(result.status)} ${esc(nodes.join(' '))}${list(body)}</div>`);
      }
      parts.push('</details>');
      return parts.join('\n');
    })
    .join('\n');
}

/** Per node: how it was judged, its counts, and every check that did not pass there with why and the fix. */
function nodeDetails(report: CheckReport): string {
  const counts = countsByNode(report);
  return report.nodes
    .map((node, i) => {
      const c = counts.get(node.name);
      const head = `${esc(node.name)} <span class="note">${esc(node.address)}</span> — ${node.status === 'error' ? 'not checked' : `${c?.fail ?? 0} FAIL, ${c?.warn ?? 0} WARN, ${c?.pass ?? 0} PASS, ${c?.['n/a'] ?? 0} N/A`}`;
      const items: string[] = [];
      if (node.error) items.push(`<b>not checked:</b> ${esc(node.error)}`);
      if (node.benchmark) items.push(`<b>benchmark:</b> ${esc(node.benchmark)}: ${esc(node.benchmarkReason)}`);
      if (node.lockedBy) items.push(`<b>locked by</b> ${esc(node.lockedBy)} while read`);
      if (node.refusal) items.push(`<b>apply would refuse:</b> ${esc(node.refusal)}`);
      report.checks.forEach((check, j) => {
        const r = check.nodes.find((x) => x.node === node.name);
        if (!r || r.status === 'pass' || r.status === 'n/a' || r.status === 'error') return;
        const fix = r.fixes.length > 0 ? r.fixes.map((f) => `apply would: ${describeFix(f)}`).join('; ') : r.failed ? `by hand: ${r.remediation ?? check.remediation}` : '';
        items.push(`${badge(r.status)} <a href="#${checkAnchor(j)}">${esc(check.id)}</a> ${esc(r.reasons.join('; '))}${fix ? `<br><span class="mono">${esc(fix)}</span>` : ''}`);
      });
      return `<details id="${nodeAnchor(i)}"><summary>${head}</summary>${list(items, 'group')}</details>`;
    })
    .join('\n');
}

/** The node summary, most failures first (the order the script's sort gives, without it). */
function nodeSummary(report: CheckReport): string {
  const counts = countsByNode(report);
  const rows = report.nodes
    .map((node, i) => ({ node, i, c: counts.get(node.name) }))
    .sort((a, b) => (b.c?.fail ?? 0) - (a.c?.fail ?? 0) || a.i - b.i)
    .map(({ node, c }) => (node.status === 'error' ? [node.name, '-', '-', '-', '-', 'error'] : [node.name, String(c?.fail ?? 0), String(c?.warn ?? 0), String(c?.pass ?? 0), String(c?.['n/a'] ?? 0), '']));
  return renderTextTable(['Node', 'FAIL', 'WARN', 'PASS', 'N/A', 'Error'], rows);
}

/**
 * `--format html`: one self-contained page (no network, no CDN) with the fleet × check heatmap,
 * per check and per node the reason and the fix, and the run's metadata. Pure.
 */
export function renderCheckHtml(report: CheckReport, context: CheckHtmlContext): string {
  const t = checkTotals(report);
  const heatmap = renderHeatmap({
    id: 'heatmap',
    caption: `Fleet × check: ${report.nodes.length} node(s), ${report.checks.length} check(s)`,
    rowNoun: 'node',
    colNoun: 'check',
    rows: report.nodes.map((n, i) => ({ key: n.name, title: `${n.name} (${n.address})`, href: `#${nodeAnchor(i)}` })),
    cols: report.checks.map((c, j) => ({ key: c.id, title: `${c.id} ${c.title} (${level(c)})`, href: `#${checkAnchor(j)}` })),
    cells: report.nodes.map((node) =>
      report.checks.map((check, j) => {
        const r = check.nodes.find((x) => x.node === node.name);
        const state: CheckStatus = r?.status ?? 'n/a';
        const why = r && r.reasons.length > 0 ? ` — ${r.reasons.join('; ')}` : '';
        return { state, title: `${node.name} · ${check.id}: ${CELL_STYLES[state].word}${why}`, href: `#${checkAnchor(j)}` };
      }),
    ),
    failing: ['fail'],
    failLabel: 'failures',
  });
  const body = [
    `<header><h1>nodeward check: ${esc(report.benchmark)}</h1>`,
    metadata(report, context),
    '</header>',
    warnings(report),
    heatmap,
    '<h2>Nodes</h2>',
    nodeSummary(report),
    nodeDetails(report),
    '<h2>Checks</h2>',
    checkDetails(report),
    t.automatedFailing + t.manualFailing > 0 && context.hint ? `<p>${esc(context.hint)}</p>` : '',
  ];
  return renderPage(`nodeward check — ${report.nodes.length} node(s), ${t.automatedFailing} automated failing`, body.filter((b) => b !== '').join('\n'));
}
