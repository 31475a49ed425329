// Time to draw a 10k-span trace in the explorer UI (headless Chromium), beside baselines measured
// in the same run: a 100-span trace through the same UI, and a bare DOM insertion of 10k plain rows.
// "Draw" = from the trace JSON arriving in the page (performance mark trace:data) to the first frame
// painted after the waterfall rendered (trace:drawn): shaping, critical path, render, layout, paint.
// Run: npx tsx bench/explorer/draw-10k.bench.ts   (target: 10k spans < 1000 ms)
import { chromiumAvailable, CHROMIUM_PATH, ensureWebBuilt, launchChromium } from '../../test/web/support/browser.js';
import { startFixtureServer } from '../../test/web/support/fixture-server.js';
import type { Page } from 'playwright-core';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

if (!chromiumAvailable()) {
  console.log(`draw-10k: skipped, no Chromium at ${CHROMIUM_PATH}`);
  process.exit(process.env.CI === 'true' ? 1 : 0);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)];
}

async function drawTrace(page: Page, base: string, id: string): Promise<{ drawMs: number; loadMs: number }> {
  await page.goto(`${base}/trace/${id}`);
  await page.waitForFunction((tid) => document.documentElement.dataset.traceDrawn === tid, id, { timeout: 60_000 });
  return page.evaluate(() => ({
    drawMs: performance.getEntriesByName('trace:draw')[0]?.duration ?? NaN,
    loadMs: performance.getEntriesByName('trace:drawn')[0]?.startTime ?? NaN,
  }));
}

/** Baseline: the naive approach, every row in the DOM at once (no tree shaping, no virtualisation). */
async function bareInsert(page: Page, base: string, rows: number): Promise<number> {
  await page.goto(`${base}/nonexistent-page`);
  return page.evaluate(
    (n) =>
      new Promise<number>((resolve) => {
        const t0 = performance.now();
        const host = document.createElement('div');
        host.style.cssText = 'position:fixed;inset:0;overflow:auto;font:12px sans-serif';
        const frag = document.createDocumentFragment();
        for (let i = 0; i < n; i++) {
          const row = document.createElement('div');
          row.style.cssText = 'display:flex;height:24px;align-items:center';
          const name = document.createElement('div');
          name.style.cssText = `width:30%;padding-left:${(i % 20) * 12}px;white-space:nowrap;overflow:hidden`;
          name.textContent = `service-${i % 3} operation-${i}`;
          const cell = document.createElement('div');
          cell.style.cssText = 'position:relative;flex:1;height:100%';
          const bar = document.createElement('div');
          bar.style.cssText = `position:absolute;top:6px;height:12px;background:#3b82f6;left:${(i * 7) % 90}%;width:${1 + (i % 9)}%`;
          cell.appendChild(bar);
          row.append(name, cell);
          frag.appendChild(row);
        }
        host.appendChild(frag);
        document.body.appendChild(host);
        requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
      }),
    rows,
  );
}

const server = await startFixtureServer();
ensureWebBuilt();
const browser = await launchChromium();
try {
  const page = await browser.context.newPage();
  // warm-up: first navigation compiles the bundle
  await drawTrace(page, server.url, 'synth100');
  await drawTrace(page, server.url, 'synth10000');
  await bareInsert(page, server.url, 10_000);

  const small: number[] = [];
  const big: number[] = [];
  const bigLoad: number[] = [];
  const bare: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    small.push((await drawTrace(page, server.url, 'synth100')).drawMs);
    const b = await drawTrace(page, server.url, 'synth10000');
    big.push(b.drawMs);
    bigLoad.push(b.loadMs);
    bare.push(await bareInsert(page, server.url, 10_000));
  }
  const m = { small: median(small), big: median(big), bare: median(bare), load: median(bigLoad) };
  const fmt = (x: number): string => `${x.toFixed(1)} ms`;
  console.log(`runs: ${RUNS} (medians; p95 in brackets), Chromium headless, ${new Date().toISOString()}`);
  console.log(`baseline  100-span trace, same UI          ${fmt(m.small)} [${fmt(p95(small))}]`);
  console.log(`baseline  bare DOM insert of 10k rows     ${fmt(m.bare)} [${fmt(p95(bare))}]`);
  console.log(
    `measured  10k-span trace, data → drawn     ${fmt(m.big)} [${fmt(p95(big))}]   target < 1000 ms: ${m.big < 1000 ? 'met' : 'MISSED'}`,
  );
  console.log(`          10k-span trace, navigation → drawn ${fmt(m.load)} (includes bundle load, fetch and JSON parse)`);
  console.log(`ratio     10k / 100-span trace: ${(m.big / m.small).toFixed(2)}x   10k / bare 10k insert: ${(m.big / m.bare).toFixed(2)}x`);
} finally {
  await browser.close();
  await server.close();
}
