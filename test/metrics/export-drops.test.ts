/**
 * What the exporters lose shows on /metrics: the span and log record processors built from the
 * OTEL_* variables (src/telemetry/export-pipeline.ts) report through the SDK's
 * self-observability counters into diffscope_telemetry_{dropped,exported}_total. A real
 * BatchSpanProcessor overflows its queue while an export is in flight, and a real OTLP/HTTP
 * exporter meets a collector that refuses the payload (HTTP 400, not retried).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportOutcomeMeterProvider } from '../../src/telemetry/export-drops.js';
import { logRecordProcessorsFromEnv, spanProcessorsFromEnv } from '../../src/telemetry/export-pipeline.js';

let collector: Server;
let base: string;
const received = { traces: 0, logs: 0 };

beforeAll(async () => {
  // Traces are refused (400: a final answer), log records accepted.
  collector = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        received.traces++;
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"code":3,"message":"refused by the test collector"}');
      } else {
        received.logs++;
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      }
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => collector.close(() => r()));
});

function withEnv<T>(vars: Record<string, string>, fn: () => T): T {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

async function series(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric(name)!.get();
  return Object.fromEntries(metric.values.map((v) => [Object.values(v.labels).join('/'), v.value]));
}

describe('exporter drop counters', () => {
  it('counts spans dropped by a full batch queue and by a refused export', async () => {
    const registry = new Registry();
    const processors = withEnv(
      {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${base}/v1/traces`,
        OTEL_BSP_MAX_QUEUE_SIZE: '3',
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '3',
        OTEL_BSP_SCHEDULE_DELAY: '60000',
      },
      () => spanProcessorsFromEnv(exportOutcomeMeterProvider(registry)),
    );
    expect(processors).toHaveLength(1);
    const provider = new BasicTracerProvider({ spanProcessors: processors });
    const tracer = provider.getTracer('drops');
    // Spans 1-3 fill a batch, which goes out at once; 4-6 wait in the queue while it is in
    // flight; 7 and 8 find the queue full.
    for (let i = 1; i <= 8; i++) tracer.startSpan(`span-${i}`).end();
    await provider.forceFlush().catch(() => undefined);
    await provider.shutdown().catch(() => undefined);
    expect(await series(registry, 'diffscope_telemetry_dropped_total')).toMatchObject({ 'spans/queue_full': 2, 'spans/export_failed': 6 });
    expect((await series(registry, 'diffscope_telemetry_exported_total'))['spans']).toBe(0);
    expect(received.traces).toBe(2);
    const text = await registry.metrics();
    expect(text).toContain('diffscope_telemetry_dropped_total{signal="spans",reason="queue_full"} 2');
  });

  it('counts log records exported, and builds nothing for the grpc protocol (NodeSDK builds it then)', async () => {
    const registry = new Registry();
    const processors = withEnv(
      {
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${base}/v1/logs`,
      },
      () => logRecordProcessorsFromEnv(exportOutcomeMeterProvider(registry)),
    );
    const provider = new LoggerProvider({ processors });
    const logger = provider.getLogger('drops');
    for (let i = 0; i < 4; i++) logger.emit({ body: `line ${i}` });
    await provider.forceFlush();
    await provider.shutdown();
    expect((await series(registry, 'diffscope_telemetry_exported_total'))['logs']).toBe(4);
    expect(await series(registry, 'diffscope_telemetry_dropped_total')).toMatchObject({ 'logs/queue_full': 0, 'logs/export_failed': 0 });
    expect(received.logs).toBeGreaterThan(0);

    expect(
      withEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, () =>
        spanProcessorsFromEnv(exportOutcomeMeterProvider(new Registry())),
      ),
    ).toBeUndefined();
    expect(withEnv({ OTEL_TRACES_EXPORTER: 'none' }, () => spanProcessorsFromEnv(exportOutcomeMeterProvider(new Registry())))).toEqual([]);
  });
});
