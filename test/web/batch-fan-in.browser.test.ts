// Dynamic batching drawn as fan-in, in real headless Chromium. The data is real: a worker with
// DIFFSCOPE_BATCH_MAX=3 runs three requests as one batch on the tiny SD model; the spans it
// recorded (each member's own trace, the batch's own trace, the links between them) are sent to a
// real explorer over OTLP/HTTP JSON, serialized by OpenTelemetry's own OTLP transformer.
// From a member's trace: the batch panel, its siblings, a jump to a sibling's trace and to the
// batch's trace, where the members fan in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { loadConfig } from '../../src/config/index.js';
import { SPAN } from '../../src/contract/index.js';
import { startExplorer, type ExplorerHandle } from '../../src/explorer/index.js';
import { postJson } from '../explorer/fixtures.js';
import { eventually, startStack } from '../support/serving-stack.js';
import { installTestTracing } from '../support/tracing.js';
import { chromiumAvailable, CHROMIUM_PATH, ensureWebBuilt, launchChromium } from './support/browser.js';
import type { LaunchedBrowser } from './support/browser.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const exporter = installTestTracing();
const canRun = chromiumAvailable();
if (!canRun) {
  if (process.env.CI === 'true') throw new Error(`Chromium not found at ${CHROMIUM_PATH}: the batch fan-in browser test cannot run in CI`);
  console.warn(`[batch-fan-in] skipping browser test: no Chromium at ${CHROMIUM_PATH}`);
}

describe.skipIf(!canRun)('batch fan-in in headless Chromium (real worker spans, real explorer)', () => {
  let dir: string;
  let explorer: ExplorerHandle;
  let browser: LaunchedBrowser;
  let page: Page;
  const pageErrors: string[] = [];
  const ids: string[] = [];
  const traceIds: string[] = [];
  let batchTraceId = '';

  beforeAll(async () => {
    ensureWebBuilt();
    // ---- a real batch of three through the worker
    const stack = await startStack({
      worker: true,
      env: { DIFFSCOPE_DEFAULT_MODEL: 'tiny-sd', DIFFSCOPE_BATCH_MAX: '3', DIFFSCOPE_BATCH_WINDOW_MS: '30000' },
    });
    try {
      for (const [prompt, seed] of [
        ['a red circle', 1],
        ['a blue square', 2],
        ['a green triangle', 3],
      ] as const) {
        const res = await stack.app.inject({
          method: 'POST',
          url: '/v1/generations',
          headers: { 'content-type': 'application/json' },
          payload: { prompt, seed, steps: 4 },
        });
        ids.push(res.json().id);
        traceIds.push(res.json().trace_id);
      }
      for (const id of ids) await eventually(async () => (await stack.store.get(id))?.status === 'succeeded');
      const batch = await eventually(() => exporter.getFinishedSpans().find((s) => s.name === SPAN.BATCH));
      batchTraceId = batch.spanContext().traceId;
    } finally {
      await stack.close();
    }
    // ---- to a real explorer over OTLP/HTTP JSON
    dir = mkdtempSync(join(tmpdir(), 'diffscope-batch-ui-'));
    const config = loadConfig(
      {},
      { DIFFSCOPE_DATA_DIR: dir, DIFFSCOPE_EXPLORER_PORT: '0', DIFFSCOPE_OTLP_PORT: '0', DIFFSCOPE_EXPLORER_DB: ':memory:' },
    );
    explorer = await startExplorer(config, undefined, { webRoot: join(repoRoot, 'dist/web'), outputDir: join(dir, 'outputs') });
    const body = Buffer.from(JsonTraceSerializer.serializeRequest(exporter.getFinishedSpans())!).toString('utf8');
    await postJson(explorer.otlpUrl, '/v1/traces', body);
    await explorer.flush();
    browser = await launchChromium({ width: 1440, height: 1000 });
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await explorer?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a member's trace shows its batch and siblings; a sibling and the batch are one click away", async () => {
    await page.goto(`${explorer.queryUrl}/trace/${traceIds[0]}`);
    const panel = page.locator('section.batch-panel');
    await panel.waitFor();
    expect(await panel.locator('h2').textContent()).toContain('Ran in a batch of 3');
    expect(await panel.textContent()).toContain('waiting for the batch (batch.wait)');
    // The batch trace is loaded through the link: all three members, this one marked.
    await panel.locator('.fan-in-members li').nth(2).waitFor();
    expect(await panel.locator('.fan-in-members li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-member-trace')))).toEqual(
      traceIds,
    );
    expect(await panel.locator('.fan-in-members li.self').textContent()).toContain(`${ids[0]} (this request)`);
    expect(await panel.locator('a.sibling-link').allTextContents()).toEqual([ids[1], ids[2]]);
    expect(await page.locator('.fan-in-lines path').count()).toBe(3);

    // Jump to a sibling: its own trace, with its own batch panel.
    await panel.locator('a.sibling-link', { hasText: ids[1] }).click();
    await page.waitForURL(`**/trace/${traceIds[1]}?span=*`);
    await page.locator('section.batch-panel .fan-in-members li.self').waitFor();
    expect(await page.locator('section.batch-panel .fan-in-members li.self').textContent()).toContain(ids[1]);
    // The sibling's own spans: its inference with the stage copies under it.
    await page.locator('.span-row', { hasText: 'batch.wait' }).first().waitFor();

    // Jump to the batch's trace: the members fan in.
    await page.locator('section.batch-panel a.batch-trace-link').click();
    await page.waitForURL(`**/trace/${batchTraceId}?span=*`);
    const batchPanel = page.locator('section.batch-panel');
    await batchPanel.waitFor();
    expect(await batchPanel.locator('h2').textContent()).toContain('Batch of 3 requests');
    expect(await batchPanel.locator('a.sibling-link').allTextContents()).toEqual(ids);
    expect(pageErrors).toEqual([]);
  });
});
