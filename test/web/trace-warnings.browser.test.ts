// What the explorer leaves out, shown in real headless Chromium: a real explorer with small query
// limits (4 spans per trace, 100 characters per value) serves a 6-span trace whose spans were made
// by the OpenTelemetry SDK and sent over OTLP/HTTP JSON. The trace page shows the trace warning in a
// banner, marks the one span whose value was cut (not the root, which repeats the trace warning),
// and the span's detail says what was cut; a trace served whole has no banner and no marks.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { context, trace, type Span } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { loadConfig } from '../../src/config/index.js';
import { startExplorer, type ExplorerHandle } from '../../src/explorer/index.js';
import { postJson } from '../explorer/fixtures.js';
import { installTestTracing } from '../support/tracing.js';
import { artifactsDir, chromiumAvailable, CHROMIUM_PATH, ensureWebBuilt, launchChromium } from './support/browser.js';
import type { LaunchedBrowser } from './support/browser.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const exporter = installTestTracing();
const canRun = chromiumAvailable();
if (!canRun) {
  if (process.env.CI === 'true')
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: the trace warnings browser test cannot run in CI`);
  console.warn(`[trace-warnings] skipping browser test: no Chromium at ${CHROMIUM_PATH}`);
}

const MAX_SPANS = 4;
const MAX_VALUE = 100;
const LONG_VALUE = 'x'.repeat(600);

/** One trace: a root and its children, one millisecond apart so the cut (by start time) is known. */
function recordTrace(children: string[], longValueOn?: string): string {
  const tracer = trace.getTracer('trace-warnings-test');
  const t0 = Date.now() - 10_000;
  const root = tracer.startSpan('POST /v1/generations', { startTime: t0 });
  const parent = trace.setSpan(context.active(), root);
  const spans: Span[] = children.map((name, i) =>
    tracer.startSpan(name, { startTime: t0 + i + 1, attributes: name === longValueOn ? { 'diffusion.note': LONG_VALUE } : {} }, parent),
  );
  spans.forEach((s, i) => s.end(t0 + 100 + i));
  root.end(t0 + 200);
  return root.spanContext().traceId;
}

describe.skipIf(!canRun)('trace and span warnings in headless Chromium (real explorer with small query limits)', () => {
  let dir: string;
  let explorer: ExplorerHandle;
  let browser: LaunchedBrowser;
  let page: Page;
  const pageErrors: string[] = [];
  let cutTrace = '';
  let wholeTrace = '';

  beforeAll(async () => {
    ensureWebBuilt();
    // 6 spans: the root and queue.publish, queue.wait, inference are served; sampling and storage.put are left out.
    cutTrace = recordTrace(['queue.publish', 'queue.wait', 'inference', 'sampling', 'storage.put'], 'inference');
    wholeTrace = recordTrace(['queue.publish']);
    dir = mkdtempSync(join(tmpdir(), 'diffscope-warnings-ui-'));
    const config = loadConfig(
      {},
      { DIFFSCOPE_DATA_DIR: dir, DIFFSCOPE_EXPLORER_PORT: '0', DIFFSCOPE_OTLP_PORT: '0', DIFFSCOPE_EXPLORER_DB: ':memory:' },
    );
    explorer = await startExplorer(config, undefined, {
      webRoot: join(repoRoot, 'dist/web'),
      outputDir: join(dir, 'outputs'),
      queryLimits: { maxSpansPerTrace: MAX_SPANS, maxServedValueLength: MAX_VALUE },
    });
    const body = Buffer.from(JsonTraceSerializer.serializeRequest(exporter.getFinishedSpans())!).toString('utf8');
    await postJson(explorer.otlpUrl, '/v1/traces', body);
    await explorer.flush();
    browser = await launchChromium({ width: 1440, height: 900 });
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await explorer?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a cut trace: a banner with the trace warning, a marker on the span whose value was cut, the detail says what', async () => {
    await page.goto(`${explorer.queryUrl}/trace/${cutTrace}`);
    const banner = page.getByRole('status', { name: 'trace warnings' });
    await banner.waitFor();
    expect(await banner.locator('li.trace-warning').allTextContents()).toEqual([
      `trace cut by the explorer: the first ${MAX_SPANS} of 6 spans (by start time) are shown, the limit of ${MAX_SPANS} spans per trace`,
    ]);
    expect(await banner.locator('li.span-warnings-note').textContent()).toContain('1 span has values cut or dropped');
    expect(await page.$$eval('.span-row', (rows) => rows.map((r) => (r as HTMLElement).dataset.op))).toEqual([
      'POST /v1/generations',
      'queue.publish',
      'queue.wait',
      'inference',
    ]);
    // Only the span with a cut value is marked: the root repeats the trace warning but has none of its own.
    const marked = await page.$$eval('.span-row:has(.span-warning-mark)', (rows) => rows.map((r) => (r as HTMLElement).dataset.op));
    expect(marked).toEqual(['inference']);
    const mark = page.locator('.span-row[data-op="inference"] .span-warning-mark');
    expect(await mark.getAttribute('title')).toBe(`attribute "diffusion.note" cut to ${MAX_VALUE} of ${LONG_VALUE.length} characters`);
    expect(await mark.isVisible()).toBe(true);
    mkdirSync(artifactsDir, { recursive: true });
    await page.screenshot({ path: join(artifactsDir, 'explorer-trace-warnings.png') });

    await banner.getByRole('button', { name: 'Show the first' }).click();
    await page.waitForURL(/\?span=[0-9a-f]{16}$/);
    expect(await page.locator('.span-row.selected').getAttribute('data-op')).toBe('inference');
    expect(await page.locator('.detail-pane').textContent()).toContain(
      `attribute "diffusion.note" cut to ${MAX_VALUE} of ${LONG_VALUE.length} characters`,
    );
    expect(pageErrors).toEqual([]);
  });

  it('a trace served whole has no banner and no marks', async () => {
    await page.goto(`${explorer.queryUrl}/trace/${wholeTrace}`);
    await page.locator('.span-row[data-op="queue.publish"]').waitFor();
    expect(await page.locator('section.trace-warnings').count()).toBe(0);
    expect(await page.locator('.span-warning-mark').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
