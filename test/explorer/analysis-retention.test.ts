/** Stage analysis on a constructed set of traces; retention by age and by size. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestExplorer, type TestExplorer } from './helpers.js';
import { logsPayload, newSpanId, newTraceId, postJson, tracesPayload, type FixtureSpan } from './fixtures.js';

const base = Date.now() - 3_600_000;

/** Request i: queue.wait = i+1 ms; cold (model.load 100+i ms) for i < 4; two storage.put of 5 ms. */
function request(i: number): FixtureSpan[] {
  const traceId = newTraceId();
  const inference = newSpanId();
  const t = base + i * 10_000;
  const even = i % 2 === 0;
  const spans: FixtureSpan[] = [
    { traceId, service: 'api-server', name: 'POST /v1/generations', kind: 2, startMs: t, durationMs: 2 },
    { traceId, service: 'worker', name: 'queue.wait', startMs: t + 2, durationMs: i + 1 },
    {
      traceId,
      spanId: inference,
      service: 'worker',
      name: 'inference',
      kind: 5,
      startMs: t + 3 + i,
      durationMs: 1000,
      attributes: {
        'diffusion.model.id': 'tiny',
        'diffusion.sampler': even ? 'euler' : 'ddim',
        'diffusion.steps': even ? 20 : 10,
        'diffusion.width': 64,
        'diffusion.height': 64,
      },
    },
    { traceId, parentSpanId: inference, service: 'worker', name: 'text.encode', startMs: t + 300, durationMs: 10 },
    { traceId, parentSpanId: inference, service: 'worker', name: 'sampling', startMs: t + 310, durationMs: 600 + i },
    { traceId, service: 'worker', name: 'storage.put', kind: 3, startMs: t + 1010, durationMs: 5 },
    { traceId, service: 'worker', name: 'storage.put', kind: 3, startMs: t + 1016, durationMs: 5 },
  ];
  if (i < 4)
    spans.push({ traceId, parentSpanId: inference, service: 'worker', name: 'model.load', startMs: t + 4 + i, durationMs: 100 + i });
  // Every third request comes from a pixel-space model, whose decode span is `image.decode`.
  if (i % 3 === 0)
    spans.push({ traceId, parentSpanId: inference, service: 'worker', name: 'image.decode', startMs: t + 950, durationMs: 7 });
  return spans;
}

describe('GET /api/analysis/stages', () => {
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startTestExplorer();
    const spans = Array.from({ length: 20 }, (_, i) => request(i)).flat();
    spans.push({ traceId: newTraceId(), service: 'api-server', name: 'GET /healthz', startMs: base + 500_000, durationMs: 1 });
    await postJson(ex.otlpUrl, '/v1/traces', tracesPayload(spans));
  });
  afterAll(async () => {
    await ex.close();
  });

  const stage = (stages: any[], name: string) => stages.find((s) => s.stage === name);

  it('p50/p95 per stage over the last N requests (nearest rank)', async () => {
    const { status, body } = await ex.get('/api/analysis/stages?limit=100');
    expect(status).toBe(200);
    const a = body.data;
    expect(a.requests).toBe(20);
    expect(a.stages.map((s: any) => s.stage)).toEqual([
      'queue.wait',
      'model.load',
      'model.warmup',
      'text.encode',
      'sampling',
      'vae.decode',
      'storage.put',
      'notify.webhook',
      'inference',
      'total',
    ]);
    expect(stage(a.stages, 'queue.wait')).toEqual({ stage: 'queue.wait', count: 20, p50_ms: 10, p95_ms: 19 });
    expect(stage(a.stages, 'model.load')).toEqual({ stage: 'model.load', count: 4, p50_ms: 101, p95_ms: 103 });
    expect(stage(a.stages, 'sampling')).toMatchObject({ count: 20, p50_ms: 609, p95_ms: 618 });
    expect(stage(a.stages, 'storage.put')).toMatchObject({ count: 20, p50_ms: 10, p95_ms: 10 });
    // image.decode (pixel models) counts as the decode stage: requests 0, 3, …, 18.
    expect(stage(a.stages, 'vae.decode')).toEqual({ stage: 'vae.decode', count: 7, p50_ms: 7, p95_ms: 7 });
    expect(stage(a.stages, 'total')).toMatchObject({ count: 20, p50_ms: 1021, p95_ms: 1021 });
  });

  it('splits cold (trace has model.load) from warm, and groups by model/sampler/steps/size', async () => {
    const a = (await ex.get('/api/analysis/stages')).body.data;
    expect(a.cold.requests).toBe(4);
    expect(a.warm.requests).toBe(16);
    expect(stage(a.cold.stages, 'queue.wait')).toMatchObject({ count: 4, p50_ms: 2, p95_ms: 4 });
    expect(stage(a.warm.stages, 'model.load').count).toBe(0);
    expect(stage(a.warm.stages, 'queue.wait')).toMatchObject({ count: 16, p50_ms: 12, p95_ms: 20 });
    expect(a.groups).toHaveLength(2);
    const euler = a.groups.find((g: any) => g.key.sampler === 'euler');
    expect(euler.key).toEqual({ model: 'tiny', sampler: 'euler', steps: 20, size: '64x64' });
    expect(euler.requests).toBe(10);
    expect(stage(euler.stages, 'queue.wait')).toMatchObject({ count: 10, p50_ms: 9, p95_ms: 19 });
  });

  it('limit takes the newest requests; service filters by the inference span service', async () => {
    const a = (await ex.get('/api/analysis/stages?limit=5')).body.data;
    expect(a.requests).toBe(5);
    expect(stage(a.stages, 'queue.wait')).toMatchObject({ p50_ms: 18, p95_ms: 20 });
    expect((await ex.get('/api/analysis/stages?service=api-server')).body.data.requests).toBe(0);
    expect((await ex.get('/api/analysis/stages?service=worker')).body.data.requests).toBe(20);
  });
});

