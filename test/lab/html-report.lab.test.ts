import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labHeal, labReset } from '../../lab/lab.ts';
import { renderCheckHtml } from '../../src/report/check-html.ts';
import { HOSTILE, hostileCheckReport } from '../unit/report/html-fixtures.ts';
import { ARTIFACTS, launchChromium, openOffline, readHeatmap, type DomHeatmap, type OfflinePage } from './browser.ts';
import { testLab } from './helpers.ts';
import { nodeward, onNode } from './nodeward.ts';

interface CheckJson {
  nodes: { name: string }[];
  checks: { id: string; results: { node: string; status: string }[] }[];
}
interface DriftJson {
  nodes: { name: string; rules: { id: string; state: string }[]; items: { id: string; state: string; firstSeen: string }[] }[];
}

const lab = testLab();
const inventory = lab.info.files.inventory;
let browser: Browser;
let out = '';

/** Most failures first, ties in the report's order: what "sort by failures" must give. */
function byFailures<T>(items: readonly T[], key: (t: T) => string, fails: (t: T) => number): string[] {
  return items.map((t, i) => ({ k: key(t), f: fails(t), i })).sort((a, b) => b.f - a.f || a.i - b.i).map((x) => x.k);
}

/** Every cell says its state three ways (data-state, symbol, word) and the symbol and colour are the legend's. */
function expectCells(dom: DomHeatmap, want: Map<string, { state: string; word: string }>): void {
  expect(Object.keys(dom.cells).sort()).toEqual([...want.keys()].sort());
  for (const [key, w] of want) {
    const cell = dom.cells[key];
    expect({ key, state: cell?.state, word: cell?.word }).toEqual({ key, state: w.state, word: w.word });
    const legend = dom.legend[w.word];
    expect(legend, `legend for ${w.word}`).toBeDefined();
    expect({ key, symbol: cell?.symbol, background: cell?.background }).toEqual({ key, symbol: legend?.[0], background: legend?.[1] });
    // the cell sits under its own column's header
    expect(cell?.header).toBe(key.slice(key.indexOf(' ') + 1));
  }
  // no two states share a colour or a symbol: neither alone is ambiguous
  const entries = Object.values(dom.legend);
  expect(new Set(entries.map((e) => e[1])).size).toBe(entries.length);
  expect(new Set(entries.map((e) => e[0])).size).toBe(entries.length);
}

async function screenshot(page: OfflinePage, name: string): Promise<void> {
  const file = join(ARTIFACTS, name);
  await page.page.screenshot({ path: file, fullPage: false });
  process.stderr.write(`[html report] screenshot: ${file}\n`);
}

async function click(page: OfflinePage, sort: string): Promise<void> {
  await page.page.locator(`button[data-sort="${sort}"]`).click();
}

