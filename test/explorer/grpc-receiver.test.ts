/**
 * The OTLP/gRPC receiver fed by the real OpenTelemetry gRPC exporters (traces and logs, plain and
 * gzip), then read back through the Jaeger API and the log API; the token, the message limit
 * (also after gzip), malformed messages, partial success, a locked store (UNAVAILABLE with
 * RetryInfo in grpc-status-details-bin) and a client trickling its message, checked at the gRPC
 * status level with a plain grpc-js client. Everything goes over real HTTP/2 to a real explorer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:http2';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Metadata, credentials, makeGenericClientConstructor, status as GrpcCode, type ServiceError } from '@grpc/grpc-js';
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { loadConfig } from '../../src/config/index.js';
import { otlpTypes, startExplorer, type ExplorerLogger } from '../../src/explorer/index.js';
import { LOGS_EXPORT_PATH, TRACE_EXPORT_PATH } from '../../src/explorer/otlp-grpc/grpc-receiver.js';
import { RETRY_INFO_TYPE_URL, STATUS_DETAILS_KEY, richStatusTypes } from '../../src/explorer/otlp-grpc/grpc-status.js';
import type { JaegerSpan, JaegerTag } from '../../src/contract/index.js';
import { startTestExplorer, type TestExplorer } from './helpers.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startGrpcExplorer(
  env: Record<string, string> = {},
  options: Parameters<typeof startTestExplorer>[1] = {},
): Promise<TestExplorer> {
  const ex = await startTestExplorer({ DIFFSCOPE_OTLP_GRPC_PORT: String(await freePort()), ...env }, options);
  expect(ex.otlpGrpcUrl).toBe(`http://127.0.0.1:${ex.otlpGrpcPort}`);
  return ex;
}

/** A grpc-js client of one Export method that sends raw bytes, to see statuses as they are. */
function rawExporter(ex: TestExplorer, exportPath: string, options: Record<string, unknown> = {}) {
  const Client = makeGenericClientConstructor(
    {
      Export: {
        path: exportPath,
        requestStream: false,
        responseStream: false,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
    },
    'Export',
  );
  const client = new Client(`127.0.0.1:${ex.otlpGrpcPort}`, credentials.createInsecure(), options);
  const send = (body: Uint8Array, metadata = new Metadata()) =>
    new Promise<{ err: ServiceError | null; response?: Buffer }>((resolve) => {
      client.Export(Buffer.from(body), metadata, { deadline: Date.now() + 20_000 }, (err: ServiceError | null, response?: Buffer) =>
        resolve({ err, response }),
      );
    });
  return { send, close: () => client.close() };
}

const bearer = (token: string): Metadata => {
  const m = new Metadata();
  m.set('authorization', `Bearer ${token}`);
  return m;
};

function tracesBody(
  spans: { traceId: Buffer; spanId: Buffer; name: string; attributes?: { key: string; value: { stringValue: string } }[] }[],
): Uint8Array {
  const now = BigInt(Date.now()) * 1_000_000n;
  return otlpTypes.TraceRequest.encode(
    otlpTypes.TraceRequest.create({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'raw-grpc' } }] },
          scopeSpans: [
            { spans: spans.map((s) => ({ ...s, startTimeUnixNano: Number(now - 2_000_000n), endTimeUnixNano: Number(now - 1_000_000n) })) },
          ],
        },
      ],
    }),
  ).finish();
}

/** protobufjs toObject() results of the messages the tests read back. */
interface ExportResponseObject {
  partialSuccess: { rejectedSpans?: number; errorMessage?: string };
}
interface RichStatusObject {
  code: number;
  details: { typeUrl: string; value: Uint8Array }[];
}
interface RetryInfoObject {
  retryDelay: { seconds: number; nanos?: number };
}

const tag = (s: JaegerSpan | undefined, key: string): JaegerTag | undefined => s?.tags.find((x) => x.key === key);

