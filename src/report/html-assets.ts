/**
 * The HTML reports' inline style and script: constants, so the page's Content-Security-Policy can
 * allow exactly this script by its hash. No report value is ever put in here: the script reads
 * the report from the DOM's data- attributes.
 */

/**
 * Okabe–Ito colours (readable with every common colour-vision deficiency): blue passes, vermillion
 * fails, yellow warns, grey is not applicable, black could not be decided; each cell also shows
 * a symbol, so nothing depends on colour alone (nor on a colour printer).
 */
export const PAGE_CSS = `
:root { color-scheme: light; --good: #0072B2; --bad: #D55E00; --warn: #F0E442; --fixed: #56B4E9; --none: #e6e6e6; --error: #000; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 1.5rem; color: #111; background: #fff; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: #f6f6f6; padding: .5rem; overflow-x: auto; }
table { border-collapse: collapse; }
table.facts th { text-align: left; padding: 1px 1rem 1px 0; font-weight: 600; vertical-align: top; }
table.list { margin: .5rem 0; }
table.list th, table.list td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
table.list th { background: #f0f0f0; }
.scroll { overflow: auto; max-height: 80vh; border: 1px solid #ccc; }
table.heatmap { font-size: 12px; }
table.heatmap th, table.heatmap td { border: 1px solid #fff; padding: 0; }
table.heatmap thead th { position: sticky; top: 0; background: #fff; z-index: 1; vertical-align: bottom; }
table.heatmap tbody th, table.heatmap tfoot th { position: sticky; left: 0; background: #fff; text-align: left; padding: 0 .5rem; white-space: nowrap; font-weight: 600; }
table.heatmap th.col span { writing-mode: vertical-rl; transform: rotate(180deg); display: inline-block; max-height: 18rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; padding: 2px 0; }
table.heatmap th.col a { color: inherit; text-decoration: none; }
table.heatmap td.fails { text-align: right; padding: 0 .4rem; font-weight: 600; }
table.heatmap td.cell { width: 1.7em; min-width: 1.7em; height: 1.7em; text-align: center; font-weight: 700; }
table.heatmap td.cell a { color: inherit; text-decoration: none; display: block; }
table.heatmap tbody tr:hover th, table.heatmap tbody tr:hover td.fails { background: #eee; }
.zero { color: #999; font-weight: 400; }
.c-good { background: var(--good); color: #fff; }
.c-bad { background: var(--bad); color: #fff; }
.c-warn { background: var(--warn); color: #000; }
.c-fixed { background: var(--fixed); color: #000; }
.c-none { background: var(--none); color: #555; }
.c-error { background: var(--error); color: #fff; }
.swatch { display: inline-block; width: 1.5em; text-align: center; font-weight: 700; border-radius: 2px; }
.badge { display: inline-block; min-width: 4.5em; text-align: center; font-weight: 700; border-radius: 2px; padding: 0 .3em; font-size: 12px; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.sort-buttons button { font: inherit; padding: 2px 8px; margin-right: 4px; cursor: pointer; }
.sort-buttons button[aria-pressed="true"] { font-weight: 700; }
details { margin: .25rem 0 .5rem; }
details > summary { cursor: pointer; }
.group { margin: .25rem 0 .5rem 1.5rem; }
.group ul { margin: .1rem 0; padding-left: 1.2rem; }
.note { color: #555; }
.warning { border-left: 4px solid var(--bad); padding-left: .5rem; }
:target { outline: 3px solid var(--good); }
@media print { .scroll { max-height: none; overflow: visible; } .sort-buttons { display: none; } }
`;

/**
 * Sorting, when scripts run: rows (nodes) or columns (checks, rules) by failure count, most first,
 * ties in the report's order; "original order" puts both back. The page reads fine without it.
 */
export const HEATMAP_SCRIPT = `
(function () {
  'use strict';
  function num(el, name) { return Number(el.getAttribute(name)) || 0; }
  function order(items, how) {
    return items.slice().sort(function (a, b) {
      var d = how === 'original' ? 0 : num(b, 'data-fails') - num(a, 'data-fails');
      return d !== 0 ? d : num(a, 'data-index') - num(b, 'data-index');
    });
  }
  function sortRows(table, how) {
    var body = table.tBodies[0];
    order(Array.prototype.slice.call(body.rows), how).forEach(function (row) { body.appendChild(row); });
  }
  function sortCols(table, how) {
    var heads = Array.prototype.slice.call(table.tHead.rows[0].querySelectorAll('th[data-col]'));
    var cols = order(heads, how).map(function (th) { return th.getAttribute('data-col'); });
    Array.prototype.forEach.call(table.rows, function (row) {
      var byCol = {};
      Array.prototype.forEach.call(row.children, function (cell) { if (cell.hasAttribute('data-col')) byCol[cell.getAttribute('data-col')] = cell; });
      cols.forEach(function (c) { if (byCol[c]) row.appendChild(byCol[c]); });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll('.sort-buttons'), function (p) { p.hidden = false; });
  Array.prototype.forEach.call(document.querySelectorAll('button[data-sort]'), function (button) {
    button.setAttribute('aria-pressed', 'false');
    button.addEventListener('click', function () {
      var table = document.getElementById(button.getAttribute('data-table'));
      if (!table) return;
      var how = button.getAttribute('data-sort');
      if (how === 'rows' || how === 'original') sortRows(table, how);
      if (how === 'cols' || how === 'original') sortCols(table, how);
      Array.prototype.forEach.call(button.parentNode.querySelectorAll('button'), function (b) {
        if (how === 'original' || b.getAttribute('data-sort') === 'original') b.setAttribute('aria-pressed', 'false');
      });
      if (how !== 'original') button.setAttribute('aria-pressed', 'true');
    });
  });
})();
`;