describe('html report in a real browser (lab)', () => {
  beforeAll(async () => {
    await labHeal();
    await labReset();
    out = await mkdtemp(join(tmpdir(), 'nw-html-'));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await labHeal();
    await labReset();
  });

  it('check: the heatmap shows the JSON report cell by cell, offline; sorting by failures orders nodes and checks', async () => {
    // the first node is made to pass two checks the others fail (4.1.5, PERM-02): nodes and checks then
    // differ in failures, and sorting has something to do (the first node goes last)
    const [first, second] = lab.info.nodes;
    await onNode(first!.name, 'chmod 600 /etc/kubernetes/kubelet.conf /var/lib/kubelet/pki/kubelet.key');
    const jsonFile = join(out, 'check.json');
    const htmlFile = join(out, 'check.html');
    const result = await nodeward(['check', '-i', inventory, '-q', '-o', `json=${jsonFile}`, '--format', `html=${htmlFile}`]);
    expect(result.code, result.stderr).toBe(2);
    const json = JSON.parse(await readFile(jsonFile, 'utf8')) as CheckJson;
    const status = (node: string, check: CheckJson['checks'][number]): string => check.results.find((r) => r.node === node)?.status ?? 'missing';
    const fails = (node: string): number => json.checks.filter((c) => status(node, c) === 'fail').length;
    process.stderr.write(`[html report] failures per node: ${json.nodes.map((n) => `${n.name}=${fails(n.name)}`).join(' ')}\n`);

    const page = await openOffline(browser, htmlFile);
    try {
      const dom = await readHeatmap(page.page);
      expect(dom.rows).toEqual(json.nodes.map((n) => n.name));
      expect(dom.cols).toEqual(json.checks.map((c) => c.id));
      const want = new Map(json.nodes.flatMap((n) => json.checks.map((c) => [`${n.name} ${c.id}`, { state: status(n.name, c), word: status(n.name, c).toUpperCase() }] as const)));
      expectCells(dom, want);
      const states = new Set([...want.values()].map((w) => w.state));
      expect(states.has('fail') && states.has('pass'), [...states].join(' ')).toBe(true);
      for (const n of json.nodes) expect(dom.fails[n.name]).toBe(String(fails(n.name)));
      // the metadata
      const header = await page.page.locator('header').innerText();
      expect(header).toContain(inventory);
      expect(header).toMatch(/nodeward\s+0\.\d+\.\d+/);
      expect(header).toMatch(/Time\s+\d{4}-\d\d-\d\dT/);
      expect(header).toMatch(/Benchmark versions\s+cis-1\.\d+/);

      await click(page, 'rows');
      const rowsSorted = await readHeatmap(page.page);
      expect(rowsSorted.rows).toEqual(byFailures(json.nodes, (n) => n.name, (n) => fails(n.name)));
      expect(rowsSorted.rows).not.toEqual(json.nodes.map((n) => n.name));
      expect(fails(first!.name)).toBeLessThan(fails(second!.name));
      expect(rowsSorted.rows.at(-1)).toBe(first!.name);
      await click(page, 'cols');
      const bothSorted = await readHeatmap(page.page);
      const colFails = (c: CheckJson['checks'][number]): number => c.results.filter((r) => r.status === 'fail').length;
      expect(bothSorted.cols).toEqual(byFailures(json.checks, (c) => c.id, colFails));
      expect(bothSorted.cols).not.toEqual(json.checks.map((c) => c.id));
      // the cells moved with their rows and columns
      expectCells(bothSorted, want);
      await screenshot(page, 'check-report.png');
      await click(page, 'original');
      const back = await readHeatmap(page.page);
      expect([back.rows, back.cols]).toEqual([dom.rows, dom.cols]);

      expect(page.requests).toEqual([page.page.url()]);
      expect(page.errors).toEqual([]);
    } finally {
      await page.close();
    }
    // without scripts the page still reads: the same heatmap, and no sort buttons that would do nothing
    const plain = await openOffline(browser, htmlFile, { javaScript: false });
    try {
      const dom = await readHeatmap(plain.page);
      expect([dom.rows, dom.cols]).toEqual([json.nodes.map((n) => n.name), json.checks.map((c) => c.id)]);
      expect(await plain.page.locator('.sort-buttons').first().isVisible()).toBe(false);
      expect(plain.requests).toEqual([plain.page.url()]);
    } finally {
      await plain.close();
    }
  });

  it('drift: rule cells as in the JSON report; each item persisting since the run that first found it', async () => {
    const state = await mkdtemp(join(tmpdir(), 'nw-html-state-'));
    const run = async (n: number): Promise<{ json: DriftJson; html: string }> => {
      const jsonFile = join(out, `drift-${n}.json`);
      const html = join(out, `drift-${n}.html`);
      const result = await nodeward(['drift', '-i', inventory, '--state-dir', state, '-q', '-o', `json=${jsonFile}`, '--format', `html=${html}`]);
      expect(result.code, result.stderr).toBe(2);
      return { json: JSON.parse(await readFile(jsonFile, 'utf8')) as DriftJson, html };
    };
    const firstRun = await run(1);
    const { json, html } = await run(2);
    const WORDS: Record<string, string> = { 'in-sync': 'IN SYNC', drift: 'DRIFT', fixed: 'FIXED', 'not-applicable': 'N/A' };
    const rules = [...new Set(json.nodes.flatMap((n) => n.rules.map((r) => r.id)))];
    const page = await openOffline(browser, html);
    try {
      const dom = await readHeatmap(page.page);
      expect(dom.rows).toEqual(json.nodes.map((n) => n.name));
      expect(dom.cols).toEqual(rules);
      const want = new Map(
        json.nodes.flatMap((n) =>
          rules.map((id) => {
            const s = n.rules.find((r) => r.id === id)?.state ?? 'not-applicable';
            return [`${n.name} ${id}`, { state: s, word: WORDS[s] ?? s }] as const;
          }),
        ),
      );
      expectCells(dom, want);
      expect([...want.values()].some((w) => w.state === 'drift')).toBe(true);

      // every drift item, with the time the first run found it
      const items = await page.page.locator('tr[data-item]').evaluateAll((trs) => trs.map((tr) => ({ node: tr.getAttribute('data-node'), id: tr.getAttribute('data-item'), badge: tr.children[0]?.textContent, since: tr.children[1]?.textContent })));
      const expected = json.nodes.flatMap((n) =>
        n.items.map((item) => {
          const before = firstRun.json.nodes.find((x) => x.name === n.name)?.items.find((x) => x.id === item.id);
          expect(before?.state).toBe('new');
          expect(item.state).toBe('persisting');
          return { node: n.name, id: item.id, badge: 'PERSISTING', since: `persisting since ${before?.firstSeen ?? '?'}` };
        }),
      );
      expect(expected.length).toBeGreaterThan(0);
      expect(items).toEqual(expected);

      await click(page, 'cols');
      const sorted = await readHeatmap(page.page);
      expect(sorted.cols).toEqual(byFailures(rules, (id) => id, (id) => json.nodes.filter((n) => n.rules.some((r) => r.id === id && r.state === 'drift')).length));
      expectCells(sorted, want);
      await screenshot(page, 'drift-report.png');
      expect(page.requests).toEqual([page.page.url()]);
      expect(page.errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('markup in a report stays text: no script of it runs, nothing it names is fetched', async () => {
    const file = join(out, 'hostile.html');
    await writeFile(file, renderCheckHtml(hostileCheckReport(), { inventory: `/etc/${HOSTILE}`, nodewardVersion: '0.0.0', hint: HOSTILE }));
    const page = await openOffline(browser, file);
    try {
      expect(await page.page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.page.locator('img').count()).toBe(0);
      expect(await page.page.locator('script').count()).toBe(1);
      // shown as the text it is
      expect(await page.page.locator('h1').innerText()).toContain('<script>window.__pwned = 1</script>');
      // the page's own script still ran (the sort buttons are shown) and nothing else was asked for
      expect(await page.page.locator('.sort-buttons').first().isVisible()).toBe(true);
      expect(page.requests).toEqual([page.page.url()]);
      expect(page.errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
