/**
 * The Jaeger-compatible query API, asked the way Grafana's Jaeger data source asks
 * (services, operations, search with service/operation/tags/min+maxDuration/limit, trace by
 * id) and the way Jaeger's UI asks (start/end/lookback, /api/operations, dependencies), plus
 * /api/logs. Data goes in through the real OTLP endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestExplorer, type TestExplorer } from './helpers.js';
import { logsPayload, newSpanId, postJson, tracesPayload, type FixtureSpan } from './fixtures.js';

const T1 = 'a1'.repeat(16);
const T2 = 'b2'.repeat(16);
const T3 = '00000000000000001234567890abcdef';
const base = Date.now() - 60_000;

function generation(traceId: string, startMs: number, opts: { inferenceMs: number; error?: boolean; sampler: string }): FixtureSpan[] {
  const root = newSpanId();
  const publish = newSpanId();
  const inference = newSpanId();
  return [
    {
      traceId,
      spanId: root,
      service: 'api-server',
      name: 'POST /v1/generations',
      kind: 2,
      startMs,
      durationMs: 3,
      status: 1,
      attributes: { 'http.response.status_code': 202, 'diffscope.request_id': `req-${traceId.slice(0, 4)}` },
    },
    {
      traceId,
      spanId: publish,
      parentSpanId: root,
      service: 'api-server',
      name: 'queue.publish',
      kind: 4,
      startMs: startMs + 1,
      durationMs: 1,
    },
    { traceId, parentSpanId: publish, service: 'inference-worker', name: 'queue.wait', kind: 1, startMs: startMs + 2, durationMs: 40 },
    {
      traceId,
      spanId: inference,
      parentSpanId: publish,
      service: 'inference-worker',
      name: 'inference',
      kind: 5,
      startMs: startMs + 42,
      durationMs: opts.inferenceMs,
      status: opts.error ? 2 : 0,
      attributes: { 'diffusion.sampler': opts.sampler, 'diffusion.steps': 20 },
    },
    {
      traceId,
      parentSpanId: inference,
      service: 'inference-worker',
      name: 'sampling',
      kind: 1,
      startMs: startMs + 50,
      durationMs: opts.inferenceMs - 20,
    },
  ];
}

describe('Jaeger-compatible query API', () => {
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startTestExplorer();
    await postJson(
      ex.otlpUrl,
      '/v1/traces',
      tracesPayload([
        ...generation(T1, base, { inferenceMs: 2000, sampler: 'euler' }),
        ...generation(T2, base + 5000, { inferenceMs: 500, error: true, sampler: 'ddim' }),
        { traceId: T3, service: 'api-server', name: 'GET /healthz', kind: 2, startMs: base - 600_000, durationMs: 1 },
      ]),
    );
  });
  afterAll(async () => {
    await ex.close();
  });

  const ids = (body: any) => body.data.map((t: any) => t.traceID).sort();

  it('GET /api/services', async () => {
    const { status, body } = await ex.get('/api/services');
    expect(status).toBe(200);
    expect(body).toEqual({ data: ['api-server', 'inference-worker'], total: 2, limit: 0, offset: 0, errors: null });
  });

  it('GET /api/services/{service}/operations (Grafana) and /api/operations?spanKind= (Jaeger UI)', async () => {
    const ops = await ex.get('/api/services/api-server/operations');
    expect(ops.body.data.sort()).toEqual(['GET /healthz', 'POST /v1/generations', 'queue.publish']);
    const server = await ex.get('/api/operations?service=api-server&spanKind=server');
    expect(server.body.data).toEqual([
      { name: 'GET /healthz', spanKind: 'server' },
      { name: 'POST /v1/generations', spanKind: 'server' },
    ]);
    const all = await ex.get('/api/operations?service=inference-worker');
    expect(all.body.data).toContainEqual({ name: 'inference', spanKind: 'consumer' });
    expect((await ex.get('/api/operations')).status).toBe(400);
    expect((await ex.get('/api/services/nope/operations')).body.data).toEqual([]);
  });

  it('search by service + operation returns whole traces in Jaeger shape', async () => {
    const { status, body } = await ex.get('/api/traces?service=inference-worker&operation=inference&limit=20');
    expect(status).toBe(200);
    expect(ids(body)).toEqual([T1, T2]);
    expect(body.errors).toBeNull();
    const t1 = body.data.find((t: any) => t.traceID === T1);
    expect(t1.spans).toHaveLength(5);
    expect(
      Object.values(t1.processes)
        .map((p: any) => p.serviceName)
        .sort(),
    ).toEqual(['api-server', 'inference-worker']);
    const span = t1.spans.find((s: any) => s.operationName === 'inference');
    expect(Object.keys(span).sort()).toEqual([
      'duration',
      'flags',
      'logs',
      'operationName',
      'processID',
      'references',
      'spanID',
      'startTime',
      'tags',
      'traceID',
      'warnings',
    ]);
    expect(span.duration).toBe(2_000_000);
    expect(span.startTime).toBe((base + 42) * 1000);
    expect(t1.processes[span.processID].serviceName).toBe('inference-worker');
    expect(t1.processes[span.processID].tags).toContainEqual({ key: 'host.name', type: 'string', value: 'test-host' });
  });

  it('search with tags as JSON (Grafana, Jaeger UI) and as logfmt', async () => {
    const errJson = await ex.get(`/api/traces?service=inference-worker&tags=${encodeURIComponent('{"error":"true"}')}`);
    expect(ids(errJson.body)).toEqual([T2]);
    const errLogfmt = await ex.get(`/api/traces?service=inference-worker&tags=${encodeURIComponent('error=true')}`);
    expect(ids(errLogfmt.body)).toEqual([T2]);
    const sampler = await ex.get(
      `/api/traces?service=inference-worker&tags=${encodeURIComponent('{"diffusion.sampler":"euler","diffusion.steps":"20"}')}`,
    );
    expect(ids(sampler.body)).toEqual([T1]);
    const status = await ex.get(
      `/api/traces?service=api-server&tags=${encodeURIComponent('http.response.status_code=202 span.kind=server')}`,
    );
    expect(ids(status.body)).toEqual([T1, T2]);
    const resourceTag = await ex.get(`/api/traces?service=api-server&tags=${encodeURIComponent('{"host.name":"test-host"}')}&limit=10`);
    expect(ids(resourceTag.body)).toEqual([T3, T1, T2].sort());
    expect((await ex.get('/api/traces?service=api-server&tags=%7Bbroken')).status).toBe(400);
  });

  it('search with minDuration / maxDuration as Go durations', async () => {
    expect(ids((await ex.get('/api/traces?service=inference-worker&minDuration=1.5s')).body)).toEqual([T1]);
    expect(ids((await ex.get('/api/traces?service=inference-worker&operation=inference&maxDuration=600ms')).body)).toEqual([T2]);
    expect(ids((await ex.get('/api/traces?service=inference-worker&minDuration=100ms&maxDuration=1s')).body)).toEqual([T2]);
    expect((await ex.get('/api/traces?service=inference-worker&minDuration=fast')).status).toBe(400);
  });

  it('search with start/end (µs), lookback and limit', async () => {
    const start = (base - 300_000) * 1000;
    expect(ids((await ex.get(`/api/traces?service=api-server&start=${start}&end=${Date.now() * 1000}`)).body)).toEqual([T1, T2]);
    expect(ids((await ex.get(`/api/traces?service=api-server&end=${(base - 1000) * 1000}`)).body)).toEqual([T3]);
    expect(ids((await ex.get('/api/traces?service=api-server&lookback=5m')).body)).toEqual([T1, T2]);
    expect(ids((await ex.get('/api/traces?service=api-server&lookback=2h')).body)).toEqual([T3, T1, T2].sort());
    const limited = await ex.get('/api/traces?service=api-server&limit=1');
    expect(ids(limited.body)).toEqual([T2]);
  });

  it('trace by id: one, several, short ids, unknown → 404, malformed → 400', async () => {
    const one = await ex.get(`/api/traces/${T1}`);
    expect(one.status).toBe(200);
    expect(one.body.data).toHaveLength(1);
    const root = one.body.data[0].spans.find((s: any) => s.operationName === 'POST /v1/generations');
    expect(root.references).toEqual([]);
    expect(root.tags).toContainEqual({ key: 'otel.status_code', type: 'string', value: 'OK' });
    const publish = one.body.data[0].spans.find((s: any) => s.operationName === 'queue.publish');
    expect(publish.references).toEqual([{ refType: 'CHILD_OF', traceID: T1, spanID: root.spanID }]);

    expect(ids((await ex.get(`/api/traces/${T1},${T2}`)).body)).toEqual([T1, T2]);
    expect(ids((await ex.get(`/api/traces?traceID=${T1}&traceID=${T2}`)).body)).toEqual([T1, T2]);
    expect(ids((await ex.get('/api/traces/1234567890abcdef')).body)).toEqual([T3]);
    expect(ids((await ex.get(`/api/traces/${T1.toUpperCase()}`)).body)).toEqual([T1]);

    const missing = await ex.get(`/api/traces/${'cd'.repeat(16)}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 404, msg: 'trace not found' }] });
    expect((await ex.get('/api/traces/not-a-trace-id')).status).toBe(400);
  });

  it('GET /api/dependencies', async () => {
    const { body } = await ex.get(`/api/dependencies?endTs=${Date.now()}&lookback=3600000`);
    expect(body.data).toEqual([{ parent: 'api-server', child: 'inference-worker', callCount: 4 }]);
  });

  it('unknown /api paths → 404 JSON', async () => {
    const res = await ex.get('/api/nope');
    expect(res.status).toBe(404);
    expect(res.body.errors[0].code).toBe(404);
  });
});

describe('GET /api/logs', () => {
  let ex: TestExplorer;
  const trace = 'c3'.repeat(16);
  const span = 'd4'.repeat(8);
  beforeAll(async () => {
    ex = await startTestExplorer();
    await postJson(
      ex.otlpUrl,
      '/v1/logs',
      logsPayload([
        {
          service: 'api-server',
          timeMs: base,
          body: 'request received',
          traceId: trace,
          attributes: { event: 'request_received', request_id: 'req-1' },
        },
        {
          service: 'inference-worker',
          timeMs: base + 10,
          body: 'job dequeued',
          traceId: trace,
          spanId: span,
          attributes: { event: 'job_dequeued', request_id: 'req-1' },
        },
        {
          service: 'inference-worker',
          timeMs: base + 20,
          severityText: 'ERROR',
          severityNumber: 17,
          body: 'model checksum mismatch',
          traceId: trace,
          spanId: span,
          attributes: { event: 'request_failed', request_id: 'req-1', 'error.type': 'ModelInvalid' },
        },
        {
          service: 'api-server',
          timeMs: base + 30,
          body: 'request received',
          attributes: { event: 'request_received', request_id: 'req-2', model_id: 'tiny-unet' },
        },
        {
          service: 'api-server',
          timeMs: base - 3_600_000,
          severityText: 'WARN',
          severityNumber: 13,
          body: 'slow start',
          attributes: { event: 'startup' },
        },
      ]),
    );
  });
  afterAll(async () => {
    await ex.close();
  });

  const events = (body: any) => body.data.map((l: any) => l.event);

  it('by trace_id, newest first, with the documented entry shape', async () => {
    const { status, body } = await ex.get(`/api/logs?trace_id=${trace}`);
    expect(status).toBe(200);
    expect(events(body)).toEqual(['request_failed', 'job_dequeued', 'request_received']);
    expect(body.total).toBe(3);
    const e = body.data[0];
    expect(Object.keys(e).sort()).toEqual([
      'attributes',
      'body',
      'event',
      'id',
      'level',
      'request_id',
      'service',
      'span_id',
      'time_us',
      'timestamp',
      'trace_id',
    ]);
    expect(e).toMatchObject({
      level: 'ERROR',
      service: 'inference-worker',
      trace_id: trace,
      span_id: span,
      request_id: 'req-1',
      time_us: (base + 20) * 1000,
      timestamp: new Date(base + 20).toISOString(),
    });
    expect(e.attributes['error.type']).toBe('ModelInvalid');
  });

  it('by request_id, span_id, service, level, event, time', async () => {
    expect(events((await ex.get('/api/logs?request_id=req-2')).body)).toEqual(['request_received']);
    expect(events((await ex.get(`/api/logs?span_id=${span}`)).body)).toEqual(['request_failed', 'job_dequeued']);
    expect(events((await ex.get('/api/logs?service=api-server')).body)).toEqual(['request_received', 'request_received', 'startup']);
    expect(events((await ex.get('/api/logs?level=error')).body)).toEqual(['request_failed']);
    expect(events((await ex.get('/api/logs?level=WARN,error')).body)).toEqual(['request_failed', 'startup']);
    expect(events((await ex.get('/api/logs?event=request_received')).body)).toHaveLength(2);
    expect(events((await ex.get(`/api/logs?start=${(base + 5) * 1000}&end=${(base + 25) * 1000}`)).body)).toEqual([
      'request_failed',
      'job_dequeued',
    ]);
    expect(events((await ex.get(`/api/logs?start=${encodeURIComponent(new Date(base + 25).toISOString())}`)).body)).toEqual([
      'request_received',
    ]);
  });

  it('full-text q over body and attributes, punctuation-safe', async () => {
    expect(events((await ex.get('/api/logs?q=checksum')).body)).toEqual(['request_failed']);
    expect(events((await ex.get(`/api/logs?q=${encodeURIComponent('checksum mismatch!! "(')}`)).body)).toEqual(['request_failed']);
    expect(events((await ex.get('/api/logs?q=tiny')).body)).toEqual(['request_received']);
    expect(events((await ex.get('/api/logs?q=ModelInvalid&service=inference-worker')).body)).toEqual(['request_failed']);
    expect((await ex.get('/api/logs?q=nothingmatches')).body).toEqual({ data: [], total: 0 });
  });

  it('limit keeps total as the full count', async () => {
    const { body } = await ex.get('/api/logs?limit=2');
    expect(body.data).toHaveLength(2);
    expect(body.total).toBe(5);
    expect((await ex.get('/api/logs?trace_id=xyz')).status).toBe(400);
  });
});