describe('retention', () => {
  let ex: TestExplorer;
  afterAll(async () => {
    await ex?.close();
  });

  it('deletes spans and logs older than the age limit, and their search entries', async () => {
    ex = await startTestExplorer({ DIFFSCOPE_EXPLORER_RETENTION_HOURS: '24' });
    const now = Date.now();
    const oldTrace = newTraceId();
    const newTrace = newTraceId();
    await postJson(
      ex.otlpUrl,
      '/v1/traces',
      tracesPayload([
        { traceId: oldTrace, service: 'old-svc', name: 'old-op', startMs: now - 48 * 3_600_000, durationMs: 5 },
        { traceId: newTrace, service: 'new-svc', name: 'new-op', startMs: now - 3_600_000, durationMs: 5 },
      ]),
    );
    await postJson(
      ex.otlpUrl,
      '/v1/logs',
      logsPayload([
        { service: 'old-svc', timeMs: now - 30 * 3_600_000, body: 'ancient zebra', traceId: oldTrace },
        { service: 'new-svc', timeMs: now - 60_000, body: 'fresh zebra', traceId: newTrace },
      ]),
    );
    await ex.flush();
    const result = await ex.runRetention(now);
    expect(result.spansDeleted).toBe(1);
    expect(result.logsDeleted).toBe(1);
    expect((await ex.get(`/api/traces/${oldTrace}`)).status).toBe(404);
    expect((await ex.get(`/api/traces/${newTrace}`)).status).toBe(200);
    expect((await ex.get('/api/services')).body.data).toEqual(['new-svc']);
    const zebra = await ex.get('/api/logs?q=zebra');
    expect(zebra.body.data.map((l: any) => l.body)).toEqual(['fresh zebra']);
    const ftsRows = ex.store.db.prepare("SELECT COUNT(*) FROM logs_fts WHERE logs_fts MATCH 'ancient'").pluck().get();
    expect(ftsRows).toBe(0);
  });

  it('drops the oldest data until the store fits the size cap', async () => {
    await ex?.close();
    ex = await startTestExplorer({ DIFFSCOPE_EXPLORER_MAX_DB_MB: '1' });
    const now = Date.now();
    const filler = 'x'.repeat(400);
    const batches: FixtureSpan[][] = [];
    for (let b = 0; b < 8; b++) {
      batches.push(
        Array.from({ length: 500 }, (_, i) => ({
          traceId: newTraceId(),
          service: 'bulk',
          name: 'op',
          startMs: now - 3_600_000 + (b * 500 + i) * 100,
          durationMs: 1,
          attributes: { filler, n: b * 500 + i },
        })),
      );
    }
    for (const batch of batches) await postJson(ex.otlpUrl, '/v1/traces', tracesPayload(batch));
    await ex.flush();
    const count = () => ex.store.db.prepare('SELECT COUNT(*) FROM spans').pluck().get() as number;
    expect(count()).toBe(4000);
    const result = await ex.runRetention(now);
    expect(result.usedBytesBefore).toBeGreaterThan(1024 * 1024);
    expect(result.usedBytesAfter).toBeLessThanOrEqual(1024 * 1024);
    expect(result.spansDeleted).toBeGreaterThan(0);
    expect(count()).toBe(4000 - result.spansDeleted);
    // the newest span survives, the oldest does not
    const newest = batches[7][499];
    const oldest = batches[0][0];
    expect((await ex.get(`/api/traces/${newest.traceId}`)).status).toBe(200);
    expect((await ex.get(`/api/traces/${oldest.traceId}`)).status).toBe(404);
  });
});
