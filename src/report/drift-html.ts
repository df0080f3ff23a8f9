import { shardLabel } from '../drift/shard.ts';
import type { DriftItem, DriftNode, DriftReport, DriftRule } from '../drift/types.ts';
import { ruleSummary } from './drift-summary.ts';
import { countsText, exitMeaning, headline } from './drift-text.ts';
import { CELL_STYLES, esc, renderFacts, renderHeatmap, renderPage, renderTextTable, type CellState } from './html.ts';

/** What the drift report does not carry itself but the page names. */
export interface DriftHtmlContext {
  readonly nodewardVersion: string;
  /** The benchmark the inventory names, in words (drift compares with playbooks; check judges by it). */
  readonly benchmark: string;
}

const nodeAnchor = (i: number): string => `node-${i}`;
const tag = (css: string, text: string): string => `<span class="badge ${css}">${esc(text)}</span>`;

/** Every rule any node has, in the order the nodes list them. */
function ruleIds(report: DriftReport): string[] {
  return [...new Set(report.nodes.flatMap((n) => n.rules.map((r) => r.id)))];
}

function cellState(node: DriftNode, rule: DriftRule | undefined): CellState {
  if (rule) return rule.state;
  // a node not read has no rules at all; a read one without this rule does not have it in its playbooks
  return node.rules.length === 0 && node.status !== 'in-sync' ? 'unread' : 'not-applicable';
}

function cellWhy(node: DriftNode, rule: DriftRule | undefined): string {
  if (rule) return rule.reason ?? '';
  return node.rules.length === 0 && node.status !== 'in-sync' ? `${node.status}: ${node.reason ?? ''}` : 'not one of this node\'s rules';
}

function metadata(report: DriftReport, context: DriftHtmlContext): string {
  return renderFacts([
    ['Inventory', report.inventory],
    ['Benchmark', context.benchmark],
    ['Playbooks', report.playbooks.join(', ') || '(none)'],
    ['Run', report.runId],
    ['Time', `${report.startedAt} – ${report.finishedAt} (${report.durationSeconds.toFixed(1)} s)`],
    ['Compared with', report.previousRunAt ? `the run of ${report.previousRunAt}` : 'no previous run recorded'],
    ['Last success', report.lastSuccessAt ?? 'never'],
    ...(report.shard ? [['Shard', shardLabel(report.shard)] as [string, string]] : []),
    ['Mode', [report.fix ? '--fix' : 'report only', ...(report.sinceLast ? ['--since-last'] : [])].join(', ')],
    ['Exit', `${report.exitCode} (${exitMeaning(report.exitCode)})`],
    ['nodeward', context.nodewardVersion],
  ]);
}

/** new / persisting since when / fixed by this run, for one item. */
function itemState(item: DriftItem): { badge: string; since: string } {
  const since = item.state === 'new' ? `new: first seen by this run (${item.firstSeen})` : `persisting since ${item.firstSeen}`;
  if (item.fixed) return { badge: tag(CELL_STYLES.fixed.css, 'FIXED'), since: `${since}; fixed by this run's --fix` };
  return { badge: tag(CELL_STYLES.drift.css, item.state === 'new' ? 'NEW' : 'PERSISTING'), since };
}

