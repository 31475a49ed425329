/**
 * Zipkin v2 JSON on `POST /api/v2/spans` (the OTLP/HTTP port): the real
 * `@opentelemetry/exporter-zipkin` pointed at the explorer, its own JSON captured and re-sent
 * gzip'd, Zipkin-instrumentation shapes (shared client/server spans, 64-bit trace ids, debug,
 * endpoints), the ingest limits, and hostile or refused requests — then the Jaeger API reads the
 * spans back. Real HTTP to a real explorer throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { context, trace, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { serverHalfId } from '../../src/explorer/zipkin/decode-zipkin-json.js';
import { IngestRequestError, prepareRequest } from '../../src/explorer/ingest/decode-request.js';
import { newSpanId, newTraceId } from './fixtures.js';
import type { JaegerOperation, JaegerSpan, JaegerTag } from '../../src/contract/index.js';
import { startTestExplorer, type TestExplorer } from './helpers.js';

const tag = (s: JaegerSpan | undefined, key: string): JaegerTag | undefined => s?.tags.find((x) => x.key === key);

/** Five spans of every kind, one with an error, events, attributes of each type, made by the real SDK. */
function emit(tracer: Tracer, startMs: number) {
  const root = tracer.startSpan('POST /v1/generations', {
    kind: SpanKind.SERVER,
    startTime: startMs,
    attributes: { 'http.response.status_code': 202, ok: true, ratio: 0.25 },
  });
  const ctx = trace.setSpan(context.active(), root);
  const publish = tracer.startSpan('queue.publish', { kind: SpanKind.PRODUCER, startTime: startMs + 1 }, ctx);
  publish.addEvent('published', undefined, startMs + 2);
  publish.setStatus({ code: SpanStatusCode.ERROR, message: 'broker said no' });
  publish.end(startMs + 3);
  const consume = tracer.startSpan('queue.consume', { kind: SpanKind.CONSUMER, startTime: startMs + 4 }, ctx);
  consume.end(startMs + 5);
  const call = tracer.startSpan('webhook.post', { kind: SpanKind.CLIENT, startTime: startMs + 6 }, ctx);
  call.setStatus({ code: SpanStatusCode.OK });
  call.end(startMs + 7);
  const local = tracer.startSpan('png.encode', { startTime: startMs + 8 }, ctx);
  local.end(startMs + 9);
  root.end(startMs + 10);
  return { root, publish, consume, call, local };
}

function finishedSpans(service: string, startMs: number) {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.version': '9.9.9' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const made = emit(provider.getTracer('zipkin-test'), startMs);
  return { spans: memory.getFinishedSpans(), ...made };
}

function exportZipkin(url: string, spans: ReadableSpan[], headers?: Record<string, string>): Promise<ExportResult> {
  const exporter = new ZipkinExporter({ url, headers });
  return new Promise((resolve) =>
    exporter.export(spans, (r) => {
      void exporter.shutdown();
      resolve(r);
    }),
  );
}

const postZipkin = (
  ex: TestExplorer,
  body: string | Uint8Array,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) => fetch(`${ex.otlpUrl}/api/v2/spans`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });

