// The explorer UI in real headless Chromium, served by the real explorer (src/explorer) after the
// recorded fixtures were sent to its OTLP/HTTP endpoint (test/web/support/loaded-explorer.ts).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { artifactsDir, chromiumAvailable, CHROMIUM_PATH, ensureWebBuilt, launchChromium } from './support/browser.js';
import type { LaunchedBrowser } from './support/browser.js';
import { BIG_TRACE_ID, startLoadedExplorer } from './support/loaded-explorer.js';
import type { LoadedExplorer } from './support/loaded-explorer.js';

const COLD_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const FAILED_TRACE = 'c0ffee00deadbeef0123456789abcdef';
const WARM_TRACE = '7d3c1b8e2a9f4e6d8c5b3a1f0e9d8c7b';
const canRun = chromiumAvailable();
if (!canRun) {
  if (process.env.CI === 'true') throw new Error(`Chromium not found at ${CHROMIUM_PATH}: the explorer UI browser tests cannot run in CI`);
  console.warn(`[explorer-ui] skipping browser tests: no Chromium at ${CHROMIUM_PATH}`);
}

describe.skipIf(!canRun)('explorer UI in headless Chromium (real explorer, data sent over OTLP)', () => {
  let server: LoadedExplorer;
  let browser: LaunchedBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ensureWebBuilt();
    mkdirSync(artifactsDir, { recursive: true });
    server = await startLoadedExplorer();
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      // 404s for absent images are expected (the UI hides them); anything else is a bug
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const opsInWaterfall = (p: Page): Promise<string[]> =>
    p.$$eval('.span-row', (rows) => rows.map((r) => (r as HTMLElement).dataset.op ?? ''));

  it('lists traces with duration bars, span counts and the failed one flagged', async () => {
    await page.goto(`${server.url}/search`);
    await page.waitForSelector('.trace-result');
    const ids = await page.$$eval('.trace-result', (els) => els.map((e) => (e as HTMLElement).dataset.traceId));
    expect(ids).toHaveLength(3);
    expect(ids).toEqual(expect.arrayContaining([COLD_TRACE, WARM_TRACE, FAILED_TRACE]));
    const errorRows = await page.$$eval('.trace-results li.has-error .trace-result', (els) =>
      els.map((e) => (e as HTMLElement).dataset.traceId),
    );
    expect(errorRows).toEqual([FAILED_TRACE]);
    expect(await page.locator('.duration-bar').count()).toBe(3);
    expect(await page.locator(`.trace-result[data-trace-id="${COLD_TRACE}"]`).textContent()).toContain('10 spans');
    await page.screenshot({ path: join(artifactsDir, 'explorer-search.png') });
    // errors-only narrows the list (server-side error tag) and is kept in the URL
    await page.getByRole('button', { name: /with errors/ }).click();
    await page.waitForURL(/error=1/);
    await page.waitForFunction(
      () =>
        document.querySelectorAll('.trace-results li:not(.has-error)').length === 0 &&
        document.querySelectorAll('.trace-result').length > 0,
    );
    const errorOnly = await page.$$eval('.trace-result', (els) => els.map((e) => (e as HTMLElement).dataset.traceId));
    expect(errorOnly).toEqual([FAILED_TRACE]);
  });

  it('draws the generation waterfall: nested spans, queue, cold start, critical path, steps, image', async () => {
    await page.goto(`${server.url}/trace/${COLD_TRACE}`);
    await page.waitForSelector('.span-row');
    expect(await opsInWaterfall(page)).toEqual([
      'POST /v1/generations',
      'queue.publish',
      'queue.wait',
      'inference',
      'model.load',
      'text.encode',
      'sampling',
      'vae.decode',
      'storage.put',
      'notify.webhook',
    ]);
    const levels = await page.$$eval('.span-row', (rows) => rows.map((r) => Number(r.getAttribute('aria-level'))));
    expect(levels).toEqual([1, 2, 3, 3, 4, 4, 4, 4, 4, 4]);
    expect(await page.locator('.span-row[data-op="queue.wait"] .bar-queue').count()).toBe(1);
    expect(await page.locator('.span-row[data-op="queue.wait"] .badge-queue').textContent()).toBe('queue');
    expect(await page.locator('.span-row[data-op="inference"] .badge-cold').count()).toBe(1);
    // the critical path reaches from A through the queue to the webhook
    const critical = await page.$$eval('.span-row.on-critical', (rows) => rows.map((r) => (r as HTMLElement).dataset.op));
    expect(critical).toEqual(expect.arrayContaining(['POST /v1/generations', 'queue.wait', 'model.load', 'sampling', 'notify.webhook']));
    // the generated image is shown, upscaled without smoothing
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('.output-images img');
      return !!img && img.complete && img.naturalWidth === 32;
    });
    expect(await page.$eval('.output-images img', (i) => getComputedStyle(i).imageRendering)).toBe('pixelated');
    // selecting sampling shows the per-step strip and steps/s
    await page.locator('.span-row[data-op="sampling"]').click();
    await page.waitForSelector('.step-strip');
    expect(await page.locator('.step-strip .step').count()).toBe(20);
    expect(await page.locator('.step-strip-stats').textContent()).toMatch(/steps\/s/);
    expect(page.url()).toMatch(/\?span=00f067aa0ba90007$/);
    await page.screenshot({ path: join(artifactsDir, 'explorer-trace.png') });
  });

  it('collapses and expands a subtree, by mouse and keyboard', async () => {
    await page.locator('.span-row[data-op="inference"] .toggle').click();
    expect(await opsInWaterfall(page)).toEqual(['POST /v1/generations', 'queue.publish', 'queue.wait', 'inference']);
    await page.locator('.span-row[data-op="inference"]').click();
    await page.locator('.timeline-body').focus();
    await page.keyboard.press('ArrowRight');
    expect((await opsInWaterfall(page)).length).toBe(10);
    await page.keyboard.press('ArrowDown');
    expect(await page.locator('.span-row.selected').getAttribute('data-op')).toBe('model.load');
  });

  it('shows the trace logs inline and in a panel where a click selects the span', async () => {
    await page.getByLabel('Logs inline').check();
    await page.waitForSelector('.log-row');
    expect(await page.locator('.log-row').count()).toBeGreaterThanOrEqual(10);
    await page.screenshot({ path: join(artifactsDir, 'explorer-trace-inline-logs.png') });
    await page.getByLabel('Logs inline').uncheck();
    await page.locator('.logs-panel .log-line', { hasText: 'result_stored' }).click();
    expect(await page.locator('.span-row.selected').getAttribute('data-op')).toBe('storage.put');
    expect(await page.locator('.detail-title').textContent()).toContain('storage.put');
  });

  it('log search: clicking a log line lands on its trace with that span selected', async () => {
    await page.goto(`${server.url}/logs?lookback=all`);
    await page.waitForSelector('.log-result');
    await page.locator('.log-result', { hasText: 'model_load_complete' }).click();
    await page.waitForURL(/\/trace\//);
    await page.waitForSelector('.span-row.selected');
    expect(new URL(page.url()).pathname).toBe(`/trace/${COLD_TRACE}`);
    expect(await page.locator('.span-row.selected').getAttribute('data-op')).toBe('model.load');
    expect(await page.locator('.detail-title').textContent()).toContain('model.load');
    // an ERROR line of the failed request leads to its failing span
    await page.goto(`${server.url}/logs?lookback=all&level=ERROR`);
    await page.waitForSelector('.log-result');
    expect(await page.locator('.log-result').count()).toBe(1);
    await page.screenshot({ path: join(artifactsDir, 'explorer-logs.png') });
    await page.locator('.log-result').click();
    await page.waitForSelector('.span-row.selected');
    expect(new URL(page.url()).pathname).toBe(`/trace/${FAILED_TRACE}`);
    expect(await page.locator('.span-row.selected').getAttribute('data-op')).toBe('sampling');
    expect(await page.locator('.span-row.selected.is-error').count()).toBe(1);
  });

  it('log search honours a custom time range and the free-text box', async () => {
    const local = (ms: number): string => {
      const d = new Date(ms);
      const p2 = (n: number): string => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}T${p2(d.getHours())}:${p2(d.getMinutes())}`;
    };
    const now = Date.now();
    await page.goto(`${server.url}/logs?lookback=custom&from=${local(now - 3600_000)}&to=${local(now + 120_000)}&q=NaN`);
    await page.waitForSelector('.log-result');
    expect(await page.locator('.log-result').count()).toBe(1);
    expect(await page.locator('input[name="from"]').inputValue()).toBe(local(now - 3600_000));
    await page.goto(`${server.url}/logs?lookback=custom&from=${local(now - 3 * 86400_000)}&to=${local(now - 2 * 86400_000)}`);
    await page.waitForFunction(() => /^0 of 0 lines/.test(document.querySelector('.results-head strong')?.textContent ?? ''));
  });

  it('finds a trace by request id (through its logs)', async () => {
    await page.goto(`${server.url}/search?request_id=req_01JD7Q4M2KQ8&lookback=all`);
    await page.waitForSelector('.trace-result');
    const ids = await page.$$eval('.trace-result', (els) => els.map((e) => (e as HTMLElement).dataset.traceId));
    expect(ids).toEqual([WARM_TRACE]);
  });

  it('shows where the time goes: p50/p95 per stage, cold vs warm, by group', async () => {
    await page.goto(`${server.url}/analysis`);
    await page.waitForSelector('.stage-table');
    expect(await page.locator('.stage-table').count()).toBe(5);
    const firstStages = await page.locator('.stage-table').first().locator('tbody th').allTextContents();
    expect(firstStages).toEqual([
      'queue wait',
      'model load',
      'warm-up',
      'text encode',
      'sampling',
      'decode',
      'storage',
      'notify',
      'inference (all)',
      'end to end',
    ]);
    await page.screenshot({ path: join(artifactsDir, 'explorer-analysis.png'), fullPage: true });
  });

  it('draws a 10k-span trace, rendering only the visible rows', async () => {
    await server.loadBigTrace();
    await page.goto(`${server.url}/trace/${BIG_TRACE_ID}`);
    await page.waitForFunction((id) => document.documentElement.dataset.traceDrawn === id, BIG_TRACE_ID, { timeout: 30_000 });
    const drawMs = await page.evaluate(() => performance.getEntriesByName('trace:draw')[0]?.duration ?? -1);
    console.log(`[explorer-ui] 10k-span trace: data → drawn in ${drawMs.toFixed(1)} ms (performance marks in the page)`);
    expect(drawMs).toBeGreaterThan(0);
    const rendered = await page.locator('.span-row').count();
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(200);
    await page.screenshot({ path: join(artifactsDir, 'explorer-10k.png') });
    // scrolled to the end, the last rows are drawn
    await page.locator('.timeline-body').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.span-row')].some((r) => r.getAttribute('aria-level') !== null && r.getBoundingClientRect().top > 0),
    );
    expect(await page.locator('.timeline-header').textContent()).toContain('10000 rows');
    await page.screenshot({ path: join(artifactsDir, 'explorer-10k-scrolled.png') });
  });

  it('renders in dark mode too, without page errors', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    try {
      await page.goto(`${server.url}/trace/${COLD_TRACE}?span=00f067aa0ba90007`);
      await page.waitForSelector('.step-strip');
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(bg).toBe('rgb(15, 18, 22)');
      await page.screenshot({ path: join(artifactsDir, 'explorer-trace-dark.png') });
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
    }
    expect(pageErrors).toEqual([]);
  });
});
