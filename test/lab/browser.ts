import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium (lab/prereqs.sh and .ci/run install it): playwright-core downloads no browser of its own. */
export const CHROMIUM = process.env['NODEWARD_TEST_CHROMIUM'] ?? '/usr/bin/chromium';

/** Where browser tests leave screenshots (ignored by git). */
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash lab/prereqs.sh as root (apt-get install chromium)`);
  await mkdir(ARTIFACTS, { recursive: true });
  // as root chromium refuses its sandbox; the page is our own file with every request aborted
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [], timeout: 60_000 });
}

export interface OfflinePage {
  readonly page: Page;
  /** Every request the page made, the document's own included. */
  readonly requests: string[];
  /** Console errors and uncaught exceptions (a CSP violation shows here). */
  readonly errors: string[];
  close(): Promise<void>;
}

/**
 * Opens a local HTML file with the network cut off: every request but the file itself is aborted
 * and recorded, so a page that tried to load anything is seen to have tried.
 */
export async function openOffline(browser: Browser, file: string, options: { javaScript?: boolean } = {}): Promise<OfflinePage> {
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block', javaScriptEnabled: options.javaScript ?? true });
  const requests: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', (route) => {
    requests.push(route.request().url());
    return route.request().url() === url ? route.continue() : route.abort('internetdisconnected');
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url, { waitUntil: 'load' });
  return { page, requests, errors, close: () => context.close() };
}

export interface DomHeatmap {
  /** Row keys, top to bottom. */
  readonly rows: string[];
  /** Column keys, left to right, as the header shows them. */
  readonly cols: string[];
  /** Per row: its failure count as shown. */
  readonly fails: Record<string, string>;
  /** `row col` → what the cell says: its data-state, visible symbol, hidden word, background colour, and its column header's key at its place. */
  readonly cells: Record<string, { state: string; symbol: string; word: string; background: string; header: string }>;
  /** Legend: word → [symbol, background]. */
  readonly legend: Record<string, [string, string]>;
}

/** The little of the DOM readHeatmap uses (the project compiles without the DOM library). */
interface El {
  readonly textContent: string | null;
  readonly nextSibling: El | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El>;
  readonly cells: ArrayLike<El>;
  readonly rows: ArrayLike<El>;
}
interface Win {
  readonly document: El;
  getComputedStyle(el: El): { readonly backgroundColor: string };
}

/** The heatmap as the browser shows it, read from the DOM (not from the renderer). */
export function readHeatmap(page: Page): Promise<DomHeatmap> {
  return page.evaluate(() => {
    const w = globalThis as unknown as Win;
    const all = (list: ArrayLike<El>): El[] => Array.from(list);
    const table = w.document.querySelector('table.heatmap')!;
    const headers = all(all(table.querySelector('thead')!.rows)[0]!.cells).slice(2);
    const cols = headers.map((th) => (th.textContent ?? '').trim());
    const rows: string[] = [];
    const fails: Record<string, string> = {};
    const cells: Record<string, { state: string; symbol: string; word: string; background: string; header: string }> = {};
    for (const tr of all(table.querySelector('tbody')!.rows)) {
      const tds = all(tr.cells);
      const row = (tds[0]?.textContent ?? '').trim();
      rows.push(row);
      fails[row] = (tds[1]?.textContent ?? '').trim();
      tds.slice(2).forEach((td, i) => {
        cells[`${row} ${td.getAttribute('data-colkey') ?? ''}`] = {
          state: td.getAttribute('data-state') ?? '',
          symbol: td.querySelector('[aria-hidden]')?.textContent ?? '',
          word: td.querySelector('.sr')?.textContent ?? '',
          background: w.getComputedStyle(td).backgroundColor,
          header: cols[i] ?? '',
        };
      });
    }
    const legend: Record<string, [string, string]> = {};
    for (const swatch of all(w.document.querySelectorAll('.legend .swatch'))) {
      const word = (swatch.nextSibling?.textContent ?? '').replace(/\u00a0/g, ' ').trim();
      legend[word] = [swatch.textContent ?? '', w.getComputedStyle(swatch).backgroundColor];
    }
    return { rows, cols, fails, cells, legend };
  });
}
