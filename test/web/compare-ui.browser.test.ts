// The compare view in real headless Chromium, served by the real explorer after a cold 20-step and a
// warm 50-step request (and a warm 20-step one, for the analysis page's group) were sent to its
// OTLP/HTTP endpoint. Reached from the search selection, from a trace page and from the analysis.
// DIFFSCOPE_DOCS_SCREENSHOTS=1 also writes docs/images/compare.png (the committed screenshot).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { loadConfig } from '../../src/config/index.js';
import { startExplorer, type ExplorerHandle } from '../../src/explorer/index.js';
import { postJson } from '../explorer/fixtures.js';
import {
  COLD_20_TRACE_ID,
  WARM_50_TRACE_ID,
  WARMUP_MS,
  coldAndWarm,
  generationTrace,
  otlpTracesPayload,
} from '../explorer/compare-fixtures.js';
import { artifactsDir, chromiumAvailable, CHROMIUM_PATH, ensureWebBuilt, launchChromium } from './support/browser.js';
import type { LaunchedBrowser } from './support/browser.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const WARM_20_TRACE_ID = 'a4a40000000000000000000000000020';
const canRun = chromiumAvailable();
if (!canRun) {
  if (process.env.CI === 'true') throw new Error(`Chromium not found at ${CHROMIUM_PATH}: the compare browser tests cannot run in CI`);
  console.warn(`[compare-ui] skipping browser tests: no Chromium at ${CHROMIUM_PATH}`);
}