describe('OTLP/gRPC receiver with the real OpenTelemetry gRPC exporters', () => {
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startGrpcExplorer();
  });
  afterAll(async () => {
    await ex.close();
  });

  for (const compression of ['none', 'gzip'] as const) {
    it(`stores spans the trace exporter sends (compression ${compression}) and the Jaeger API reads them back`, async () => {
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': `grpc-${compression}`, 'service.version': '4.3.17' }),
        spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: ex.otlpGrpcUrl, compression: compression as never }))],
      });
      const tracer = provider.getTracer('grpc-test', '0.0.7');
      const startMs = Date.now() - 10;
      const root = tracer.startSpan('GET /v1/generations/{id}', {
        kind: SpanKind.SERVER,
        startTime: startMs,
        attributes: { 'http.response.status_code': 200, ratio: 0.5 },
      });
      const child = tracer.startSpan(
        'state.read',
        { kind: SpanKind.CLIENT, startTime: startMs + 1 },
        trace.setSpan(context.active(), root),
      );
      child.addEvent('cache-miss', { key: 'g-1' }, startMs + 2);
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'row locked' });
      child.end(startMs + 3);
      root.end(startMs + 5);
      await provider.forceFlush();
      await provider.shutdown();

      const traceId = root.spanContext().traceId;
      const { status, body } = await ex.get(`/api/traces/${traceId}`);
      expect(status).toBe(200);
      const spans = body.data[0].spans;
      expect(spans).toHaveLength(2);
      const r = spans.find((s: JaegerSpan) => s.spanID === root.spanContext().spanId);
      const c = spans.find((s: JaegerSpan) => s.spanID === child.spanContext().spanId);
      expect(r.operationName).toBe('GET /v1/generations/{id}');
      expect(r.startTime).toBe(startMs * 1000);
      expect(r.duration).toBe(5000);
      expect(tag(r, 'span.kind')?.value).toBe('server');
      expect(tag(r, 'http.response.status_code')).toEqual({ key: 'http.response.status_code', type: 'int64', value: 200 });
      expect(tag(r, 'ratio')).toEqual({ key: 'ratio', type: 'float64', value: 0.5 });
      expect(tag(r, 'otel.scope.name')?.value).toBe('grpc-test');
      expect(c.references).toEqual([{ refType: 'CHILD_OF', traceID: traceId, spanID: root.spanContext().spanId }]);
      expect(tag(c, 'span.kind')?.value).toBe('client');
      expect(tag(c, 'otel.status_description')?.value).toBe('row locked');
      expect(c.logs).toEqual([
        {
          timestamp: (startMs + 2) * 1000,
          fields: [
            { key: 'event', type: 'string', value: 'cache-miss' },
            { key: 'key', type: 'string', value: 'g-1' },
          ],
        },
      ]);
      const proc = body.data[0].processes[r.processID];
      expect(proc.serviceName).toBe(`grpc-${compression}`);
      expect(proc.tags).toContainEqual({ key: 'service.version', type: 'string', value: '4.3.17' });
    });

    it(`stores log records the logs exporter sends (compression ${compression}) with their trace context`, async () => {
      const provider = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': `grpc-logs-${compression}` }),
        processors: [
          new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: ex.otlpGrpcUrl, compression: compression as never }) }),
        ],
      });
      const span = new BasicTracerProvider().getTracer('t').startSpan('inference');
      const at = Date.now() - 3;
      provider.getLogger('pino').emit({
        timestamp: at,
        severityNumber: SeverityNumber.WARN,
        severityText: 'warn',
        body: `queue is deep (${compression})`,
        attributes: { event: 'queue_depth_high', request_id: `grpc-rid-${compression}`, depth: 200 },
        context: trace.setSpan(context.active(), span),
      });
      await provider.forceFlush();
      await provider.shutdown();

      const { status, body } = await ex.get(`/api/logs?request_id=grpc-rid-${compression}`);
      expect(status).toBe(200);
      expect(body.total).toBe(1);
      expect(body.data[0]).toMatchObject({
        level: 'WARN',
        service: `grpc-logs-${compression}`,
        event: 'queue_depth_high',
        body: `queue is deep (${compression})`,
        trace_id: span.spanContext().traceId,
        span_id: span.spanContext().spanId,
        time_us: at * 1000,
      });
      expect(body.data[0].attributes).toMatchObject({ depth: 200 });
    });
  }

  it('answers with partial_success when spans are rejected, storing the rest', async () => {
    const raw = rawExporter(ex, TRACE_EXPORT_PATH);
    const traceId = Buffer.alloc(16, 0x3c);
    const { err, response } = await raw.send(
      tracesBody([
        { traceId, spanId: Buffer.alloc(8, 0x11), name: 'kept' },
        { traceId: Buffer.alloc(5, 1), spanId: Buffer.alloc(8, 0x12), name: 'short-trace-id' },
      ]),
    );
    raw.close();
    expect(err).toBeNull();
    const decoded = otlpTypes.TraceResponse.toObject(otlpTypes.TraceResponse.decode(response!), { longs: Number }) as ExportResponseObject;
    expect(decoded.partialSuccess.rejectedSpans).toBe(1);
    expect(decoded.partialSuccess.errorMessage).toMatch(/invalid trace_id or span_id/);
    const stored = await ex.get(`/api/traces/${traceId.toString('hex')}`);
    expect(stored.body.data[0].spans.map((s: JaegerSpan) => s.operationName)).toEqual(['kept']);
  });

  it('reports what the ingest limits cut in partial_success, with 0 rejected', async () => {
    const raw = rawExporter(ex, TRACE_EXPORT_PATH);
    const traceId = Buffer.alloc(16, 0x3d);
    const { err, response } = await raw.send(
      tracesBody([
        { traceId, spanId: Buffer.alloc(8, 0x21), name: 'long', attributes: [{ key: 'big', value: { stringValue: 'x'.repeat(70_000) } }] },
      ]),
    );
    raw.close();
    expect(err).toBeNull();
    const decoded = otlpTypes.TraceResponse.toObject(otlpTypes.TraceResponse.decode(response!), { longs: Number }) as ExportResponseObject;
    expect(decoded.partialSuccess.rejectedSpans ?? 0).toBe(0);
    expect(decoded.partialSuccess.errorMessage).toMatch(/1 string\(s\) cut to 65536 characters/);
    const span = (await ex.get(`/api/traces/${traceId.toString('hex')}`)).body.data[0].spans[0];
    expect(tag(span, 'diffscope.explorer.truncated_values')?.value).toBe(1);
  });

  it('answers INVALID_ARGUMENT to a message that does not decode, and keeps serving', async () => {
    const traces = rawExporter(ex, TRACE_EXPORT_PATH);
    const logs = rawExporter(ex, LOGS_EXPORT_PATH);
    const garbage = await traces.send(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a, 0x05]));
    const truncated = await logs.send(Buffer.from([0x0a, 0x50, 0x0a]));
    expect(garbage.err?.code).toBe(GrpcCode.INVALID_ARGUMENT);
    expect(garbage.err?.details).toMatch(/malformed OTLP protobuf payload/);
    expect(truncated.err?.code).toBe(GrpcCode.INVALID_ARGUMENT);
    const empty = await traces.send(new Uint8Array(0));
    expect(empty.err).toBeNull();
    traces.close();
    logs.close();
  });

  it('refuses an unknown method with UNIMPLEMENTED', async () => {
    const other = rawExporter(ex, '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export');
    const { err } = await other.send(new Uint8Array(0));
    other.close();
    expect(err?.code).toBe(GrpcCode.UNIMPLEMENTED);
  });
});

