/**
 * Issue 9, explorer items 3, 5, 6: the ingest limits (attribute count, value length and
 * elements, events and links per span, spans per trace) drop or cut and count, never refuse
 * the whole export; times far in the future are clamped to the receive time with the original
 * kept; and no query returns an unbounded trace or value — what is cut says so (Jaeger trace
 * and span `warnings`, a marker at the end of a cut value).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPLORER_ATTR } from '../../../src/explorer/index.js';
import { startTestExplorer, type TestExplorer } from '../helpers.js';
import { logsPayload, newSpanId, newTraceId, tracesPayload } from '../fixtures.js';

type Partial = { partialSuccess?: { rejectedSpans?: string; rejectedLogRecords?: string; errorMessage?: string } };

async function post(url: string, path: '/v1/traces' | '/v1/logs', body: string): Promise<Partial> {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(res.status).toBe(200);
  return (await res.json()) as Partial;
}

const ns = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;
const str = (v: string) => ({ stringValue: v });

/** One span with raw OTLP/JSON parts (attributes, events, links) the fixtures builder does not offer. */
function rawSpan(traceId: string, span: Record<string, unknown>, service = 'limits'): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: str(service) }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId: newSpanId(),
                name: 'limited',
                startTimeUnixNano: ns(Date.now() - 10),
                endTimeUnixNano: ns(Date.now() - 9),
                ...span,
              },
            ],
          },
        ],
      },
    ],
  });
}

const tagOf = (span: { tags: { key: string; value: unknown }[] }, key: string) => span.tags.find((t) => t.key === key)?.value;

