/**
 * The SPM (Monitor tab) metrics API computed from stored spans: the requests Jaeger UI 2.20
 * sends, the MetricFamily shape it reads, and RED numbers worked out by hand from the fixture
 * spans' known start times, durations and statuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestExplorer, type TestExplorer } from './helpers.js';
import { newTraceId, postJson, tracesPayload, type FixtureSpan } from './fixtures.js';

// Re-expressed from jaegertracing/jaeger-ui v2.20.0 packages/jaeger-ui/src/types/metrics.ts
// (MetricsAPIServiceResponseData / MetricObject / MetricPointObject), which
// src/reducers/metrics.ts reads: metrics[0].labels[0].value as the service, the label named
// "operation" as the operation, gaugeValue.doubleValue.toFixed(2), new Date(timestamp).
const MetricFamily = z.object({
  name: z.enum([
    'service_latencies',
    'service_call_rate',
    'service_error_rate',
    'service_operation_latencies',
    'service_operation_call_rate',
    'service_operation_error_rate',
  ]),
  type: z.literal('GAUGE'),
  help: z.string(),
  metrics: z.array(
    z.object({
      labels: z.array(z.object({ name: z.string(), value: z.string() })),
      metricPoints: z.array(
        z.object({
          gaugeValue: z.object({ doubleValue: z.number() }),
          timestamp: z.iso.datetime(),
        }),
      ),
    }),
  ),
});
type Family = z.infer<typeof MetricFamily>;

const M = 60_000;
// A whole minute half an hour ago, so windows and points fall on known instants.
const anchor = Math.floor(Date.now() / M) * M - 30 * M;

function server(name: string, offsetMs: number, durationMs: number, status: 0 | 1 | 2 = 0): FixtureSpan {
  return { traceId: newTraceId(), service: 'api-server', name, kind: 2, startMs: anchor + offsetMs, durationMs, status };
}

/** What the UI sends (src/api/jaeger.ts fetchMetrics + ServicesView's metricQueryPayload), with our window. */
function uiMetricsUrl(metric: 'latencies' | 'calls' | 'errors', extra: Record<string, string | number | boolean>): string {
  const q = new URLSearchParams(
    Object.entries({ endTs: anchor + 5 * M, lookback: 5 * M, step: M, ratePer: M, spanKind: 'server', ...extra }).map(([k, v]) => [
      k,
      String(v),
    ]),
  );
  return `/api/metrics/${metric}?service=api-server&${q}`;
}

/** The reducer's view of a service-level family: points as (ms, value rounded to 2 places). */
function uiPoints(family: Family): { x: number; y: number }[] {
  return family.metrics[0].metricPoints.map((p) => ({
    x: new Date(p.timestamp).getTime(),
    y: parseFloat(p.gaugeValue.doubleValue.toFixed(2)),
  }));
}

const at = (k: number) => anchor + k * M;