describe('OTLP/gRPC receiver token', () => {
  const token = 'grpc-sekret-token-42';
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startGrpcExplorer({ DIFFSCOPE_EXPLORER_TOKEN: token });
  });
  afterAll(async () => {
    await ex.close();
  });

  it('refuses a call without the token or with a wrong one (UNAUTHENTICATED), before storing anything', async () => {
    const raw = rawExporter(ex, TRACE_EXPORT_PATH);
    const traceId = Buffer.alloc(16, 0x4a);
    const body = tracesBody([{ traceId, spanId: Buffer.alloc(8, 1), name: 'sneaky' }]);
    const none = await raw.send(body);
    const wrong = await raw.send(body, bearer('not-the-token'));
    raw.close();
    expect(none.err?.code).toBe(GrpcCode.UNAUTHENTICATED);
    expect(wrong.err?.code).toBe(GrpcCode.UNAUTHENTICATED);
    expect((await ex.get(`/api/traces/${traceId.toString('hex')}`, { authorization: `Bearer ${token}` })).status).toBe(404);
  });

  it('the real exporter without the token fails with UNAUTHENTICATED; with `authorization: Bearer` metadata its spans are stored', async () => {
    const spans = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'grpc-auth' }),
      spanProcessors: [new SimpleSpanProcessor(spans)],
    });
    const span = provider.getTracer('t').startSpan('authorized-export');
    span.end();
    const exportWith = (metadata?: Metadata) =>
      new Promise<ExportResult>((resolve) => {
        const exporter = new OTLPTraceExporter({ url: ex.otlpGrpcUrl, metadata });
        exporter.export(spans.getFinishedSpans(), (result) => {
          void exporter.shutdown();
          resolve(result);
        });
      });
    const refused = await exportWith();
    expect(refused.code).toBe(ExportResultCode.FAILED);
    expect((refused.error as ServiceError).code).toBe(GrpcCode.UNAUTHENTICATED);
    const accepted = await exportWith(bearer(token));
    expect(accepted.code).toBe(ExportResultCode.SUCCESS);
    const stored = await ex.get(`/api/traces/${span.spanContext().traceId}`, { authorization: `Bearer ${token}` });
    expect(stored.body.data[0].spans[0].operationName).toBe('authorized-export');
  });
});