describe('ingest limits (defaults)', () => {
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startTestExplorer();
  });
  afterAll(async () => {
    await ex?.close();
  });

  async function storedSpan(traceId: string) {
    const res = await ex.get(`/api/traces/${traceId}`);
    expect(res.status).toBe(200);
    return res.body.data[0].spans[0];
  }

  it("attributes over 128 per span are dropped and counted, with the sender's own count added", async () => {
    const traceId = newTraceId();
    const attributes = Array.from({ length: 200 }, (_, i) => ({ key: `a${i}`, value: { intValue: String(i) } }));
    const answer = await post(ex.otlpUrl, '/v1/traces', rawSpan(traceId, { attributes, droppedAttributesCount: 5 }));
    expect(answer.partialSuccess?.rejectedSpans).toBeUndefined();
    expect(answer.partialSuccess?.errorMessage).toMatch(/72 attribute\(s\) dropped: over the per-record limit/);
    const span = await storedSpan(traceId);
    expect(tagOf(span, 'a127')).toBe(127);
    expect(tagOf(span, 'a128')).toBeUndefined();
    expect(tagOf(span, EXPLORER_ATTR.DROPPED_ATTRIBUTES)).toBe(77);
    expect(span.warnings.join(' ')).toMatch(/77 attribute\(s\) dropped/);
  });

  it('events and links over 128 per span are dropped and counted', async () => {
    const traceId = newTraceId();
    const events = Array.from({ length: 140 }, (_, i) => ({ timeUnixNano: ns(Date.now() - 10), name: `e${i}` }));
    const links = Array.from({ length: 130 }, () => ({ traceId: newTraceId(), spanId: newSpanId() }));
    const answer = await post(ex.otlpUrl, '/v1/traces', rawSpan(traceId, { events, links }));
    expect(answer.partialSuccess?.errorMessage).toMatch(/12 event\(s\) dropped: over 128 per span; 2 link\(s\) dropped/);
    const span = await storedSpan(traceId);
    expect(span.logs).toHaveLength(128);
    expect(span.references.filter((r: { refType: string }) => r.refType === 'FOLLOWS_FROM')).toHaveLength(128);
    expect(tagOf(span, EXPLORER_ATTR.DROPPED_EVENTS)).toBe(12);
    expect(tagOf(span, EXPLORER_ATTR.DROPPED_LINKS)).toBe(2);
  });

  it('a value with more than 10,000 elements is dropped; a 100 KiB string is cut to 64 KiB on receipt and served cut to 16 KiB with a marker', async () => {
    const traceId = newTraceId();
    const big = 'x'.repeat(100 * 1024);
    const answer = await post(
      ex.otlpUrl,
      '/v1/traces',
      rawSpan(traceId, {
        attributes: [
          { key: 'huge_array', value: { arrayValue: { values: Array.from({ length: 10_001 }, () => ({ intValue: '1' })) } } },
          { key: 'big', value: str(big) },
        ],
      }),
    );
    expect(answer.partialSuccess?.errorMessage).toMatch(/1 attribute\(s\) dropped: value with more than 10000 elements/);
    expect(answer.partialSuccess?.errorMessage).toMatch(/1 string\(s\) cut to 65536 characters/);
    const span = await storedSpan(traceId);
    expect(tagOf(span, 'huge_array')).toBeUndefined();
    const served = tagOf(span, 'big') as string;
    expect(served.startsWith('x'.repeat(16 * 1024))).toBe(true);
    expect(served).toMatch(/… \[cut by the explorer: 65536 characters\]$/);
    expect(span.warnings.join(' ')).toMatch(/attribute "big" cut to 16384 of 65536 characters/);
    expect(tagOf(span, EXPLORER_ATTR.TRUNCATED_VALUES)).toBe(1);
  });

  it('log bodies and attribute values are served cut with the marker', async () => {
    const service = `long-logs-${newSpanId()}`;
    await post(
      ex.otlpUrl,
      '/v1/logs',
      logsPayload([{ service, timeMs: Date.now() - 5, body: 'b'.repeat(40_000), attributes: { long: 'l'.repeat(20_000) } }]),
    );
    const log = (await ex.get(`/api/logs?service=${service}`)).body.data[0];
    expect(log.body).toMatch(/^b{16384}… \[cut by the explorer: 40000 characters\]$/);
    expect(log.attributes.long).toMatch(/^l{16384}… \[cut by the explorer: 20000 characters\]$/);
  });

  it('a span dated 2100 is stored at its receive time, the original kept, and does not top the newest-first search', async () => {
    const service = `clock-${newSpanId()}`;
    const future = newTraceId();
    const present = newTraceId();
    const year2100Ms = Date.UTC(2100, 0, 1);
    const before = Date.now();
    const answer = await post(
      ex.otlpUrl,
      '/v1/traces',
      tracesPayload([{ traceId: future, service, name: 'from-2100', startMs: year2100Ms, durationMs: 7 }]),
    );
    expect(answer.partialSuccess?.errorMessage).toMatch(/1 timestamp\(s\) more than 600 s ahead of the receive time clamped/);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await post(ex.otlpUrl, '/v1/traces', tracesPayload([{ traceId: present, service, name: 'now', startMs: Date.now(), durationMs: 1 }]));
    const span = await storedSpan(future);
    expect(span.startTime).toBeGreaterThanOrEqual(before * 1000);
    expect(span.startTime).toBeLessThanOrEqual(Date.now() * 1000);
    expect(span.duration).toBe(7000);
    expect(tagOf(span, EXPLORER_ATTR.ORIGINAL_TIME_US)).toBe(year2100Ms * 1000);
    expect(span.warnings.join(' ')).toMatch(/far in the future/);
    const newest = (await ex.get(`/api/traces?service=${service}&limit=1`)).body.data;
    expect(newest[0].traceID).toBe(present);
  });

  it('a log record dated 2100 is clamped too', async () => {
    const service = `clock-logs-${newSpanId()}`;
    const year2100Ms = Date.UTC(2100, 0, 1);
    await post(ex.otlpUrl, '/v1/logs', logsPayload([{ service, timeMs: year2100Ms, body: 'from the future' }]));
    const log = (await ex.get(`/api/logs?service=${service}`)).body.data[0];
    expect(log.time_us).toBeLessThanOrEqual(Date.now() * 1000);
    expect(log.attributes[EXPLORER_ATTR.ORIGINAL_TIME_US]).toBe(year2100Ms * 1000);
  });
});