describe('Zipkin receiver with the real Zipkin exporter', () => {
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startTestExplorer({ DIFFSCOPE_OTLP_GRPC_PORT: '0' });
  });
  afterAll(async () => {
    await ex.close();
  });

  it('stores what @opentelemetry/exporter-zipkin sends, and the Jaeger API reads it back', async () => {
    const startMs = Date.now() - 20;
    const made = finishedSpans('zipkin-svc', startMs);
    const result = await exportZipkin(`${ex.otlpUrl}/api/v2/spans`, made.spans);
    expect(result.code).toBe(ExportResultCode.SUCCESS);

    const traceId = made.root.spanContext().traceId;
    const { status, body } = await ex.get(`/api/traces/${traceId}`);
    expect(status).toBe(200);
    const t = body.data[0];
    expect(t.spans).toHaveLength(5);
    const byId = (s: { spanContext(): { spanId: string } }) => t.spans.find((x: JaegerSpan) => x.spanID === s.spanContext().spanId);
    const root = byId(made.root);
    expect(root.operationName).toBe('POST /v1/generations');
    expect(root.startTime).toBe(startMs * 1000);
    expect(root.duration).toBe(10_000);
    expect(root.references).toEqual([]);
    expect(t.processes[root.processID].serviceName).toBe('zipkin-svc');
    // Zipkin tags are strings: the types the SDK had do not survive the exporter
    expect(tag(root, 'http.response.status_code')).toEqual({ key: 'http.response.status_code', type: 'string', value: '202' });
    expect(tag(root, 'ok')?.value).toBe('true');
    expect(tag(root, 'service.version')?.value).toBe('9.9.9');
    expect(tag(root, 'error')).toBeUndefined();

    expect(tag(root, 'span.kind')?.value).toBe('server');
    expect(tag(byId(made.publish), 'span.kind')?.value).toBe('producer');
    expect(tag(byId(made.consume), 'span.kind')?.value).toBe('consumer');
    expect(tag(byId(made.call), 'span.kind')?.value).toBe('client');
    expect(tag(byId(made.local), 'span.kind')?.value).toBe('internal');

    const publish = byId(made.publish);
    expect(publish.references).toEqual([{ refType: 'CHILD_OF', traceID: traceId, spanID: made.root.spanContext().spanId }]);
    expect(tag(publish, 'error')).toEqual({ key: 'error', type: 'bool', value: true });
    expect(tag(publish, 'otel.status_code')?.value).toBe('ERROR');
    expect(tag(publish, 'otel.status_description')?.value).toBe('broker said no');
    expect(publish.logs).toEqual([{ timestamp: (startMs + 2) * 1000, fields: [{ key: 'event', type: 'string', value: 'published' }] }]);
    expect(tag(byId(made.call), 'otel.status_code')?.value).toBe('OK');
    expect(tag(byId(made.local), 'zipkin.debug')).toBeUndefined();

    const services = await ex.get('/api/services');
    expect(services.body.data).toContain('zipkin-svc');
    const ops = await ex.get('/api/operations?service=zipkin-svc&spanKind=producer');
    expect(ops.body.data.map((o: JaegerOperation) => o.name)).toEqual(['queue.publish']);
  });

  it("takes the exporter's own JSON gzip-compressed, and without a Content-Type (as Zipkin does)", async () => {
    // capture exactly what the exporter puts on the wire
    let captured = '';
    const capture = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        captured = Buffer.concat(chunks).toString('utf8');
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
    const made = finishedSpans('zipkin-gzip', Date.now() - 20);
    await exportZipkin(`http://127.0.0.1:${(capture.address() as { port: number }).port}/api/v2/spans`, made.spans);
    await new Promise((resolve) => capture.close(resolve));
    expect(JSON.parse(captured)).toHaveLength(5);

    const res = await postZipkin(ex, gzipSync(captured), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    const stored = await ex.get(`/api/traces/${made.root.spanContext().traceId}`);
    expect(stored.body.data[0].spans).toHaveLength(5);

    const again = finishedSpans('zipkin-no-type', Date.now() - 20);
    let json = '';
    const capture2 = createServer((req, res) => {
      let s = '';
      req.on('data', (c) => (s += c));
      req.on('end', () => {
        json = s;
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => capture2.listen(0, '127.0.0.1', resolve));
    await exportZipkin(`http://127.0.0.1:${(capture2.address() as { port: number }).port}/api/v2/spans`, again.spans);
    await new Promise((resolve) => capture2.close(resolve));
    const bare = await fetch(`${ex.otlpUrl}/api/v2/spans`, { method: 'POST', body: new TextEncoder().encode(json) });
    expect(bare.status).toBe(202);
    expect((await ex.get(`/api/traces/${again.root.spanContext().traceId}`)).body.data[0].spans).toHaveLength(5);
  });
});

describe('Zipkin instrumentation shapes', () => {
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startTestExplorer({ DIFFSCOPE_OTLP_GRPC_PORT: '0' });
  });
  afterAll(async () => {
    await ex.close();
  });
  const nowUs = () => Date.now() * 1000;

  it("a shared client/server span becomes client → server (derived id), and the server's children move under it", async () => {
    const traceId = newTraceId();
    const [rootId, rpcId, dbId, clientLocalId] = [newSpanId(), newSpanId(), newSpanId(), newSpanId()];
    const t0 = nowUs() - 50_000;
    const spans = [
      {
        traceId,
        id: rootId,
        name: 'get /checkout',
        kind: 'SERVER',
        timestamp: t0,
        duration: 40_000,
        localEndpoint: { serviceName: 'frontend' },
      },
      {
        traceId,
        parentId: rootId,
        id: rpcId,
        name: 'get /stock',
        kind: 'CLIENT',
        timestamp: t0 + 1000,
        duration: 30_000,
        localEndpoint: { serviceName: 'frontend', ipv4: '10.0.0.1' },
        remoteEndpoint: { serviceName: 'inventory', ipv4: '10.0.0.2', port: 8080 },
      },
      {
        traceId,
        parentId: rootId,
        id: rpcId,
        name: 'get /stock',
        kind: 'SERVER',
        shared: true,
        timestamp: t0 + 2000,
        duration: 28_000,
        localEndpoint: { serviceName: 'inventory', ipv4: '10.0.0.2', port: 8080 },
        remoteEndpoint: { ipv6: '::1' },
      },
      {
        traceId,
        parentId: rpcId,
        id: dbId,
        name: 'select stock',
        kind: 'CLIENT',
        timestamp: t0 + 3000,
        duration: 5_000,
        localEndpoint: { serviceName: 'inventory' },
        tags: { 'db.system': 'postgresql' },
      },
      {
        traceId,
        parentId: rpcId,
        id: clientLocalId,
        name: 'decode reply',
        timestamp: t0 + 31_000,
        duration: 100,
        localEndpoint: { serviceName: 'frontend' },
      },
    ];
    expect((await postZipkin(ex, JSON.stringify(spans))).status).toBe(202);

    const t = (await ex.get(`/api/traces/${traceId}`)).body.data[0];
    expect(t.spans).toHaveLength(5);
    const service = (s: JaegerSpan) => t.processes[s.processID].serviceName;
    const client = t.spans.find((s: JaegerSpan) => s.spanID === rpcId);
    const server = t.spans.find((s: JaegerSpan) => s.operationName === 'get /stock' && s.spanID !== rpcId);
    expect(service(client)).toBe('frontend');
    expect(tag(client, 'span.kind')?.value).toBe('client');
    expect(tag(client, 'peer.service')?.value).toBe('inventory');
    expect(tag(client, 'network.peer.address')?.value).toBe('10.0.0.2');
    expect(tag(client, 'network.peer.port')?.value).toBe(8080);
    expect(tag(client, 'network.local.address')?.value).toBe('10.0.0.1');
    expect(server.spanID).toBe(serverHalfId(traceId, rpcId));
    expect(service(server)).toBe('inventory');
    expect(tag(server, 'span.kind')?.value).toBe('server');
    expect(tag(server, 'zipkin.shared')?.value).toBe(true);
    expect(tag(server, 'network.peer.address')?.value).toBe('::1');
    expect(server.references).toEqual([{ refType: 'CHILD_OF', traceID: traceId, spanID: rpcId }]);
    const db = t.spans.find((s: JaegerSpan) => s.spanID === dbId);
    expect(db.references).toEqual([{ refType: 'CHILD_OF', traceID: traceId, spanID: server.spanID }]);
    // a span of the client's own service under the shared id stays under the client half
    const local = t.spans.find((s: JaegerSpan) => s.spanID === clientLocalId);
    expect(local.references).toEqual([{ refType: 'CHILD_OF', traceID: traceId, spanID: rpcId }]);
    expect(tag(local, 'span.kind')?.value).toBe('internal');
  });

  it('a SERVER span sharing its id with a CLIENT span of the same request is split the same way without the flag', async () => {
    const traceId = newTraceId();
    const id = newSpanId();
    const t0 = nowUs() - 10_000;
    await postZipkin(
      ex,
      JSON.stringify([
        { traceId, id, name: 'rpc', kind: 'CLIENT', timestamp: t0, duration: 900, localEndpoint: { serviceName: 'a' } },
        { traceId, id, name: 'rpc', kind: 'SERVER', timestamp: t0 + 100, duration: 700, localEndpoint: { serviceName: 'b' } },
      ]),
    );
    const spans = (await ex.get(`/api/traces/${traceId}`)).body.data[0].spans;
    expect(spans.map((s: JaegerSpan) => s.spanID).sort()).toEqual([id, serverHalfId(traceId, id)].sort());
  });

  it('a 64-bit trace id is read as the 128-bit id with zeros in front; debug and short ids kept', async () => {
    const short = newTraceId().slice(16);
    const t0 = nowUs() - 10_000;
    await postZipkin(
      ex,
      JSON.stringify([
        {
          traceId: short.toUpperCase(),
          id: 'abc',
          name: 'legacy',
          timestamp: t0,
          duration: 10,
          debug: true,
          localEndpoint: { serviceName: 'old-brave' },
        },
      ]),
    );
    const t = (await ex.get(`/api/traces/${'0'.repeat(16)}${short}`)).body.data[0];
    expect(t.spans[0].spanID).toBe('0000000000000abc');
    expect(tag(t.spans[0], 'zipkin.debug')?.value).toBe(true);
    expect(t.spans[0].flags).toBe(1);
  });

  it('applies the ingest limits: 128 tags kept and the rest counted, long values cut, 128 annotations', async () => {
    const traceId = newTraceId();
    const tags: Record<string, string> = { long: 'v'.repeat(70_000) };
    for (let i = 0; i < 199; i++) tags[`k${String(i).padStart(3, '0')}`] = String(i);
    const t0 = nowUs() - 10_000;
    const annotations = Array.from({ length: 150 }, (_, i) => ({ timestamp: t0 + i, value: `a${i}` }));
    expect(
      (
        await postZipkin(
          ex,
          JSON.stringify([
            {
              traceId,
              id: newSpanId(),
              name: 'wide',
              timestamp: t0,
              duration: 500,
              tags,
              annotations,
              localEndpoint: { serviceName: 'wide' },
            },
          ]),
        )
      ).status,
    ).toBe(202);
    const span = (await ex.get(`/api/traces/${traceId}`)).body.data[0].spans[0];
    expect(tag(span, 'otel.dropped_attributes_count')?.value).toBe(72);
    expect(tag(span, 'otel.dropped_events_count')?.value).toBe(22);
    expect(tag(span, 'diffscope.explorer.truncated_values')?.value).toBe(1);
    expect(span.logs).toHaveLength(128);
    expect(tag(span, 'k126')?.value).toBe('126');
    expect(tag(span, 'k127')).toBeUndefined();
  });

  it('spans without a timestamp or with all-zero ids are dropped alone; an annotation dates a span without one', async () => {
    const traceId = newTraceId();
    const t0 = nowUs() - 10_000;
    const res = await postZipkin(
      ex,
      JSON.stringify([
        { traceId, id: newSpanId(), name: 'kept', timestamp: t0, duration: 10 },
        { traceId, id: newSpanId(), name: 'undated' },
        { traceId, id: '0000000000000000', name: 'zero', timestamp: t0 },
        { traceId, id: newSpanId(), name: 'dated-by-annotation', annotations: [{ timestamp: t0 + 5, value: 'ws' }] },
      ]),
    );
    expect(res.status).toBe(202);
    const spans = (await ex.get(`/api/traces/${traceId}`)).body.data[0].spans;
    expect(spans.map((s: JaegerSpan) => s.operationName).sort()).toEqual(['dated-by-annotation', 'kept']);
    expect(spans.find((s: JaegerSpan) => s.operationName === 'dated-by-annotation').startTime).toBe(t0 + 5);
  });
});