describe('OTLP/gRPC message size limit', () => {
  const maxBody = 16 * 1024;
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startGrpcExplorer({ DIFFSCOPE_OTLP_MAX_BODY_BYTES: String(maxBody) });
  });
  afterAll(async () => {
    await ex.close();
  });

  it('the real exporter sending a message over DIFFSCOPE_OTLP_MAX_BODY_BYTES gets RESOURCE_EXHAUSTED; nothing is stored', async () => {
    const spans = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'grpc-big' }),
      spanProcessors: [new SimpleSpanProcessor(spans)],
    });
    const span = provider.getTracer('t').startSpan('too-big', { attributes: { blob: 'b'.repeat(maxBody * 2) } });
    span.end();
    const exporter = new OTLPTraceExporter({ url: ex.otlpGrpcUrl });
    const result = await new Promise<ExportResult>((resolve) => exporter.export(spans.getFinishedSpans(), resolve));
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect((result.error as ServiceError).code).toBe(GrpcCode.RESOURCE_EXHAUSTED);
    expect((result.error as ServiceError).details).toMatch(/larger than max .* vs 16384/);
    expect((await ex.get(`/api/traces/${span.spanContext().traceId}`)).status).toBe(404);
  });

  it('a small gzip message that inflates past the limit gets RESOURCE_EXHAUSTED', async () => {
    const body = tracesBody([
      {
        traceId: Buffer.alloc(16, 0x5b),
        spanId: Buffer.alloc(8, 1),
        name: 'bomb',
        attributes: [{ key: 'pad', value: { stringValue: ' '.repeat(maxBody * 20) } }],
      },
    ]);
    // grpc.default_compression_algorithm 2 = gzip: the message travels compressed, far under the limit
    const raw = rawExporter(ex, TRACE_EXPORT_PATH, { 'grpc.default_compression_algorithm': 2, 'grpc.max_send_message_length': -1 });
    const { err } = await raw.send(body);
    expect(err?.code).toBe(GrpcCode.RESOURCE_EXHAUSTED);
    expect(err?.details).toBe(`Received message that decompresses to a size larger than ${maxBody}`);
    const small = await raw.send(tracesBody([{ traceId: Buffer.alloc(16, 0x5c), spanId: Buffer.alloc(8, 1), name: 'fits' }]));
    raw.close();
    expect(small.err).toBeNull();
  });
});