describe('configured limits', () => {
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startTestExplorer(
      { DIFFSCOPE_EXPLORER_MAX_FUTURE_SKEW_MS: '5000' },
      {
        ingestLimits: { maxSpansPerTrace: 30 },
        queryLimits: { maxSpansPerTrace: 10, maxSpansPerResponse: 25, maxTraceIdsPerRequest: 5 },
      },
    );
  });
  afterAll(async () => {
    await ex?.close();
  });

  const spansOf = (traceId: string, n: number, service = 'capped') =>
    Array.from({ length: n }, (_, i) => ({ traceId, service, name: `s${i}`, startMs: Date.now() - 1000 + i, durationMs: 1 }));

  it('the skew is configurable: 2 s ahead is kept, 60 s ahead is clamped', async () => {
    const near = newTraceId();
    const far = newTraceId();
    const now = Date.now();
    await post(
      ex.otlpUrl,
      '/v1/traces',
      tracesPayload([
        { traceId: near, service: 'skew', name: 'near', startMs: now + 2000, durationMs: 1 },
        { traceId: far, service: 'skew', name: 'far', startMs: now + 60_000, durationMs: 1 },
      ]),
    );
    expect((await ex.get(`/api/traces/${near}`)).body.data[0].spans[0].startTime).toBe((now + 2000) * 1000);
    expect((await ex.get(`/api/traces/${far}`)).body.data[0].spans[0].startTime).toBeLessThan((now + 5000) * 1000);
  });

  it('a trace holding the limit of spans takes no more: the rest rejected and counted, in this export and later ones', async () => {
    const traceId = newTraceId();
    const first = await post(ex.otlpUrl, '/v1/traces', tracesPayload(spansOf(traceId, 25)));
    expect(first.partialSuccess).toBeUndefined();
    const second = await post(ex.otlpUrl, '/v1/traces', tracesPayload(spansOf(traceId, 10)));
    expect(second.partialSuccess?.rejectedSpans).toBe('5');
    expect(second.partialSuccess?.errorMessage).toMatch(/5 record\(s\) rejected: the trace already holds 30 spans/);
    const ex2 = ex.store.db.prepare('SELECT COUNT(*) FROM spans WHERE trace_id = ?').pluck().get(traceId);
    expect(ex2).toBe(30);
  });

  it('a trace over the served limit comes back cut, saying so (trace warning, first span warning)', async () => {
    const traceId = newTraceId();
    await post(ex.otlpUrl, '/v1/traces', tracesPayload(spansOf(traceId, 30)));
    const trace = (await ex.get(`/api/traces/${traceId}`)).body.data[0];
    expect(trace.spans).toHaveLength(10);
    expect(trace.spans.map((s: { operationName: string }) => s.operationName)).toEqual(Array.from({ length: 10 }, (_, i) => `s${i}`));
    expect(trace.warnings).toEqual([
      'trace cut by the explorer: the first 10 of 30 spans (by start time) are shown, the limit of 10 spans per trace',
    ]);
    expect(trace.spans[0].warnings).toEqual(trace.warnings);
  });

  it('a search answer holds at most the per-answer limit of spans; every trace keeps at least its first span', async () => {
    const service = `search-cap-${newSpanId()}`;
    for (let t = 0; t < 4; t++) await post(ex.otlpUrl, '/v1/traces', tracesPayload(spansOf(newTraceId(), 12, service)));
    const traces = (await ex.get(`/api/traces?service=${service}&limit=10`)).body.data;
    expect(traces.map((t: { spans: unknown[] }) => t.spans.length)).toEqual([10, 10, 5, 1]);
    expect(traces[2].warnings[0]).toMatch(/the answer's limit of 25 spans/);
  });

  it('asking for more trace ids than allowed is a 400', async () => {
    const ids = Array.from({ length: 6 }, () => newTraceId());
    const many = await ex.get(`/api/traces?${ids.map((id) => `traceID=${id}`).join('&')}`);
    expect(many.status).toBe(400);
    expect(many.body.errors[0].msg).toMatch(/at most 5 trace ids per request \(got 6\)/);
    expect((await ex.get(`/api/traces?traceID=${ids.join(',')}`)).status).toBe(400);
    expect(
      (
        await ex.get(
          `/api/traces?${ids
            .slice(0, 5)
            .map((id) => `traceID=${id}`)
            .join('&')}`,
        )
      ).status,
    ).toBe(200);
  });
});