describe('SPM metrics from stored spans', () => {
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startTestExplorer();
    await postJson(
      ex.otlpUrl,
      '/v1/traces',
      tracesPayload([
        // window (anchor, anchor+1m]: six server spans of api-server, one of them an error
        server('POST /v1/generations', 1000, 10),
        server('POST /v1/generations', 2000, 20, 2),
        server('POST /v1/generations', 3000, 30, 1),
        server('POST /v1/generations', 4000, 40),
        server('GET /healthz', 5000, 1),
        server('GET /healthz', 6000, 3),
        // not a server span: left out unless spanKind=client is asked for
        { traceId: newTraceId(), service: 'api-server', name: 'PUT s3', kind: 3, startMs: anchor + 7000, durationMs: 500 },
        // the worker's consumer spans, two minutes later
        { traceId: newTraceId(), service: 'inference-worker', name: 'inference', kind: 5, startMs: anchor + 2 * M + 1000, durationMs: 100 },
        {
          traceId: newTraceId(),
          service: 'inference-worker',
          name: 'inference',
          kind: 5,
          startMs: anchor + 2 * M + 2000,
          durationMs: 300,
          status: 2,
        },
      ]),
    );
  });
  afterAll(async () => {
    await ex.close();
  });

  async function family(url: string): Promise<Family> {
    const { status, body } = await ex.get(url);
    expect(status, JSON.stringify(body)).toBe(200);
    return MetricFamily.parse(body);
  }

  it('latencies: the quantiles the Monitor tab asks for (0.5, 0.75, 0.95), in ms, over each window', async () => {
    // durations 1, 3, 10, 20, 30, 40 ms; linear interpolation between the closest ranks
    const expected = { 0.5: 15, 0.75: 27.5, 0.95: 37.5 };
    for (const [q, value] of Object.entries(expected)) {
      const f = await family(uiMetricsUrl('latencies', { quantile: q }));
      expect(f.name).toBe('service_latencies');
      expect(f.help).toBe(`${Number(q).toFixed(2)}th quantile latency, grouped by service`);
      expect(f.metrics).toHaveLength(1);
      expect(f.metrics[0].labels).toEqual([{ name: 'service_name', value: 'api-server' }]);
      // only the window holding spans has a latency
      expect(uiPoints(f)).toEqual([{ x: at(1), y: value }]);
    }
  });

  it('calls: spans per second of the window, a point at every step (0 where none)', async () => {
    const f = await family(uiMetricsUrl('calls', {}));
    expect(f).toMatchObject({ name: 'service_call_rate', help: 'calls/sec, grouped by service' });
    expect(f.metrics[0].metricPoints.map((p) => p.timestamp)).toEqual([0, 1, 2, 3, 4, 5].map((k) => new Date(at(k)).toISOString()));
    expect(f.metrics[0].metricPoints.map((p) => p.gaugeValue.doubleValue)).toEqual([0, 6 / 60, 0, 0, 0, 0]);
    // a 3-minute rate window slides over the same spans: 6 calls / 180 s at 1, 2 and 3 minutes
    const wide = await family(uiMetricsUrl('calls', { ratePer: 3 * M }));
    expect(wide.metrics[0].metricPoints.map((p) => p.gaugeValue.doubleValue)).toEqual([0, 6 / 180, 6 / 180, 6 / 180, 0, 0]);
  });

  it('errors: the share of calls with status ERROR', async () => {
    const f = await family(uiMetricsUrl('errors', {}));
    expect(f).toMatchObject({
      name: 'service_error_rate',
      help: 'error rate, computed as a fraction of errors/sec over calls/sec, grouped by service',
    });
    expect(uiPoints(f)).toEqual([{ x: at(1), y: 0.17 }]);
    expect(f.metrics[0].metricPoints[0].gaugeValue.doubleValue).toBe(1 / 6);
  });

  it('groupByOperation: service_operation_* families, one series per operation with the "operation" label', async () => {
    const lat = await family(uiMetricsUrl('latencies', { quantile: 0.95, groupByOperation: true }));
    expect(lat.name).toBe('service_operation_latencies');
    expect(lat.help).toBe('0.95th quantile latency, grouped by service & operation');
    expect(lat.metrics.map((m) => m.labels)).toEqual([
      [
        { name: 'service_name', value: 'api-server' },
        { name: 'operation', value: 'GET /healthz' },
      ],
      [
        { name: 'service_name', value: 'api-server' },
        { name: 'operation', value: 'POST /v1/generations' },
      ],
    ]);
    expect(lat.metrics[0].metricPoints[0].gaugeValue.doubleValue).toBeCloseTo(2.9, 10); // 1, 3 → 1 + 0.95·2
    expect(lat.metrics[1].metricPoints[0].gaugeValue.doubleValue).toBeCloseTo(38.5, 10); // 10..40 → 30 + 0.85·10
    const calls = await family(uiMetricsUrl('calls', { groupByOperation: true }));
    expect(calls.metrics.map((m) => m.metricPoints[1].gaugeValue.doubleValue)).toEqual([2 / 60, 4 / 60]);
    const errors = await family(uiMetricsUrl('errors', { groupByOperation: true }));
    expect(errors.metrics.map((m) => m.metricPoints.map((p) => p.gaugeValue.doubleValue))).toEqual([[0], [0.25]]);
  });

  it('spanKind and several services select the spans', async () => {
    const client = await family(uiMetricsUrl('latencies', { quantile: 0.5, spanKind: 'client' }));
    expect(uiPoints(client)).toEqual([{ x: at(1), y: 500 }]);
    const both = await family(
      `/api/metrics/errors?service=api-server&service=inference-worker&spanKind=server&spanKind=consumer&endTs=${at(5)}&lookback=${5 * M}&step=${M}&ratePer=${M}`,
    );
    expect(both.metrics.map((m) => m.labels[0].value)).toEqual(['api-server', 'inference-worker']);
    expect(both.metrics[1].metricPoints).toEqual([{ gaugeValue: { doubleValue: 0.5 }, timestamp: new Date(at(3)).toISOString() }]);
    // the default span kind is server (as Jaeger's): the worker has none
    expect((await family(`/api/metrics/calls?service=inference-worker&endTs=${at(5)}&lookback=${5 * M}&step=${M}`)).metrics).toEqual([]);
    expect((await family(uiMetricsUrl('calls', { service: 'nobody' }).replace('service=api-server&', ''))).metrics).toEqual([]);
  });

  it('GET /api/metrics/minstep', async () => {
    expect((await ex.get('/api/metrics/minstep')).body).toEqual({ data: 1000, total: 0, limit: 0, offset: 0, errors: null });
  });

  it("bad parameters → 400 with Jaeger's error envelope", async () => {
    const bad = [
      '/api/metrics/calls',
      '/api/metrics/latencies?service=api-server',
      '/api/metrics/latencies?service=api-server&quantile=1.5',
      '/api/metrics/latencies?service=api-server&quantile=high',
      '/api/metrics/calls?service=api-server&spanKind=sideways',
      '/api/metrics/calls?service=api-server&step=10',
      '/api/metrics/calls?service=api-server&lookback=604800000&step=1000',
      '/api/metrics/calls?service=api-server&endTs=yesterday',
      '/api/metrics/calls?service=api-server&ratePer=0',
      '/api/metrics/errors?service=api-server&groupByOperation=maybe',
    ];
    for (const url of bad) {
      const res = await ex.get(url);
      expect(res.status, url).toBe(400);
      expect(res.body).toMatchObject({ data: null, errors: [{ code: 400 }] });
    }
  });
});