describe('OTLP/gRPC when the store cannot take the export', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'diffscope-grpc-lock-'));
  const dbPath = path.join(dir, 'explorer.db');
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startGrpcExplorer({}, { busyTimeoutMs: 200, dbPath });
  });
  afterAll(async () => {
    await ex.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers UNAVAILABLE with google.rpc.RetryInfo while another process holds the lock, and stores the retry once it is gone', async () => {
    const locker = new Database(dbPath);
    locker.exec('BEGIN EXCLUSIVE');
    const raw = rawExporter(ex, TRACE_EXPORT_PATH);
    const traceId = Buffer.alloc(16, 0x6e);
    const body = tracesBody([{ traceId, spanId: Buffer.alloc(8, 7), name: 'after-the-lock' }]);
    try {
      const { err } = await raw.send(body);
      expect(err?.code).toBe(GrpcCode.UNAVAILABLE);
      expect(err?.details).toMatch(/SQLITE_BUSY/);
      const detailsBin = err!.metadata.get(STATUS_DETAILS_KEY)[0] as Buffer;
      const status = richStatusTypes.RpcStatus.toObject(richStatusTypes.RpcStatus.decode(detailsBin), {
        longs: Number,
      }) as RichStatusObject;
      expect(status.code).toBe(GrpcCode.UNAVAILABLE);
      expect(status.details).toHaveLength(1);
      expect(status.details[0].typeUrl).toBe(RETRY_INFO_TYPE_URL);
      const retry = richStatusTypes.RetryInfo.toObject(richStatusTypes.RetryInfo.decode(status.details[0].value), {
        longs: Number,
      }) as RetryInfoObject;
      expect(retry.retryDelay.seconds).toBeGreaterThanOrEqual(1);
      expect((await ex.get('/api/services')).status).toBe(200);
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    const again = await raw.send(body);
    raw.close();
    expect(again.err).toBeNull();
    expect((await ex.get(`/api/traces/${traceId.toString('hex')}`)).body.data[0].spans[0].operationName).toBe('after-the-lock');
  });
});

describe('OTLP/gRPC receive deadline', () => {
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startGrpcExplorer({ DIFFSCOPE_HTTP_REQUEST_TIMEOUT_MS: '1000', DIFFSCOPE_HTTP_HEADERS_TIMEOUT_MS: '1000' });
  });
  afterAll(async () => {
    await ex.close();
  });

  it('a client that starts a message and never finishes it is answered DEADLINE_EXCEEDED, and the receiver keeps serving', async () => {
    const session = connect(`http://127.0.0.1:${ex.otlpGrpcPort}`);
    const stream = session.request({ ':method': 'POST', ':path': TRACE_EXPORT_PATH, 'content-type': 'application/grpc', te: 'trailers' });
    // gRPC framing: not compressed, a 1000-byte message announced, 10 bytes of it sent, then silence
    const frame = Buffer.alloc(15);
    frame.writeUInt32BE(1000, 1);
    stream.write(frame);
    const grpcStatus = await new Promise<string | undefined>((resolve) => {
      stream.on('trailers', (trailers) => resolve(String(trailers['grpc-status'])));
      stream.on('response', (headers) => {
        if (headers['grpc-status'] !== undefined) resolve(String(headers['grpc-status']));
      });
      stream.on('close', () => resolve(undefined));
      stream.resume();
    });
    stream.close();
    session.close();
    expect(grpcStatus).toBe(String(GrpcCode.DEADLINE_EXCEEDED));
    const raw = rawExporter(ex, TRACE_EXPORT_PATH);
    expect((await raw.send(new Uint8Array(0))).err).toBeNull();
    raw.close();
  });
});

