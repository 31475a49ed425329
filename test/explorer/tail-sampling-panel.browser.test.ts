// The search page's tail-sampling panel in real headless Chromium, served by a real explorer with
// DIFFSCOPE_TAIL_SAMPLING=on after traces were sent over OTLP/HTTP and decided.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, CHROMIUM_PATH, ensureWebBuilt, launchChromium, type LaunchedBrowser } from '../web/support/browser.js';
import { newSpanId, newTraceId, postJson, tracesPayload, type FixtureSpan } from './fixtures.js';
import { startTestExplorer, type TestExplorer } from './helpers.js';

const canRun = chromiumAvailable();
if (!canRun) console.warn(`[tail-sampling panel] skipping: no Chromium at ${CHROMIUM_PATH}`);
const webRoot = fileURLToPath(new URL('../../dist/web/', import.meta.url));

const trace = (opts: { error?: boolean; durationMs?: number } = {}): FixtureSpan => ({
  traceId: newTraceId(),
  spanId: newSpanId(),
  service: 'api-server',
  name: 'POST /v1/generations',
  kind: 2,
  startMs: Date.now() - 30_000,
  durationMs: opts.durationMs ?? 50,
  status: opts.error ? 2 : 0,
});

describe.skipIf(!canRun)('tail-sampling panel on the search page', () => {
  let ex: TestExplorer;
  let browser: LaunchedBrowser;
  beforeAll(async () => {
    ensureWebBuilt();
    ex = await startTestExplorer(
      {
        DIFFSCOPE_TAIL_SAMPLING: 'on',
        DIFFSCOPE_TAIL_SAMPLING_DECISION_WAIT_MS: '60000',
        DIFFSCOPE_TAIL_SAMPLING_PERCENTAGE: '0',
        DIFFSCOPE_TAIL_SAMPLING_LATENCY_THRESHOLD_MS: '5000',
      },
      { webRoot },
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await ex?.close();
  });

  it('shows kept and dropped traces by policy and what waits for a decision', async () => {
    await postJson(
      ex.otlpUrl,
      '/v1/traces',
      tracesPayload([trace({ error: true }), trace({ error: true }), trace({ durationMs: 9_000 }), trace(), trace(), trace()]),
    );
    await ex.flush();
    await ex.decideSampling(Date.now() + 65_000);
    await postJson(ex.otlpUrl, '/v1/traces', tracesPayload([trace()]));
    await ex.flush();

    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${ex.queryUrl}/search`);
    const panel = page.locator('.sampling-panel');
    await panel.locator('table').waitFor();
    expect(await panel.locator('p').first().textContent()).toContain(
      '3 traces kept, 3 dropped since start; 1 waiting for a decision (1 spans, 0 logs',
    );
    const rows = await panel.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent?.trim())));
    expect(rows).toEqual([
      ['kept', 'errors', '2'],
      ['kept', 'slower than the threshold', '1'],
      ['dropped', 'no policy kept them', '3'],
    ]);
    // only the kept ones are in the search results
    await page.waitForSelector('.trace-result');
    expect(await page.locator('.trace-result').count()).toBe(3);
    await page.screenshot({ path: join(fileURLToPath(new URL('../../test-artifacts/', import.meta.url)), 'tail-sampling-panel.png') });
    expect(errors).toEqual([]);
  });
});
