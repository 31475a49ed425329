import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { artifactsDir, chromiumAvailable, ensureWebBuilt, launchChromium, type LaunchedBrowser } from '../web/support/browser.js';
import { Stack } from './stack.js';

const haveChromium = chromiumAvailable();
if (!haveChromium) {
  if (process.env.CI === 'true')
    throw new Error('Chromium (/usr/bin/chromium) is required under CI: scripts/install.sh --test installs it');
  console.warn('skipping: /usr/bin/chromium not installed (bash scripts/install.sh --test)');
}

describe.runIf(haveChromium)('explorer UI on a real generation (whole stack, headless Chromium)', () => {
  let stack: Stack;
  let browser: LaunchedBrowser;
  let page: Page;
  let traceId: string;

  beforeAll(async () => {
    ensureWebBuilt();
    stack = await new Stack({ queue: 'sqlite', state: 'sqlite', notifier: false }).start();
    const submitted = await stack.submit({ prompt: 'a large yellow circle', steps: 10, seed: 3 });
    traceId = String(submitted.json.trace_id);
    await stack.waitForStatus(String(submitted.json.id), ['succeeded']);
    await stack.trace(traceId, ['POST /v1/generations', 'queue.wait', 'inference', 'model.load', 'sampling', 'storage.put']);
    browser = await launchChromium();
    page = await browser.context.newPage();
    mkdirSync(artifactsDir, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  it('the trace view draws A, B, C with C.1/C.2 and D, and shows the generated image', async () => {
    await page.goto(`${stack.explorerUrl()}/trace/${traceId}`);
    await page.waitForSelector('.span-row[data-op="sampling"]');
    const ops = await page.locator('.span-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-op')));
    for (const op of [
      'POST /v1/generations',
      'queue.publish',
      'queue.wait',
      'inference',
      'model.load',
      'text.encode',
      'sampling',
      'storage.put',
    ]) {
      expect(ops, op).toContain(op);
    }
    expect(await page.locator('.span-row[data-op="queue.wait"] .bar-queue').count()).toBe(1);
    expect(await page.locator('.span-row[data-op="inference"] .badge-cold').count()).toBe(1);
    await page.locator('.span-row[data-op="sampling"]').click();
    await page.waitForSelector('.step-strip .step');
    expect(await page.locator('.step-strip .step').count()).toBe(10);
    const image = page.locator('img').first();
    await image.waitFor();
    await expect.poll(() => image.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await page.screenshot({ path: join(artifactsDir, 'stack-trace-view.png'), fullPage: true });
  });

  it('clicking a line in log search lands on its trace and span', async () => {
    await page.goto(`${stack.explorerUrl()}/logs?lookback=all`);
    await page.waitForSelector('.log-result');
    await page.locator('.log-result', { hasText: 'inference_complete' }).first().click();
    await page.waitForURL(/\/trace\//);
    await page.waitForSelector('.span-row.selected');
    expect(new URL(page.url()).pathname).toBe(`/trace/${traceId}`);
    expect(await page.locator('.span-row.selected').getAttribute('data-op')).toBe('inference');
    await page.screenshot({ path: join(artifactsDir, 'stack-log-to-trace.png') });
  });
});