describe('Zipkin receiver with hostile or refused input', () => {
  const maxBody = 64 * 1024;
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startTestExplorer({ DIFFSCOPE_OTLP_MAX_BODY_BYTES: String(maxBody), DIFFSCOPE_OTLP_GRPC_PORT: '0' });
  });
  afterAll(async () => {
    await ex.close();
  });

  async function stillAlive(): Promise<void> {
    expect((await postZipkin(ex, '[]')).status).toBe(202);
    expect((await ex.get('/api/services')).status).toBe(200);
  }

  const traceId = '5af7183fb1d4cf5f5af7183fb1d4cf5f';
  it.each([
    ['not JSON', '[{"traceId":'],
    ['not a list', JSON.stringify({ traceId, id: '1' })],
    ['a span that is not an object', JSON.stringify([42])],
    ['a non-hex id', JSON.stringify([{ traceId, id: 'zz', timestamp: 1 }])],
    ['a trace id longer than 32 hex', JSON.stringify([{ traceId: `${traceId}00`, id: '1', timestamp: 1 }])],
    ['a missing id', JSON.stringify([{ traceId, timestamp: 1 }])],
    ['an unknown kind', JSON.stringify([{ traceId, id: '1', kind: 'SIDEWAYS', timestamp: 1 }])],
    ['a negative timestamp', JSON.stringify([{ traceId, id: '1', timestamp: -5 }])],
    ['an object tag value', JSON.stringify([{ traceId, id: '1', timestamp: 1, tags: { a: { b: 1 } } }])],
    ['annotations not a list', JSON.stringify([{ traceId, id: '1', timestamp: 1, annotations: 'x' }])],
    ['a port out of range', JSON.stringify([{ traceId, id: '1', timestamp: 1, localEndpoint: { port: 70000 } }])],
  ])('%s → 400 with the reason, and the receiver still answers', async (_name, body) => {
    const res = await postZipkin(ex, body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/^malformed Zipkin v2 JSON payload: /);
    await stillAlive();
  });

  it('a protobuf or text body → 415', async () => {
    expect((await postZipkin(ex, 'x', { 'content-type': 'application/x-protobuf' })).status).toBe(415);
    expect((await postZipkin(ex, 'x', { 'content-type': 'text/plain' })).status).toBe(415);
  });

  it('a body over the limit, or a gzip body inflating past it → 413; a broken gzip stream → 400', async () => {
    expect((await postZipkin(ex, Buffer.alloc(maxBody + 1, 0x20))).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(maxBody * 50, 0x20));
    expect((await postZipkin(ex, bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status).toBe(413);
    expect((await postZipkin(ex, Buffer.from('not gzip'), { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status).toBe(
      400,
    );
    await stillAlive();
  });
});

describe('Zipkin receiver token and store failures', () => {
  const token = 'zipkin-sekret-token-7';
  const dir = mkdtempSync(path.join(tmpdir(), 'diffscope-zipkin-'));
  const dbPath = path.join(dir, 'explorer.db');
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startTestExplorer({ DIFFSCOPE_EXPLORER_TOKEN: token, DIFFSCOPE_OTLP_GRPC_PORT: '0' }, { dbPath, busyTimeoutMs: 200 });
  });
  afterAll(async () => {
    await ex.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const auth = { authorization: `Bearer ${token}` };

  it('the real exporter without the token fails (401) and stores nothing; with it (headers) its spans are stored', async () => {
    const made = finishedSpans('zipkin-auth', Date.now() - 20);
    const refused = await exportZipkin(`${ex.otlpUrl}/api/v2/spans`, made.spans);
    expect(refused.code).toBe(ExportResultCode.FAILED);
    expect(String(refused.error)).toMatch(/401/);
    expect((await ex.get(`/api/traces/${made.root.spanContext().traceId}`, auth)).status).toBe(404);
    const accepted = await exportZipkin(`${ex.otlpUrl}/api/v2/spans`, made.spans, auth);
    expect(accepted.code).toBe(ExportResultCode.SUCCESS);
    expect((await ex.get(`/api/traces/${made.root.spanContext().traceId}`, auth)).body.data[0].spans).toHaveLength(5);
  });

  it("503 + Retry-After while another process holds the store's lock, 202 after", async () => {
    const traceId = newTraceId();
    const body = JSON.stringify([{ traceId, id: newSpanId(), name: 'locked-out', timestamp: Date.now() * 1000, duration: 1 }]);
    const locker = new Database(dbPath);
    locker.exec('BEGIN EXCLUSIVE');
    try {
      const res = await postZipkin(ex, body, { 'content-type': 'application/json', ...auth });
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await res.json()) as { code: number }).code).toBe(14);
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    expect((await postZipkin(ex, body, { 'content-type': 'application/json', ...auth })).status).toBe(202);
    expect((await ex.get(`/api/traces/${traceId}`, auth)).body.data[0].spans[0].operationName).toBe('locked-out');
  });
});

describe('Zipkin decoding under fast-check', () => {
  const hex = (min: number, max: number) =>
    fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: min, maxLength: max });
  /** Mostly a valid value, now and then anything at all. */
  const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 30 }, { arbitrary: fc.anything(), weight: 1 });
  const endpoint = fc.record(
    { serviceName: mostly(fc.string()), ipv4: mostly(fc.ipV4()), ipv6: fc.ipV6(), port: mostly(fc.integer({ min: 0, max: 65_535 })) },
    { requiredKeys: [] },
  );
  const span = fc.record(
    {
      traceId: mostly(fc.oneof(hex(16, 16), hex(32, 32), hex(0, 34))),
      id: mostly(fc.oneof(hex(16, 16), hex(0, 18))),
      parentId: mostly(fc.oneof(hex(16, 16), fc.constant(null))),
      name: mostly(fc.string()),
      kind: mostly(fc.constantFrom('CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER')),
      timestamp: mostly(fc.oneof(fc.integer({ min: 0, max: 2 ** 52 }), fc.double({ min: 0, max: 2 ** 52, noNaN: true }))),
      duration: mostly(fc.nat()),
      debug: fc.anything(),
      shared: mostly(fc.boolean()),
      localEndpoint: mostly(endpoint),
      remoteEndpoint: mostly(endpoint),
      annotations: mostly(fc.array(fc.record({ timestamp: mostly(fc.nat()), value: mostly(fc.string()) }), { maxLength: 4 })),
      tags: mostly(fc.dictionary(fc.string(), mostly(fc.oneof(fc.string(), fc.integer(), fc.boolean())), { maxKeys: 8 })),
    },
    { requiredKeys: ['traceId', 'id'] },
  );

  it('3,000 generated span lists: stored rows are well-formed, anything else is a 400 — never another error', () => {
    let stored = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.oneof({ arbitrary: fc.array(span, { maxLength: 6 }), weight: 10 }, { arbitrary: fc.anything(), weight: 1 }),
        (value) => {
          const body = new TextEncoder().encode(JSON.stringify(value) ?? 'undefined');
          let prepared;
          try {
            prepared = prepareRequest('traces', 'zipkin-json', '', body, {}, 1024 * 1024);
          } catch (err) {
            expect(err).toBeInstanceOf(IngestRequestError);
            expect((err as IngestRequestError).status).toBe(400);
            refused++;
            return;
          }
          if (prepared.batch.spans.length > 0) stored++;
          for (const row of prepared.batch.spans) {
            const [traceId, spanId, parentSpanId, , , kind, startUs, durationUs] = row as unknown as [
              string,
              string,
              string,
              string,
              string,
              number,
              number,
              number,
            ];
            expect(traceId).toMatch(/^[0-9a-f]{32}$/);
            expect(spanId).toMatch(/^[0-9a-f]{16}$/);
            expect(parentSpanId).toMatch(/^([0-9a-f]{16})?$/);
            expect([1, 2, 3, 4, 5]).toContain(kind);
            expect(Number.isSafeInteger(startUs) && startUs > 0).toBe(true);
            expect(Number.isSafeInteger(durationUs) && durationUs >= 0).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
    // both outcomes were exercised, not only the refusal
    console.log(`zipkin fuzz: ${stored} lists stored rows, ${refused} refused`);
    expect(stored).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(300);
  });
});

