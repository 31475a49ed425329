/**
 * The receiver fed by the real OpenTelemetry JS exporters (protobuf and JSON, plain and
 * gzip), plus hostile bodies. Everything goes over real HTTP to a real explorer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { context, trace, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { otlpTypes } from '../../src/explorer/index.js';
import { startTestExplorer, type TestExplorer } from './helpers.js';

type Variant = {
  name: string;
  traceExporter: (url: string, headers?: Record<string, string>) => SpanExporter;
  logExporter: (url: string) => LogRecordExporter;
};

const variants: Variant[] = [
  {
    name: 'protobuf',
    traceExporter: (url, headers) => new ProtoTraceExporter({ url, headers }),
    logExporter: (url) => new ProtoLogExporter({ url }),
  },
  {
    name: 'protobuf+gzip',
    traceExporter: (url, headers) => new ProtoTraceExporter({ url, headers, compression: 'gzip' as never }),
    logExporter: (url) => new ProtoLogExporter({ url, compression: 'gzip' as never }),
  },
  {
    name: 'json',
    traceExporter: (url, headers) => new JsonTraceExporter({ url, headers }),
    logExporter: (url) => new JsonLogExporter({ url }),
  },
  {
    name: 'json+gzip',
    traceExporter: (url, headers) => new JsonTraceExporter({ url, headers, compression: 'gzip' as never }),
    logExporter: (url) => new JsonLogExporter({ url, compression: 'gzip' as never }),
  },
];

async function emitTrace(tracer: Tracer, tag: string): Promise<{ traceId: string; rootId: string; childId: string; startMs: number }> {
  const startMs = Date.now() - 5;
  const root = tracer.startSpan('POST /v1/generations', {
    kind: SpanKind.SERVER,
    startTime: startMs,
    attributes: {
      'http.request.method': 'POST',
      'http.response.status_code': 202,
      'diffscope.request_id': `req-${tag}`,
      ratio: 0.25,
      ok: true,
      list: ['a', 'b'],
    },
  });
  const ctx = trace.setSpan(context.active(), root);
  const child = tracer.startSpan('queue.publish', { kind: SpanKind.PRODUCER, startTime: startMs + 1 }, ctx);
  child.addEvent('published', { 'messaging.message.id': 'm-1' }, startMs + 2);
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'broker said no' });
  child.end(startMs + 3);
  root.end(startMs + 4);
  return { traceId: root.spanContext().traceId, rootId: root.spanContext().spanId, childId: child.spanContext().spanId, startMs };
}

describe('OTLP receiver with the real OpenTelemetry exporters', () => {
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startTestExplorer();
  });
  afterAll(async () => {
    await ex.close();
  });

  for (const v of variants) {
    it(`stores spans intact (${v.name})`, async () => {
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': `svc-${v.name}`, 'service.version': '1.2.3' }),
        spanProcessors: [new BatchSpanProcessor(v.traceExporter(`${ex.otlpUrl}/v1/traces`))],
      });
      const ids = await emitTrace(provider.getTracer('receiver-test', '0.0.1'), v.name);
      await provider.forceFlush();
      await provider.shutdown();

      const { status, body } = await ex.get(`/api/traces/${ids.traceId}`);
      expect(status).toBe(200);
      const t = body.data[0];
      expect(t.traceID).toBe(ids.traceId);
      expect(t.spans).toHaveLength(2);
      const root = t.spans.find((s: any) => s.spanID === ids.rootId);
      const child = t.spans.find((s: any) => s.spanID === ids.childId);
      expect(root.operationName).toBe('POST /v1/generations');
      expect(root.startTime).toBe(ids.startMs * 1000);
      expect(root.duration).toBe(4000);
      expect(root.references).toEqual([]);
      const tag = (s: any, key: string) => s.tags.find((x: any) => x.key === key);
      expect(tag(root, 'http.response.status_code')).toEqual({ key: 'http.response.status_code', type: 'int64', value: 202 });
      expect(tag(root, 'ratio')).toEqual({ key: 'ratio', type: 'float64', value: 0.25 });
      expect(tag(root, 'ok')).toEqual({ key: 'ok', type: 'bool', value: true });
      expect(tag(root, 'list').value).toBe('["a","b"]');
      expect(tag(root, 'span.kind').value).toBe('server');
      expect(tag(root, 'otel.scope.name').value).toBe('receiver-test');
      expect(child.references).toEqual([{ refType: 'CHILD_OF', traceID: ids.traceId, spanID: ids.rootId }]);
      expect(child.startTime).toBe((ids.startMs + 1) * 1000);
      expect(tag(child, 'span.kind').value).toBe('producer');
      expect(tag(child, 'error')).toEqual({ key: 'error', type: 'bool', value: true });
      expect(tag(child, 'otel.status_code').value).toBe('ERROR');
      expect(tag(child, 'otel.status_description').value).toBe('broker said no');
      expect(child.logs).toEqual([
        {
          timestamp: (ids.startMs + 2) * 1000,
          fields: [
            { key: 'event', type: 'string', value: 'published' },
            { key: 'messaging.message.id', type: 'string', value: 'm-1' },
          ],
        },
      ]);
      const proc = t.processes[root.processID];
      expect(proc.serviceName).toBe(`svc-${v.name}`);
      expect(proc.tags).toContainEqual({ key: 'service.version', type: 'string', value: '1.2.3' });
    });

    it(`stores logs intact with their trace context (${v.name})`, async () => {
      const provider = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': `logsvc-${v.name}` }),
        processors: [new SimpleLogRecordProcessor({ exporter: v.logExporter(`${ex.otlpUrl}/v1/logs`) })],
      });
      const tracer = new BasicTracerProvider().getTracer('t');
      const span = tracer.startSpan('inference');
      const ctx = trace.setSpan(context.active(), span);
      const at = Date.now() - 3;
      provider.getLogger('pino').emit({
        timestamp: at,
        severityNumber: SeverityNumber.ERROR,
        severityText: 'error',
        body: 'inference failed for model shapes-v1',
        attributes: { event: 'request_failed', request_id: `rid-${v.name}`, 'error.type': 'DiffscopeError', steps: 20 },
        context: ctx,
      });
      provider.getLogger('plain').emit({
        severityNumber: SeverityNumber.INFO,
        body: { structured: 'yes' },
        eventName: `evt.${v.name.replace('+', '_')}`,
        timestamp: at + 1,
      });
      await provider.forceFlush();
      await provider.shutdown();

      const byRequest = await ex.get(`/api/logs?request_id=${encodeURIComponent(`rid-${v.name}`)}`);
      expect(byRequest.status).toBe(200);
      expect(byRequest.body.total).toBe(1);
      const log = byRequest.body.data[0];
      expect(log).toMatchObject({
        level: 'ERROR',
        service: `logsvc-${v.name}`,
        event: 'request_failed',
        request_id: `rid-${v.name}`,
        trace_id: span.spanContext().traceId,
        span_id: span.spanContext().spanId,
        body: 'inference failed for model shapes-v1',
        time_us: at * 1000,
        timestamp: new Date(at).toISOString(),
      });
      expect(log.attributes).toMatchObject({ 'error.type': 'DiffscopeError', steps: 20 });

      const byTrace = await ex.get(`/api/logs?trace_id=${span.spanContext().traceId}`);
      expect(byTrace.body.data.map((l: any) => l.id)).toEqual([log.id]);
      const structured = await ex.get(`/api/logs?service=${encodeURIComponent(`logsvc-${v.name}`)}&level=info`);
      expect(structured.body.data).toHaveLength(1);
      expect(structured.body.data[0]).toMatchObject({
        level: 'INFO',
        event: `evt.${v.name.replace('+', '_')}`,
        body: '{"structured":"yes"}',
        trace_id: null,
      });
    });
  }

  it('answers a protobuf export with an ExportTraceServiceResponse, and reports dropped spans as partial success', async () => {
    const good = { traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), name: 'ok', startTimeUnixNano: 1, endTimeUnixNano: 2 };
    const bad = { traceId: Buffer.alloc(3, 1), spanId: Buffer.alloc(8, 2), name: 'bad-id' };
    const payload = otlpTypes.TraceRequest.encode(
      otlpTypes.TraceRequest.create({ resourceSpans: [{ scopeSpans: [{ spans: [good, bad] }] }] }),
    ).finish();
    const res = await fetch(`${ex.otlpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: payload,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-protobuf');
    const decoded = otlpTypes.TraceResponse.toObject(otlpTypes.TraceResponse.decode(new Uint8Array(await res.arrayBuffer())), {
      longs: Number,
    }) as any;
    expect(decoded.partialSuccess.rejectedSpans).toBe(1);
    expect((await ex.get(`/api/traces/${'01'.repeat(16)}`)).body.data[0].spans[0].operationName).toBe('ok');
  });
});

describe('OTLP receiver with hostile input', () => {
  let ex: TestExplorer;
  const maxBody = 64 * 1024;
  beforeAll(async () => {
    ex = await startTestExplorer({ DIFFSCOPE_OTLP_MAX_BODY_BYTES: String(maxBody) });
  });
  afterAll(async () => {
    await ex.close();
  });

  const post = (path: string, body: Uint8Array | string, headers: Record<string, string>) =>
    fetch(`${ex.otlpUrl}${path}`, { method: 'POST', headers, body });

  async function stillAlive(): Promise<void> {
    const res = await post('/v1/traces', '{}', { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    expect((await ex.get('/api/services')).status).toBe(200);
  }

  it.each([
    ['garbage protobuf', '/v1/traces', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a, 0x05]), 'application/x-protobuf'],
    ['truncated protobuf', '/v1/logs', Buffer.from([0x0a, 0x50, 0x0a]), 'application/x-protobuf'],
    ['non-JSON text', '/v1/traces', '{"resourceSpans": [', 'application/json'],
    ['wrong JSON shape', '/v1/traces', '{"resourceSpans": {"not": "an array"}}', 'application/json'],
    [
      'bad hex id',
      '/v1/traces',
      JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'zz', spanId: 'x' }] }] }] }),
      'application/json',
    ],
    [
      'bad time',
      '/v1/logs',
      JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: 'soon' }] }] }] }),
      'application/json',
    ],
  ])('%s → 400, and the server still answers', async (_name, path, body, type) => {
    const res = await post(path, body, { 'content-type': type });
    expect(res.status).toBe(400);
    await stillAlive();
  });

  it('a broken gzip stream → 400', async () => {
    const res = await post('/v1/traces', Buffer.from('not gzip at all'), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(400);
    await stillAlive();
  });

  it('an unsupported content type → 415', async () => {
    const res = await post('/v1/traces', 'x', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
  });

  it('a body over the limit → 413', async () => {
    const res = await post('/v1/traces', Buffer.alloc(maxBody + 1, 0x20), { 'content-type': 'application/json' });
    expect(res.status).toBe(413);
    await stillAlive();
  });

  it('a small gzip body that inflates past the limit (zip bomb) → 413', async () => {
    const bomb = gzipSync(Buffer.alloc(maxBody * 50, 0x20));
    expect(bomb.length).toBeLessThan(maxBody);
    const res = await post('/v1/traces', bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    await stillAlive();
  });
});

describe('OTLP receiver token', () => {
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startTestExplorer({ DIFFSCOPE_EXPLORER_TOKEN: 'sekret-token-123' });
  });
  afterAll(async () => {
    await ex.close();
  });

  it('refuses exports without the token (401) and accepts Bearer or x-api-key', async () => {
    const send = (headers: Record<string, string>) =>
      fetch(`${ex.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
    expect((await send({})).status).toBe(401);
    expect((await send({ authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await send({ authorization: 'Bearer sekret-token-123' })).status).toBe(200);
    expect((await send({ 'x-api-key': 'sekret-token-123' })).status).toBe(200);
  });

  it('a real exporter configured with the token gets its spans in', async () => {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'tokened' }),
      spanProcessors: [
        new BatchSpanProcessor(
          new ProtoTraceExporter({ url: `${ex.otlpUrl}/v1/traces`, headers: { authorization: 'Bearer sekret-token-123' } }),
        ),
      ],
    });
    const span = provider.getTracer('t').startSpan('with-token');
    span.end();
    await provider.forceFlush();
    await provider.shutdown();
    expect((await ex.get('/api/services')).status).toBe(401);
    const res = await ex.get(`/api/traces/${span.spanContext().traceId}`, { 'x-api-key': 'sekret-token-123' });
    expect(res.status).toBe(200);
    expect(res.body.data[0].spans[0].operationName).toBe('with-token');
  });
});