/** Per node its drift items (and what is gone since the last run), with the diffs plan shows. */
function nodeDetails(report: DriftReport): string {
  return report.nodes
    .map((node, i) => {
      const rows: string[] = [];
      for (const item of node.items) {
        const { badge, since } = itemState(item);
        const diff = item.diff ? `<details><summary>diff</summary><pre>${esc(item.diff)}</pre></details>` : '';
        rows.push(
          `<tr data-node="${esc(node.name)}" data-item="${esc(item.id)}"><td>${badge}</td><td>${esc(since)}</td><td class="mono">${esc(item.kind)} ${esc(item.target)}</td>` +
            `<td>${esc(item.checks.join(', ') || '-')}</td><td class="mono">${esc(item.rules.join(', '))}</td><td>${item.summary.map((s) => `<div class="mono">${esc(s)}</div>`).join('')}${diff}</td></tr>`,
        );
      }
      for (const gone of node.resolved) {
        const when = report.previousRunAt ? `fixed since the run of ${report.previousRunAt} (first seen ${gone.firstSeen})` : `fixed (first seen ${gone.firstSeen})`;
        rows.push(
          `<tr data-node="${esc(node.name)}" data-item="${esc(gone.id)}"><td>${tag(CELL_STYLES['in-sync'].css, 'GONE')}</td><td>${esc(when)}</td><td class="mono">${esc(gone.kind)} ${esc(gone.target)}</td>` +
            `<td>${esc(gone.checks.join(', ') || '-')}</td><td class="mono">${esc(gone.rules.join(', '))}</td><td>${gone.summary.map((s) => `<div class="mono">${esc(s)}</div>`).join('')}</td></tr>`,
        );
      }
      const fix = node.fix ? `<p>--fix: ${esc(node.fix.status)}${node.fix.reason ? `: ${esc(node.fix.reason)}` : ''}${node.fix.restarted.length > 0 ? `; restarted ${esc(node.fix.restarted.join(', '))}` : ''}</p>` : '';
      const table =
        rows.length === 0
          ? ''
          : `<table class="list"><thead><tr><th>State</th><th>Since</th><th>Change</th><th>Checks</th><th>Rules</th><th>What</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
      const open = rows.length > 0 && rows.length <= 20 ? ' open' : '';
      return `<details id="${nodeAnchor(i)}"${open}><summary><b>${esc(node.name)}</b> <span class="note">${esc(node.address)}</span> — ${esc(node.status)}: ${esc(countsText(node))}</summary><div class="group">${fix}${table}</div></details>`;
    })
    .join('\n');
}

/**
 * `--format html`: one self-contained page (no network, no CDN): the fleet × rule heatmap, per
 * node each drift item new, persisting since when or fixed, and the run's metadata. Pure.
 */
export function renderDriftHtml(report: DriftReport, context: DriftHtmlContext): string {
  const rules = ruleIds(report);
  const checksOf = new Map(report.nodes.flatMap((n) => n.rules.map((r) => [r.id, r.checks] as const)));
  const heatmap = renderHeatmap({
    id: 'heatmap',
    caption: `Fleet × rule: ${report.nodes.length} node(s), ${rules.length} rule(s)`,
    rowNoun: 'node',
    colNoun: 'rule',
    rows: report.nodes.map((n, i) => ({ key: n.name, title: `${n.name} (${n.address}): ${n.status}`, href: `#${nodeAnchor(i)}` })),
    cols: rules.map((id) => ({ key: id, title: `${id}${(checksOf.get(id) ?? []).length > 0 ? ` (${(checksOf.get(id) ?? []).join(', ')})` : ''}` })),
    cells: report.nodes.map((node, i) =>
      rules.map((id) => {
        const rule = node.rules.find((r) => r.id === id);
        const state = cellState(node, rule);
        const why = cellWhy(node, rule);
        return { state, title: `${node.name} · ${id}: ${CELL_STYLES[state].word}${why ? ` — ${why}` : ''}`, href: `#${nodeAnchor(i)}` };
      }),
    ),
    failing: ['drift'],
    failLabel: 'drift',
  });
  const summary = ruleSummary(report);
  const body = [
    `<header><h1>nodeward drift: ${esc(headline(report))}</h1>`,
    metadata(report, context),
    '</header>',
    report.notes.length > 0 ? `<div class="warning"><ul>${report.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></div>` : '',
    heatmap,
    '<h2>Nodes</h2>',
    renderTextTable(
      ['Node', 'Status', 'Drift', 'New', 'Persisting', 'Fixed', 'Gone', 'Note'],
      report.nodes.map((n) => [n.name, n.status, String(n.counts.found), String(n.counts.new), String(n.counts.persisting), String(n.counts.fixed), String(n.counts.resolved), n.reason ?? '']),
    ),
    nodeDetails(report),
    summary.length > 0 ? '<h2>Rules that drifted</h2>' : '',
    summary.length > 0 ? renderTextTable(['Rule', 'Checks', 'Nodes', 'Fixed on'], summary.map((r) => [r.rule, r.checks.join(', ') || '-', r.nodes.join(' '), r.fixed.join(' ')])) : '',
  ];
  return renderPage(`nodeward drift — ${headline(report)}`, body.filter((b) => b !== '').join('\n'));
}