describe('DIFFSCOPE_OTLP_GRPC_PORT', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function configWith(env: Record<string, string>) {
    const dir = mkdtempSync(path.join(tmpdir(), 'diffscope-grpc-port-'));
    dirs.push(dir);
    return loadConfig(
      {},
      { DIFFSCOPE_DATA_DIR: dir, DIFFSCOPE_EXPLORER_PORT: '0', DIFFSCOPE_OTLP_PORT: '0', DIFFSCOPE_EXPLORER_DB: ':memory:', ...env },
    );
  }

  function recordingLogger() {
    const lines: { level: string; event: string; fields?: Record<string, unknown> }[] = [];
    const at = (level: string) => (event: string, fields?: Record<string, unknown>) => {
      lines.push({ level, event, fields });
    };
    return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as ExplorerLogger };
  }

  /** Holds 127.0.0.1:`port` for the duration of `run` (or finds it already held by another process). */
  async function whileHeld<T>(port: number, run: () => Promise<T>): Promise<T> {
    const holder = createServer();
    await new Promise<void>((resolve) => {
      holder.once('error', () => resolve());
      holder.listen(port, '127.0.0.1', () => resolve());
    });
    try {
      return await run();
    } finally {
      if (holder.listening) await new Promise((resolve) => holder.close(resolve));
    }
  }

  it('unset, with 4317 taken: the explorer starts without OTLP/gRPC and warns', async () => {
    const { lines, logger } = recordingLogger();
    await whileHeld(4317, async () => {
      const ex = await startExplorer(configWith({}), logger, { webRoot: path.join(tmpdir(), 'no-web') });
      try {
        expect(ex.otlpGrpcPort).toBeUndefined();
        expect(ex.otlpGrpcUrl).toBeUndefined();
        expect((await fetch(`${ex.queryUrl}/api/services`)).status).toBe(200);
      } finally {
        await ex.close();
      }
    });
    const busy = lines.find((l) => l.event === 'otlp_grpc_port_busy');
    expect(busy?.level).toBe('warn');
    expect(busy?.fields).toMatchObject({ address: '127.0.0.1:4317' });
    const started = lines.find((l) => l.event === 'explorer_started');
    expect(started?.fields?.otlp_grpc).toBeUndefined();
  });

  it('set to a port that is taken: the explorer does not start', async () => {
    const port = await freePort();
    await whileHeld(port, async () => {
      await expect(
        startExplorer(configWith({ DIFFSCOPE_OTLP_GRPC_PORT: String(port) }), undefined, { webRoot: path.join(tmpdir(), 'no-web') }),
      ).rejects.toThrow(/EADDRINUSE|in use/i);
    });
  });

  it('0: no OTLP/gRPC receiver; set: it listens there and explorer_started says where', async () => {
    const off = await startExplorer(configWith({ DIFFSCOPE_OTLP_GRPC_PORT: '0' }), undefined, { webRoot: path.join(tmpdir(), 'no-web') });
    expect(off.otlpGrpcPort).toBeUndefined();
    await off.close();
    const { lines, logger } = recordingLogger();
    const port = await freePort();
    const on = await startExplorer(configWith({ DIFFSCOPE_OTLP_GRPC_PORT: String(port) }), logger, {
      webRoot: path.join(tmpdir(), 'no-web'),
    });
    try {
      expect(on.otlpGrpcPort).toBe(port);
      expect(lines.find((l) => l.event === 'explorer_started')?.fields?.otlp_grpc).toBe(`http://127.0.0.1:${port}`);
    } finally {
      await on.close();
    }
  });
});

describe('OTLP/gRPC exports go through tail sampling like OTLP/HTTP ones', () => {
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startGrpcExplorer({
      DIFFSCOPE_TAIL_SAMPLING: 'on',
      DIFFSCOPE_TAIL_SAMPLING_PERCENTAGE: '0',
      DIFFSCOPE_TAIL_SAMPLING_DECISION_WAIT_MS: '60000',
      DIFFSCOPE_TAIL_SAMPLING_MAX_TRACE_WAIT_MS: '600000',
    });
  });
  afterAll(async () => {
    await ex.close();
  });

  it('an error trace sent over gRPC is kept and an ordinary one dropped, once decided', async () => {
    const ok = Buffer.alloc(16, 0x71);
    const failed = Buffer.alloc(16, 0x72);
    const now = BigInt(Date.now()) * 1_000_000n;
    const span = (traceId: Buffer, name: string, code: number) => ({
      traceId,
      spanId: Buffer.alloc(8, traceId[0]),
      name,
      kind: 2,
      status: { code },
      startTimeUnixNano: Number(now - 3_000_000n),
      endTimeUnixNano: Number(now - 1_000_000n),
    });
    const body = otlpTypes.TraceRequest.encode(
      otlpTypes.TraceRequest.create({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'grpc-sampled' } }] },
            scopeSpans: [{ spans: [span(ok, 'fine', 0), span(failed, 'broken', 2)] }],
          },
        ],
      }),
    ).finish();
    const raw = rawExporter(ex, TRACE_EXPORT_PATH);
    expect((await raw.send(body)).err).toBeNull();
    raw.close();
    // held until decided: past the longest wait, every held trace is decided
    expect((await ex.get(`/api/traces/${failed.toString('hex')}`)).status).toBe(404);
    await ex.decideSampling(Date.now() + 700_000);
    expect((await ex.get(`/api/traces/${failed.toString('hex')}`)).body.data[0].spans[0].operationName).toBe('broken');
    expect((await ex.get(`/api/traces/${ok.toString('hex')}`)).status).toBe(404);
  });
});