describe('Zipkin spans go through tail sampling like OTLP ones', () => {
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startTestExplorer({
      DIFFSCOPE_OTLP_GRPC_PORT: '0',
      DIFFSCOPE_TAIL_SAMPLING: 'on',
      DIFFSCOPE_TAIL_SAMPLING_PERCENTAGE: '0',
      DIFFSCOPE_TAIL_SAMPLING_DECISION_WAIT_MS: '60000',
      DIFFSCOPE_TAIL_SAMPLING_MAX_TRACE_WAIT_MS: '600000',
    });
  });
  afterAll(async () => {
    await ex.close();
  });

  it("a trace whose span carries Zipkin's error tag is kept, an ordinary one dropped, once decided", async () => {
    const [ok, failed] = [newTraceId(), newTraceId()];
    const t0 = Date.now() * 1000 - 5_000;
    expect(
      (
        await postZipkin(
          ex,
          JSON.stringify([
            {
              traceId: ok,
              id: newSpanId(),
              name: 'fine',
              kind: 'SERVER',
              timestamp: t0,
              duration: 100,
              localEndpoint: { serviceName: 'zipkin-sampled' },
            },
            {
              traceId: failed,
              id: newSpanId(),
              name: 'broken',
              kind: 'SERVER',
              timestamp: t0,
              duration: 100,
              localEndpoint: { serviceName: 'zipkin-sampled' },
              tags: { error: 'timeout' },
            },
          ]),
        )
      ).status,
    ).toBe(202);
    expect((await ex.get(`/api/traces/${failed}`)).status).toBe(404);
    await ex.decideSampling(Date.now() + 700_000);
    const kept = (await ex.get(`/api/traces/${failed}`)).body.data[0].spans[0];
    expect(kept.operationName).toBe('broken');
    expect(tag(kept, 'otel.status_description')?.value).toBe('timeout');
    expect((await ex.get(`/api/traces/${ok}`)).status).toBe(404);
  });
});
