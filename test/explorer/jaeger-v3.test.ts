/**
 * Jaeger v2's api_v3 over HTTP/JSON, asked exactly the way Jaeger UI 2.20 asks it, with the
 * answers checked against the zod schemas the UI validates them with. Data goes in through the
 * real OTLP/HTTP endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestExplorer, type TestExplorer } from './helpers.js';
import { newSpanId, postJson, tracesPayload, type FixtureSpan } from './fixtures.js';

// ---------------------------------------------------------------------------------------------
// The UI's expectations, re-expressed from jaegertracing/jaeger-ui v2.20.0:
//   packages/jaeger-ui/src/api/v3/generated-client.ts (generated from Jaeger's OpenAPI spec)
//   packages/jaeger-ui/src/api/v3/schemas.ts (stricter trace summary: 32-hex traceId, decimal
//   ns strings, non-negative counts)
// Objects there are .loose(); fields marked optional here are optional there.
// ---------------------------------------------------------------------------------------------
const ServicesResponse = z.object({ services: z.array(z.string()) }).loose();
const OperationsResponse = z.object({ operations: z.array(z.object({ name: z.string(), spanKind: z.string() }).loose()) }).loose();
const count = z.number().int().min(0).optional();
const TraceSummary = z
  .object({
    traceId: z.string().regex(/^[0-9a-f]{32}$/i),
    rootServiceName: z.string().optional(),
    rootOperationName: z.string().optional(),
    minStartTimeUnixNano: z.string().regex(/^\d+$/).optional(),
    maxEndTimeUnixNano: z.string().regex(/^\d+$/).optional(),
    spanCount: count,
    errorSpanCount: count,
    orphanSpanCount: count,
    services: z.array(z.object({ name: z.string(), spanCount: count, errorSpanCount: count })).optional(),
  })
  .loose();
const TraceSummariesResponse = z.object({ summaries: z.array(TraceSummary).optional() }).loose();

type AnyValueT = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValueT[] };
  kvlistValue?: { values?: KeyValueT[] };
  bytesValue?: string;
};
type KeyValueT = { key?: string; value?: AnyValueT };
const AnyValue: z.ZodType<AnyValueT> = z.lazy(() =>
  z
    .object({
      stringValue: z.string(),
      boolValue: z.boolean(),
      intValue: z.string(),
      doubleValue: z.number(),
      arrayValue: z
        .object({ values: z.array(AnyValue) })
        .partial()
        .loose(),
      kvlistValue: z
        .object({ values: z.array(KeyValue) })
        .partial()
        .loose(),
      bytesValue: z.string(),
    })
    .partial()
    .loose(),
);
const KeyValue: z.ZodType<KeyValueT> = z.lazy(() => z.object({ key: z.string(), value: AnyValue }).partial().loose());
const Span = z
  .object({
    traceId: z.string(),
    spanId: z.string(),
    traceState: z.string(),
    parentSpanId: z.string(),
    flags: z.number().int(),
    name: z.string(),
    kind: z.number().int(),
    startTimeUnixNano: z.string(),
    endTimeUnixNano: z.string(),
    attributes: z.array(KeyValue),
    droppedAttributesCount: z.number().int(),
    events: z.array(
      z
        .object({ timeUnixNano: z.string(), name: z.string(), attributes: z.array(KeyValue) })
        .partial()
        .loose(),
    ),
    links: z.array(
      z
        .object({ traceId: z.string(), spanId: z.string(), traceState: z.string(), attributes: z.array(KeyValue), flags: z.number().int() })
        .partial()
        .loose(),
    ),
    status: z.object({ message: z.string(), code: z.number().int() }).partial().loose(),
  })
  .partial()
  .loose();
const TracesData = z
  .object({
    resourceSpans: z.array(
      z
        .object({
          resource: z
            .object({ attributes: z.array(KeyValue), droppedAttributesCount: z.number().int() })
            .partial()
            .loose(),
          scopeSpans: z.array(
            z
              .object({
                scope: z
                  .object({ name: z.string(), version: z.string(), attributes: z.array(KeyValue) })
                  .partial()
                  .loose(),
                spans: z.array(Span),
                schemaUrl: z.string(),
              })
              .partial()
              .loose(),
          ),
          schemaUrl: z.string(),
        })
        .partial()
        .loose(),
    ),
  })
  .partial()
  .loose();
// Jaeger's gateway wraps the TracesData (api_v3.GRPCGatewayWrapper, http_gateway.go returnTrace).
const TraceResponse = z.object({ result: TracesData }).strict();
const GatewayError = z.object({ error: z.object({ httpCode: z.number().int(), message: z.string() }) });

/** The URL jaeger-ui 2.20's JaegerClient.fetchTraceSummaries builds (src/api/v3/client.ts) from a search form. */
function uiTraceSummariesUrl(form: {
  service?: string;
  operation?: string;
  startUs: number;
  endUs: number;
  limit?: number;
  minDuration?: string;
  maxDuration?: string;
  tags?: string;
}): string {
  const params = new URLSearchParams();
  if (form.service) params.set('query.serviceName', form.service);
  if (form.operation) params.set('query.operationName', form.operation);
  params.set('query.startTimeMin', new Date(form.startUs / 1000).toISOString());
  params.set('query.startTimeMax', new Date(form.endUs / 1000).toISOString());
  if (form.limit) params.set('query.searchDepth', String(form.limit));
  if (form.minDuration) params.set('query.durationMin', form.minDuration);
  if (form.maxDuration) params.set('query.durationMax', form.maxDuration);
  if (form.tags) params.set('query.attributes', form.tags);
  return `/api/v3/trace-summaries?${params.toString()}`;
}

