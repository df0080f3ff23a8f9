import { createHash } from 'node:crypto';
import { HEATMAP_SCRIPT, PAGE_CSS } from './html-assets.ts';

/**
 * The pieces both HTML reports (check, drift) are built from: escaping, the page shell, the
 * heatmap. One self-contained file: inline CSS and one inline script, no URL that leaves the page.
 */

/** Text and attribute values: every value from a report passes through here. */
export function esc(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** One state a heatmap cell can show: never colour alone, always a symbol and a word. */
export interface CellStyle {
  readonly symbol: string;
  readonly word: string;
  /** CSS class carrying the colour (blue/orange/yellow/grey/black, Okabe–Ito: safe for colour-blind readers). */
  readonly css: string;
}

export const CELL_STYLES = {
  pass: { symbol: '✓', word: 'PASS', css: 'c-good' },
  fail: { symbol: '✗', word: 'FAIL', css: 'c-bad' },
  warn: { symbol: '!', word: 'WARN', css: 'c-warn' },
  'n/a': { symbol: '–', word: 'N/A', css: 'c-none' },
  error: { symbol: '?', word: 'ERROR', css: 'c-error' },
  'in-sync': { symbol: '✓', word: 'IN SYNC', css: 'c-good' },
  drift: { symbol: '✗', word: 'DRIFT', css: 'c-bad' },
  fixed: { symbol: '↻', word: 'FIXED', css: 'c-fixed' },
  'not-applicable': { symbol: '–', word: 'N/A', css: 'c-none' },
  unread: { symbol: '?', word: 'NOT READ', css: 'c-error' },
} as const satisfies Record<string, CellStyle>;

export type CellState = keyof typeof CELL_STYLES;

export interface HeatmapCell {
  readonly state: CellState;
  /** The tooltip: node, column, state and why. */
  readonly title: string;
  /** Where the details are (`#id` on the same page). */
  readonly href?: string | undefined;
}

export interface Heatmap {
  readonly id: string;
  readonly caption: string;
  /** What the rows are (`node`) and the columns (`check`, `rule`). */
  readonly rowNoun: string;
  readonly colNoun: string;
  readonly rows: readonly { readonly key: string; readonly title: string; readonly href?: string | undefined }[];
  readonly cols: readonly { readonly key: string; readonly title: string; readonly href?: string | undefined }[];
  /** cells[row][col] */
  readonly cells: readonly (readonly HeatmapCell[])[];
  /** The states counted as failures, by which rows and columns sort, and what the count is called. */
  readonly failing: readonly CellState[];
  readonly failLabel: string;
}

/** A count, or nothing where it is 0: the eye goes to the non-zero ones. */
const count = (n: number): string => (n === 0 ? '<span class="zero">0</span>' : String(n));

/**
 * A fleet × check table. Every cell carries its state as `data-state`, a symbol and a hidden word;
 * rows and columns carry their failure count (`data-fails`) and original place (`data-index`), which
 * the inline script sorts by. Without the script the table reads in the report's own order.
 */
export function renderHeatmap(map: Heatmap): string {
  const failing = new Set<CellState>(map.failing);
  const rowFails = map.cells.map((row) => row.filter((c) => failing.has(c.state)).length);
  const colFails = map.cols.map((_, j) => map.cells.filter((row) => row[j] !== undefined && failing.has(row[j].state)).length);
  const used = [...new Set(map.cells.flat().map((c) => c.state))];
  const out: string[] = [];
  out.push(`<section class="heatmap-wrap" aria-labelledby="${esc(map.id)}-h">`);
  out.push(`<h2 id="${esc(map.id)}-h">${esc(map.caption)}</h2>`);
  out.push(`<p class="legend">${used.map((s) => `<span class="${CELL_STYLES[s].css} swatch">${CELL_STYLES[s].symbol}</span> ${CELL_STYLES[s].word}`).join(' &nbsp; ')}</p>`);
  out.push(
    `<p class="sort-buttons" hidden>Sort: ` +
      `<button type="button" data-sort="rows" data-table="${esc(map.id)}">${esc(map.rowNoun)}s by ${esc(map.failLabel)}</button> ` +
      `<button type="button" data-sort="cols" data-table="${esc(map.id)}">${esc(map.colNoun)}s by ${esc(map.failLabel)}</button> ` +
      `<button type="button" data-sort="original" data-table="${esc(map.id)}">original order</button></p>`,
  );
  out.push(`<div class="scroll"><table class="heatmap" id="${esc(map.id)}">`);
  out.push(`<thead><tr><th scope="col" class="corner">${esc(map.rowNoun)}</th><th scope="col" class="fails">${esc(map.failLabel)}</th>`);
  map.cols.forEach((col, j) => {
    const label = col.href ? `<a href="${esc(col.href)}">${esc(col.key)}</a>` : esc(col.key);
    out.push(`<th scope="col" class="col" data-col="${j}" data-index="${j}" data-fails="${colFails[j] ?? 0}" data-key="${esc(col.key)}" title="${esc(col.title)}"><span>${label}</span></th>`);
  });
  out.push('</tr></thead><tbody>');
  map.rows.forEach((row, i) => {
    out.push(`<tr data-index="${i}" data-fails="${rowFails[i] ?? 0}" data-key="${esc(row.key)}"><th scope="row" title="${esc(row.title)}">${row.href ? `<a href="${esc(row.href)}">${esc(row.key)}</a>` : esc(row.key)}</th><td class="fails">${count(rowFails[i] ?? 0)}</td>`);
    (map.cells[i] ?? []).forEach((cell, j) => {
      const style = CELL_STYLES[cell.state];
      const inner = `<span aria-hidden="true">${style.symbol}</span><span class="sr">${style.word}</span>`;
      out.push(
        `<td class="cell ${style.css}" data-col="${j}" data-row="${esc(row.key)}" data-colkey="${esc(map.cols[j]?.key ?? '')}" data-state="${esc(cell.state)}" title="${esc(cell.title)}">` +
          (cell.href ? `<a href="${esc(cell.href)}">${inner}</a>` : inner) +
          '</td>',
      );
    });
    out.push('</tr>');
  });
  out.push(`</tbody><tfoot><tr><th scope="row">${esc(map.failLabel)}</th><td class="fails"></td>`);
  map.cols.forEach((_, j) => out.push(`<td class="fails" data-col="${j}">${count(colFails[j] ?? 0)}</td>`));
  out.push('</tr></tfoot></table></div></section>');
  return out.join('\n');
}

/** A small key/value table: the run's metadata. */
export function renderFacts(rows: readonly (readonly [string, string])[]): string {
  return `<table class="facts">${rows.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

/** An ordinary table of escaped text. */
export function renderTextTable(headers: readonly string[], rows: readonly (readonly string[])[], css = 'list'): string {
  const head = `<thead><tr>${headers.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table class="${esc(css)}">${head}<tbody>${body}</tbody></table>`;
}

/** The CSP's hash of the one script the page may run: anything that slipped past escaping would not. */
const SCRIPT_HASH = createHash('sha256').update(HEATMAP_SCRIPT).digest('base64');

/**
 * The whole page. The Content-Security-Policy allows nothing from anywhere (no fetch, no image, no
 * font, no frame) but the inline style and the one hashed script.
 */
export function renderPage(title: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'; img-src data:; base-uri 'none'; form-action 'none'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="nodeward">',
    `<title>${esc(title)}</title>`,
    `<style>${PAGE_CSS}</style>`,
    '</head>',
    '<body>',
    body,
    `<script>${HEATMAP_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