describe.skipIf(!canRun)('compare view in headless Chromium (real explorer, data sent over OTLP)', () => {
  let dir: string;
  let explorer: ExplorerHandle;
  let browser: LaunchedBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ensureWebBuilt();
    mkdirSync(artifactsDir, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'diffscope-compare-'));
    const config = loadConfig(
      {},
      { DIFFSCOPE_DATA_DIR: dir, DIFFSCOPE_EXPLORER_PORT: '0', DIFFSCOPE_OTLP_PORT: '0', DIFFSCOPE_EXPLORER_DB: ':memory:' },
    );
    explorer = await startExplorer(config, undefined, { webRoot: join(repoRoot, 'dist/web'), outputDir: join(dir, 'outputs') });
    // within the UI's default lookback (the last hour)
    const base = Date.now() - 300_000;
    const { cold, warm } = coldAndWarm(base);
    const warm20 = generationTrace({
      traceId: WARM_20_TRACE_ID,
      startMs: base + 20_000,
      cold: false,
      sampler: 'euler',
      stepMs: Array.from({ length: 20 }, () => 30),
      worker: 'inference-worker-a',
    });
    await postJson(explorer.otlpUrl, '/v1/traces', otlpTracesPayload([cold, warm, warm20]));
    await explorer.flush();
    browser = await launchChromium({ width: 1440, height: 1000 });
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await explorer?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const row = (stage: string) => page.locator(`.stage-compare-table tr[data-stage="${stage}"]`);
  const cells = async (stage: string): Promise<string[]> => (await row(stage).locator('td.num').allTextContents()).map((s) => s.trim());

  it('from the search: tick two traces, Compare → the per-stage table with sampling highlighted', async () => {
    await page.goto(`${explorer.queryUrl}/search`);
    await page.waitForSelector('.trace-result');
    const compare = page.locator('button.compare-button');
    expect(await compare.isDisabled()).toBe(true);
    await page.locator(`input[data-pick-id="${COLD_20_TRACE_ID}"]`).check();
    await page.locator(`input[data-pick-id="${WARM_50_TRACE_ID}"]`).check();
    expect(await compare.textContent()).toBe('Compare (2)');
    await compare.click();
    await page.waitForURL(`**/compare/${COLD_20_TRACE_ID}...${WARM_50_TRACE_ID}`);
    await page.waitForSelector('.stage-compare-table tbody tr');

    // A = cold 20 steps, B = warm 50 steps: duration A, duration B, Δ B
    expect(await cells('sampling')).toEqual(['637ms', '1.5s', '+863ms (+135%)']);
    expect(await cells('model.load')).toEqual(['720ms', '–', '−720ms (-100%)']);
    expect(await cells('model.warmup')).toEqual([`${WARMUP_MS}ms`, '–', `−${WARMUP_MS}ms (-100%)`]);
    expect(await cells('text.encode')).toEqual(['30ms', '30ms', '±0']);
    expect(await cells('queue.wait')).toEqual(['35ms', '12ms', '−23ms (-66%)']);
    expect(await page.locator('.stage-compare-table tr.grew-most').getAttribute('data-stage')).toBe('sampling');
    expect(await row('sampling').locator('.badge-grew').textContent()).toBe('grew most');
    expect(await page.locator('.compare-summary').textContent()).toBe('Grew most: sampling, +863ms in B');

    // the parameters that differ, highlighted
    const differing = await page.$$eval('.parameter-table tr.differs', (rows) => rows.map((r) => (r as HTMLElement).dataset.param));
    expect(differing).toEqual(['sampler', 'steps', 'worker', 'attempt']);
    expect(await page.locator('.parameter-table tr[data-param="steps"] td').allTextContents()).toEqual(['20', '50']);
    expect(await page.locator('.parameter-table tr[data-param="worker"] td').allTextContents()).toEqual([
      'inference-worker-a',
      'inference-worker-b',
    ]);

    // step strips overlaid: one line per trace, one point per step
    const points = await page.$$eval('.step-overlay polyline', (ls) =>
      ls.map((l) => (l.getAttribute('points') ?? '').trim().split(/\s+/).length),
    );
    expect(points).toEqual([20, 50]);

    // aligned waterfalls on one scale: the shorter trace's root bar is narrower than the longer's
    await page.waitForSelector('.compact-waterfall .span-row');
    expect(await page.locator('.compact-waterfall').count()).toBe(2);
    const ops = await page
      .locator('.compact-waterfall')
      .first()
      .locator('.span-row')
      .evaluateAll((rs) => rs.map((r) => (r as HTMLElement).dataset.op));
    expect(ops).toEqual([
      'POST /v1/generations',
      'queue.publish',
      'queue.wait',
      'inference',
      'model.load',
      'model.warmup',
      'text.encode',
      'sampling',
      'vae.decode',
      'storage.put',
      'notify.webhook',
    ]);
    const inferenceWidth = (i: number) =>
      page
        .locator('.compact-waterfall')
        .nth(i)
        .locator('.span-row[data-op="inference"] .bar')
        .evaluate((b) => b.getBoundingClientRect().width);
    expect(await inferenceWidth(0)).toBeLessThan(await inferenceWidth(1));

    // the app scrolls inside <main>: a taller window shows the whole page, waterfalls included
    await page.setViewportSize({ width: 1440, height: 1480 });
    await page.screenshot({ path: join(artifactsDir, 'compare.png') });
    if (process.env.DIFFSCOPE_DOCS_SCREENSHOTS === '1') await page.screenshot({ path: join(repoRoot, 'docs/images/compare.png') });
    await page.setViewportSize({ width: 1440, height: 1000 });

    // a waterfall row opens that span on its trace page
    await page.locator('.compact-waterfall').first().locator('.span-row[data-op="sampling"]').click();
    await page.waitForURL(new RegExp(`/trace/${COLD_20_TRACE_ID}\\?span=`));
  });

  it('from a trace page: "Compare with…" makes this trace the baseline; model.load grew most', async () => {
    await page.goto(`${explorer.queryUrl}/trace/${WARM_50_TRACE_ID}`);
    await page.waitForSelector('.span-row');
    await page.getByLabel('trace id to compare with').fill(COLD_20_TRACE_ID);
    await page.locator('form.compare-with button').click();
    await page.waitForURL(`**/compare/${WARM_50_TRACE_ID}...${COLD_20_TRACE_ID}`);
    await page.waitForSelector('.stage-compare-table tr.grew-most');
    expect(await page.locator('.stage-compare-table tr.grew-most').getAttribute('data-stage')).toBe('model.load');
    expect(await cells('model.load')).toEqual(['–', '720ms', '+720ms']);
    expect(await cells('sampling')).toEqual(['1.5s', '637ms', '−863ms (-58%)']);
    const caches = await page.locator('.compare-traces li .badge').allTextContents();
    expect(caches).toEqual(['warm', 'cold']);
  });

  it('from where the time goes: slowest vs median of a group', async () => {
    await page.goto(`${explorer.queryUrl}/analysis`);
    await page.waitForSelector('.stage-table');
    // only the euler · 20 steps group has two requests: the cold one is its slowest, the warm one its median
    const links = page.locator('a.compare-group-link');
    expect(await links.count()).toBe(1);
    await links.click();
    await page.waitForURL(`**/compare/${WARM_20_TRACE_ID}...${COLD_20_TRACE_ID}`);
    await page.waitForSelector('.stage-compare-table tr.grew-most');
    expect(await page.locator('.stage-compare-table tr.grew-most').getAttribute('data-stage')).toBe('model.load');
    const differing = await page.$$eval('.parameter-table tr.differs', (rows) => rows.map((r) => (r as HTMLElement).dataset.param));
    expect(differing).toEqual([]);
  });

  it('explains a wrong address: one id, or an id the store does not have', async () => {
    await page.goto(`${explorer.queryUrl}/compare/${COLD_20_TRACE_ID}`);
    await expect.poll(() => page.locator('main').textContent()).toContain('Compare takes 2 to 4 trace ids');
    await page.goto(`${explorer.queryUrl}/compare/${COLD_20_TRACE_ID}...${'ab'.repeat(16)}`);
    await page.waitForSelector('.compare-page .error-text');
    expect(await page.locator('.compare-page .error-text').textContent()).toContain(`trace not found: ${'ab'.repeat(16)}`);
  });

  it('logged no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