/** What that client then derives from a summary (start and duration in µs). */
function uiDerived(s: z.infer<typeof TraceSummary>): { startTime: number; duration: number; traceName: string } {
  const start = BigInt(s.minStartTimeUnixNano!);
  const end = BigInt(s.maxEndTimeUnixNano!);
  return {
    startTime: Number(start / 1000n),
    duration: Number((end - start) / 1000n),
    traceName: `${s.rootServiceName}: ${s.rootOperationName}`,
  };
}

const T1 = 'a1'.repeat(16);
const T2 = 'b2'.repeat(16);
const T_ORPHAN = 'e5'.repeat(16);
const base = Date.now() - 60_000;
const ROOT1 = '1111111111111111';

function generation(
  traceId: string,
  startMs: number,
  opts: { inferenceMs: number; error?: boolean; sampler: string; rootId?: string },
): FixtureSpan[] {
  const root = opts.rootId ?? newSpanId();
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
      attributes: { 'http.response.status_code': 202 },
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
    { traceId, parentSpanId: publish, service: 'inference-worker', name: 'queue.wait', kind: 0, startMs: startMs + 2, durationMs: 40 },
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
      attributes: { 'diffusion.sampler': opts.sampler, 'diffusion.steps': 20, 'diffusion.guidance_scale': 7.5, 'diffusion.tiled': false },
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

const windowAll = { startUs: (base - 600_000) * 1000, endUs: Date.now() * 1000 + 60_000_000 };

describe('Jaeger api_v3 (HTTP/JSON) as Jaeger UI 2.20 calls it', () => {
  let ex: TestExplorer;
  const duplicatePayload = tracesPayload(generation(T1, base, { inferenceMs: 2000, sampler: 'euler', rootId: ROOT1 }));
  beforeAll(async () => {
    ex = await startTestExplorer();
    // T1 arrives twice: what an exporter retrying an export that had in fact landed produces.
    await postJson(ex.otlpUrl, '/v1/traces', duplicatePayload);
    await postJson(ex.otlpUrl, '/v1/traces', duplicatePayload);
    await postJson(
      ex.otlpUrl,
      '/v1/traces',
      tracesPayload([
        ...generation(T2, base + 5000, { inferenceMs: 500, error: true, sampler: 'ddim' }),
        // a trace whose root never arrived: one span pointing at a missing parent
        {
          traceId: T_ORPHAN,
          parentSpanId: 'ffffffffffffffff',
          service: 'inference-worker',
          name: 'inference',
          kind: 5,
          startMs: base + 9000,
          durationMs: 10,
        },
      ]),
    );
  });
  afterAll(async () => {
    await ex.close();
  });

  it('GET /api/v3/services', async () => {
    const { status, body } = await ex.get('/api/v3/services');
    expect(status).toBe(200);
    expect(ServicesResponse.parse(body).services).toEqual(['api-server', 'inference-worker']);
  });

  it('GET /api/v3/operations?service= (kind names; unspecified listed as internal) and ?spanKind=', async () => {
    const all = OperationsResponse.parse((await ex.get('/api/v3/operations?service=inference-worker')).body);
    expect(all.operations).toEqual([
      { name: 'inference', spanKind: 'consumer' },
      { name: 'queue.wait', spanKind: 'internal' },
      { name: 'sampling', spanKind: 'internal' },
    ]);
    const server = OperationsResponse.parse((await ex.get('/api/v3/operations?service=api-server&spanKind=server')).body);
    expect(server.operations).toEqual([{ name: 'POST /v1/generations', spanKind: 'server' }]);
    expect((await ex.get('/api/v3/operations?service=api-server&span_kind=producer')).body.operations).toEqual([
      { name: 'queue.publish', spanKind: 'producer' },
    ]);
    expect((await ex.get('/api/v3/operations?service=nope')).body).toEqual({ operations: [] });
    const missing = await ex.get('/api/v3/operations');
    expect(missing.status).toBe(400);
    expect(GatewayError.parse(missing.body).error.httpCode).toBe(400);
    expect((await ex.get('/api/v3/operations?service=api-server&spanKind=sideways')).status).toBe(400);
  });

  it("GET /api/v3/trace-summaries with the UI client's camelCase parameters: values as Jaeger computes them", async () => {
    const { status, body } = await ex.get(uiTraceSummariesUrl({ service: 'inference-worker', ...windowAll, limit: 20 }));
    expect(status).toBe(200);
    const summaries = TraceSummariesResponse.parse(body).summaries!;
    // newest first; T1 once although its spans are stored twice
    expect(summaries.map((s) => s.traceId)).toEqual([T_ORPHAN, T2, T1]);
    const t2 = summaries[1];
    expect(t2).toEqual({
      traceId: T2,
      rootServiceName: 'api-server',
      rootOperationName: 'POST /v1/generations',
      minStartTimeUnixNano: String(BigInt(base + 5000) * 1_000_000n),
      maxEndTimeUnixNano: String(BigInt(base + 5000 + 42 + 500) * 1_000_000n),
      spanCount: 5,
      errorSpanCount: 1,
      orphanSpanCount: 0,
      services: [
        { name: 'api-server', spanCount: 2, errorSpanCount: 0 },
        { name: 'inference-worker', spanCount: 3, errorSpanCount: 1 },
      ],
    });
    expect(uiDerived(t2)).toEqual({ startTime: (base + 5000) * 1000, duration: 542_000, traceName: 'api-server: POST /v1/generations' });
    expect(summaries[2]).toMatchObject({ spanCount: 5, errorSpanCount: 0, orphanSpanCount: 0 });
    expect(uiDerived(summaries[2]).duration).toBe(2_042_000);
    // no root, one orphan
    expect(summaries[0]).toMatchObject({ rootServiceName: '', rootOperationName: '', spanCount: 1, orphanSpanCount: 1 });
  });

  it('trace-summaries filters: operation, durations (Go syntax), attributes (JSON as the UI sends), searchDepth, time window', async () => {
    const ids = async (form: Parameters<typeof uiTraceSummariesUrl>[0]) =>
      TraceSummariesResponse.parse((await ex.get(uiTraceSummariesUrl(form))).body).summaries!.map((s) => s.traceId);
    expect(await ids({ service: 'inference-worker', operation: 'inference', minDuration: '1.5s', ...windowAll })).toEqual([T1]);
    expect(
      await ids({ service: 'inference-worker', operation: 'inference', minDuration: '100ms', maxDuration: '1s', ...windowAll }),
    ).toEqual([T2]);
    expect(await ids({ service: 'inference-worker', tags: JSON.stringify({ error: 'true' }), ...windowAll })).toEqual([T2]);
    expect(await ids({ service: 'inference-worker', tags: JSON.stringify({ 'diffusion.sampler': 'euler' }), ...windowAll })).toEqual([T1]);
    expect(await ids({ service: 'inference-worker', limit: 1, ...windowAll })).toEqual([T_ORPHAN]);
    expect(await ids({ service: 'api-server', startUs: (base + 1000) * 1000, endUs: (base + 8000) * 1000 })).toEqual([T2]);
    expect(await ids({ service: 'api-server', startUs: (base - 600_000) * 1000, endUs: (base - 1000) * 1000 })).toEqual([]);
  });

  it('the older snake_case spellings give the same answer as the camelCase ones', async () => {
    const camel = await ex.get(
      uiTraceSummariesUrl({ service: 'inference-worker', operation: 'inference', minDuration: '100ms', ...windowAll }),
    );
    const snake = new URLSearchParams({
      'query.service_name': 'inference-worker',
      'query.operation_name': 'inference',
      'query.duration_min': '100ms',
      'query.start_time_min': new Date(windowAll.startUs / 1000).toISOString(),
      'query.start_time_max': new Date(windowAll.endUs / 1000).toISOString(),
      'query.search_depth': '20',
    });
    const res = await ex.get(`/api/v3/trace-summaries?${snake}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(camel.body);
    expect(res.body.summaries.map((s: any) => s.traceId)).toEqual([T2, T1]);
  });

  it('bad search parameters → 400 with the gateway error body, never 5xx', async () => {
    const bad = [
      '/api/v3/trace-summaries?query.serviceName=api-server',
      `/api/v3/trace-summaries?query.startTimeMin=yesterday&query.startTimeMax=${new Date().toISOString()}`,
      `/api/v3/traces?query.startTimeMin=${new Date().toISOString()}&query.startTimeMax=${new Date(Date.now() - 1000).toISOString()}`,
      uiTraceSummariesUrl({ ...windowAll, minDuration: 'fast' }),
      uiTraceSummariesUrl({ ...windowAll, tags: '{broken' }),
      `${uiTraceSummariesUrl({ ...windowAll })}&query.searchDepth=-3`,
      `${uiTraceSummariesUrl({ ...windowAll })}&query.rawTraces=perhaps`,
      `${uiTraceSummariesUrl({ ...windowAll })}&query.filter=%7B%7D`,
    ];
    for (const url of bad) {
      const res = await ex.get(url);
      expect(res.status, url).toBe(400);
      expect(GatewayError.parse(res.body).error.httpCode).toBe(400);
    }
  });

  it('GET /api/v3/traces (find traces) answers OTLP JSON: resourceSpans per trace and service, scope, typed attributes', async () => {
    const params = new URLSearchParams({
      'query.serviceName': 'inference-worker',
      'query.operationName': 'inference',
      'query.startTimeMin': new Date(windowAll.startUs / 1000).toISOString(),
      'query.startTimeMax': new Date(windowAll.endUs / 1000).toISOString(),
      'query.durationMin': '1s',
    });
    const { status, body } = await ex.get(`/api/v3/traces?${params}`);
    expect(status).toBe(200);
    const data = TraceResponse.parse(body).result;
    expect(data.resourceSpans).toHaveLength(2);
    const spans = data.resourceSpans!.flatMap((rs) => rs.scopeSpans!.flatMap((ss) => ss.spans!));
    expect(spans).toHaveLength(5);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([T1]));
    const worker = data.resourceSpans!.find((rs) =>
      rs.resource!.attributes!.some((a) => a.key === 'service.name' && a.value!.stringValue === 'inference-worker'),
    )!;
    expect(worker.resource!.attributes).toContainEqual({ key: 'host.name', value: { stringValue: 'test-host' } });
    expect(worker.scopeSpans![0].scope).toEqual({ name: 'fixture' });
    const inference = spans.find((s) => s.name === 'inference')!;
    expect(inference).toMatchObject({
      kind: 5,
      startTimeUnixNano: String(BigInt(base + 42) * 1_000_000n),
      endTimeUnixNano: String(BigInt(base + 42 + 2000) * 1_000_000n),
      status: { code: 0 },
    });
    expect(inference.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(inference.attributes).toEqual([
      { key: 'diffusion.sampler', value: { stringValue: 'euler' } },
      { key: 'diffusion.steps', value: { intValue: '20' } },
      { key: 'diffusion.guidance_scale', value: { doubleValue: 7.5 } },
      { key: 'diffusion.tiled', value: { boolValue: false } },
    ]);
    const root = spans.find((s) => s.name === 'POST /v1/generations')!;
    expect(root.parentSpanId).toBeUndefined();
    expect(root.status).toEqual({ code: 1 });
    expect(spans.find((s) => s.name === 'queue.publish')!.parentSpanId).toBe(ROOT1);

    const none = await ex.get(
      `/api/v3/traces?${new URLSearchParams({ 'query.serviceName': 'nobody', 'query.startTimeMin': new Date(windowAll.startUs / 1000).toISOString(), 'query.startTimeMax': new Date(windowAll.endUs / 1000).toISOString() })}`,
    );
    expect(none.status).toBe(404);
    expect(GatewayError.parse(none.body).error).toEqual({ httpCode: 404, message: 'No traces found' });
  });

  it('GET /api/v3/traces/{trace_id}: hex or base64 id, optional time window, 404 / 400', async () => {
    const byHex = TraceResponse.parse((await ex.get(`/api/v3/traces/${T2}`)).body).result;
    const spans = byHex.resourceSpans!.flatMap((rs) => rs.scopeSpans!.flatMap((ss) => ss.spans!));
    expect(spans).toHaveLength(5);
    expect(spans.find((s) => s.name === 'inference')!.status).toEqual({ code: 2 });

    const base64 = Buffer.from(T2, 'hex').toString('base64');
    expect((await ex.get(`/api/v3/traces/${encodeURIComponent(base64)}`)).body).toEqual({ result: byHex });
    expect((await ex.get(`/api/v3/traces/${T2.toUpperCase()}`)).body).toEqual({ result: byHex });

    const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
    expect((await ex.get(`/api/v3/traces/${T2}?startTime=${iso(base + 4000)}&endTime=${iso(base + 6000)}`)).status).toBe(200);
    expect((await ex.get(`/api/v3/traces/${T2}?start_time=${iso(base + 4000)}&end_time=${iso(base + 6000)}`)).status).toBe(200);
    expect((await ex.get(`/api/v3/traces/${T2}?startTime=${iso(base + 10_000)}`)).status).toBe(404);
    expect((await ex.get(`/api/v3/traces/${T2}?startTime=last-tuesday`)).status).toBe(400);

    const missing = await ex.get(`/api/v3/traces/${'cd'.repeat(16)}`);
    expect(missing.status).toBe(404);
    expect(GatewayError.parse(missing.body).error.httpCode).toBe(404);
    const malformed = await ex.get('/api/v3/traces/not-a-trace');
    expect(malformed.status).toBe(400);
    expect(GatewayError.parse(malformed.body).error.message).toMatch(/trace_id/);
  });

  it('rawTraces / raw: the stored copies as they are; by default exact duplicates are shown once (v3 and v1)', async () => {
    const spansOf = (body: any) => body.result.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans));
    expect(spansOf((await ex.get(`/api/v3/traces/${T1}`)).body)).toHaveLength(5);
    expect(spansOf((await ex.get(`/api/v3/traces/${T1}?rawTraces=true`)).body)).toHaveLength(10);
    expect(spansOf((await ex.get(`/api/v3/traces/${T1}?raw_traces=1`)).body)).toHaveLength(10);
    expect((await ex.get(`/api/v3/traces/${T1}?rawTraces=maybe`)).status).toBe(400);
    const find = `/api/v3/traces?${new URLSearchParams({ 'query.serviceName': 'api-server', 'query.startTimeMin': new Date(base - 1000).toISOString(), 'query.startTimeMax': new Date(base + 1000).toISOString() })}`;
    expect(spansOf((await ex.get(find)).body)).toHaveLength(5);
    expect(spansOf((await ex.get(`${find}&query.rawTraces=true`)).body)).toHaveLength(10);

    expect((await ex.get(`/api/traces/${T1}`)).body.data[0].spans).toHaveLength(5);
    expect((await ex.get(`/api/traces/${T1}?raw=true`)).body.data[0].spans).toHaveLength(10);
    expect(
      (await ex.get(`/api/traces?service=api-server&raw=true&lookback=1h`)).body.data.find((t: any) => t.traceID === T1).spans,
    ).toHaveLength(10);
    expect((await ex.get(`/api/traces/${T1}?raw=sometimes`)).status).toBe(400);
  });

  it('prettyPrint: indented JSON (four spaces, as Jaeger) with the same content, on v1 and v3 trace JSON', async () => {
    for (const path of [`/api/v3/traces/${T2}`, `/api/traces/${T2}`, uiTraceSummariesUrl({ service: 'api-server', ...windowAll })]) {
      const sep = path.includes('?') ? '&' : '?';
      const plain = await fetch(`${ex.queryUrl}${path}`).then((r) => r.text());
      const prettyRes = await fetch(`${ex.queryUrl}${path}${sep}prettyPrint=true`);
      const pretty = await prettyRes.text();
      expect(prettyRes.headers.get('content-type')).toMatch(/^application\/json/);
      expect(plain).not.toMatch(/\n/);
      expect(pretty).toMatch(/^\{\n {4}"/);
      expect(JSON.parse(pretty)).toEqual(JSON.parse(plain));
      const off = await fetch(`${ex.queryUrl}${path}${sep}prettyPrint=false`).then((r) => r.text());
      expect(off).toBe(plain);
    }
  });
});

describe('api_v3 and metrics behind the explorer token', () => {
  it('answer 401 without the token and 200 with it', async () => {
    const token = 'v3-token-0123456789abcdef0123456789';
    const ex = await startTestExplorer({ DIFFSCOPE_EXPLORER_TOKEN: token });
    try {
      for (const path of [
        '/api/v3/services',
        '/api/v3/operations?service=a',
        `/api/v3/traces/${T1}`,
        '/api/metrics/minstep',
        '/api/metrics/calls?service=a',
      ]) {
        expect((await ex.get(path)).status, path).toBe(401);
      }
      expect((await ex.get('/api/v3/services', { authorization: `Bearer ${token}` })).body).toEqual({ services: [] });
      expect((await ex.get('/api/metrics/minstep', { authorization: `Bearer ${token}` })).status).toBe(200);
    } finally {
      await ex.close();
    }
  });
});
