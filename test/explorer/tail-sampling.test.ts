/**
 * Tail-based sampling end to end: traces go in over OTLP/HTTP (JSON fixtures with exact ids and
 * times, and the OpenTelemetry SDK's protobuf exporter), the decision is taken on the explorer's
 * injected clock (`decideSampling(nowMs)`, what its own timer does at that time), and the test
 * reads the store to check exactly which traces and logs were kept.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { context, trace as otelTrace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { SamplingStatus } from '../../src/contract/index.js';
import { logsPayload, newSpanId, newTraceId, postJson, tracesPayload, type FixtureSpan } from './fixtures.js';
import { startTestExplorer, type TestExplorer } from './helpers.js';

const DECISION_WAIT_MS = 60_000;
const MAX_TRACE_WAIT_MS = 600_000;
/** Past every trace's decision wait, short of its max wait: complete traces are decided, others stay held. */
const afterWait = () => Date.now() + DECISION_WAIT_MS + 5_000;

const BASE_ENV = {
  DIFFSCOPE_TAIL_SAMPLING: 'on',
  DIFFSCOPE_TAIL_SAMPLING_DECISION_WAIT_MS: String(DECISION_WAIT_MS),
  DIFFSCOPE_TAIL_SAMPLING_MAX_TRACE_WAIT_MS: String(MAX_TRACE_WAIT_MS),
  DIFFSCOPE_TAIL_SAMPLING_LATENCY_THRESHOLD_MS: '5000',
  DIFFSCOPE_TAIL_SAMPLING_PERCENTAGE: '0',
};

const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

interface Gen {
  traceId: string;
  rootId: string;
  publishId: string;
  spans: FixtureSpan[];
}

/** A generation's spans as diffscope's services send them: root (202), queue.publish, and the worker's inference under the publish. */
function generation(
  opts: { durationMs?: number; error?: boolean; attempt?: number; group?: [string, string, number]; consumer?: boolean } = {},
): Gen {
  const traceId = newTraceId();
  const rootId = newSpanId();
  const publishId = newSpanId();
  const t0 = Date.now() - 120_000;
  const duration = opts.durationMs ?? 800;
  const [model, sampler, steps] = opts.group ?? ['tiny-sd', 'euler', 20];
  const spans: FixtureSpan[] = [
    { traceId, spanId: rootId, service: 'api-server', name: 'POST /v1/generations', kind: SERVER, startMs: t0, durationMs: 5 },
    {
      traceId,
      spanId: newSpanId(),
      parentSpanId: rootId,
      service: 'api-server',
      name: 'queue.publish',
      kind: PRODUCER,
      startMs: t0 + 1,
      durationMs: 2,
    },
  ];
  spans[1].spanId = publishId;
  if (opts.consumer !== false) {
    spans.push({
      traceId,
      parentSpanId: publishId,
      service: 'inference-worker',
      name: 'inference',
      kind: CONSUMER,
      startMs: t0 + 10,
      durationMs: duration - 10,
      status: opts.error ? 2 : 0,
      attributes: {
        'diffusion.model.id': model,
        'diffusion.sampler': sampler,
        'diffusion.steps': steps,
        'messaging.delivery.attempt': opts.attempt ?? 1,
      },
    });
  }
  return { traceId, rootId, publishId, spans };
}

/** A one-span trace of a model/sampler/steps group with an exact duration. */
function groupTrace(durationMs: number, group: [string, string, number] = ['tiny-sd', 'euler', 20]): FixtureSpan {
  return {
    traceId: newTraceId(),
    service: 'inference-worker',
    name: 'inference',
    kind: SERVER,
    startMs: Date.now() - 60_000,
    durationMs,
    attributes: { 'diffusion.model.id': group[0], 'diffusion.sampler': group[1], 'diffusion.steps': group[2] },
  };
}

async function sendSpans(ex: TestExplorer, spans: FixtureSpan[]): Promise<void> {
  await postJson(ex.otlpUrl, '/v1/traces', tracesPayload(spans));
}

function storedTraces(ex: TestExplorer): Set<string> {
  return new Set((ex.store.db.prepare('SELECT DISTINCT trace_id FROM spans').all() as { trace_id: string }[]).map((r) => r.trace_id));
}

function storedLogBodies(ex: TestExplorer): string[] {
  return (ex.store.db.prepare('SELECT body FROM logs ORDER BY body').all() as { body: string }[]).map((r) => r.body);
}

async function status(ex: TestExplorer): Promise<SamplingStatus> {
  const { status: code, body } = await ex.get('/api/sampling');
  expect(code).toBe(200);
  return body.data as SamplingStatus;
}

describe('tail sampling: which traces are kept', () => {
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startTestExplorer(BASE_ENV);
  });
  afterAll(async () => {
    await ex.close();
  });

  it('keeps every error, slow and retried trace and drops the rest, once each is complete', async () => {
    const ok = [generation(), generation(), generation()];
    const error = generation({ error: true });
    const slow = generation({ durationMs: 7_000 });
    const retried = generation({ attempt: 2 });
    const all = [...ok, error, slow, retried];
    await sendSpans(
      ex,
      all.flatMap((g) => g.spans),
    );
    await ex.flush();

    // nothing is stored before a decision, and nothing is decided before the wait is over
    expect(storedTraces(ex).size).toBe(0);
    await ex.decideSampling(Date.now() + DECISION_WAIT_MS / 2);
    expect(storedTraces(ex).size).toBe(0);
    expect((await status(ex)).held).toMatchObject({ traces: 6, spans: 18, logs: 0 });

    await ex.decideSampling(afterWait());
    expect(storedTraces(ex)).toEqual(new Set([error.traceId, slow.traceId, retried.traceId]));
    // every span of a kept trace is there
    const spans = ex.store.db.prepare('SELECT COUNT(*) AS n FROM spans WHERE trace_id = ?');
    for (const g of [error, slow, retried]) expect((spans.get(g.traceId) as { n: number }).n).toBe(3);
    const s = await status(ex);
    expect(s.enabled).toBe(true);
    expect(s.counts.traces).toEqual({ kept: { status_code: 1, latency: 1, retry: 1 }, dropped: { no_policy: 3 } });
    expect(s.counts.spans).toMatchObject({ kept: 9, dropped: 9 });
    expect(s.counts.policies.status_code).toEqual({ sampled: 1, not_sampled: 5 });
    expect(s.counts.policies.retry).toEqual({ sampled: 1, not_sampled: 5 });
    expect(s.counts.policies.latency).toEqual({ sampled: 1, not_sampled: 5 });
    expect(s.held).toMatchObject({ traces: 0, spans: 0, logs: 0, bytes: 0 });
  });

  it('waits for the queued job: a trace whose queue.publish has no consumer span yet stays held', async () => {
    const queued = generation({ error: true, consumer: false });
    await sendSpans(ex, queued.spans);
    await ex.flush();
    await ex.decideSampling(afterWait());
    expect(storedTraces(ex).has(queued.traceId)).toBe(false);
    expect((await status(ex)).held.traces).toBe(1);

    // the worker's span arrives: the trace is complete, and decided once the wait is over
    const inference: FixtureSpan = {
      traceId: queued.traceId,
      parentSpanId: queued.publishId,
      service: 'inference-worker',
      name: 'inference',
      kind: CONSUMER,
      startMs: Date.now() - 1000,
      durationMs: 500,
      status: 2,
    };
    await sendSpans(ex, [inference]);
    await ex.flush();
    await ex.decideSampling(afterWait());
    expect(storedTraces(ex).has(queued.traceId)).toBe(true);
    expect((ex.store.db.prepare('SELECT COUNT(*) AS n FROM spans WHERE trace_id = ?').get(queued.traceId) as { n: number }).n).toBe(3);
  });

  it('decides a trace that never completes at its max wait, on what arrived', async () => {
    const orphan = generation({ consumer: false });
    orphan.spans[0].status = 2; // the api-server's root failed after publishing
    await sendSpans(ex, orphan.spans);
    await ex.flush();
    const before = (await status(ex)).counts.decided_early.max_wait ?? 0;
    await ex.decideSampling(Date.now() + MAX_TRACE_WAIT_MS + 1_000);
    expect(storedTraces(ex).has(orphan.traceId)).toBe(true);
    expect((await status(ex)).counts.decided_early.max_wait).toBe(before + 1);
  });

  it("late spans follow their trace's decision", async () => {
    const kept = generation({ error: true });
    const dropped = generation();
    await sendSpans(ex, [...kept.spans, ...dropped.spans]);
    await ex.flush();
    await ex.decideSampling(afterWait());
    const before = (await status(ex)).counts.spans;

    const late = (g: Gen): FixtureSpan => ({
      traceId: g.traceId,
      parentSpanId: g.rootId,
      service: 'notifier',
      name: 'notify.webhook',
      kind: 3,
      startMs: Date.now() - 10,
      durationMs: 5,
    });
    await sendSpans(ex, [late(kept), late(dropped)]);
    await ex.flush();
    expect((ex.store.db.prepare('SELECT COUNT(*) AS n FROM spans WHERE trace_id = ?').get(kept.traceId) as { n: number }).n).toBe(4);
    expect(storedTraces(ex).has(dropped.traceId)).toBe(false);
    const after = (await status(ex)).counts.spans;
    expect(after.late_kept - before.late_kept).toBe(1);
    expect(after.late_dropped - before.late_dropped).toBe(1);
    // they were never held: nothing waits for a decision
    expect((await status(ex)).held.traces).toBe(0);
  });

  it('shows the counts on /metrics', async () => {
    const metrics = await (await fetch(`${ex.queryUrl}/metrics`)).text();
    expect(metrics).toMatch(/diffscope_explorer_sampling_traces_total\{[^}]*decision="kept",policy="status_code"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/diffscope_explorer_sampling_traces_total\{[^}]*decision="dropped",policy="no_policy"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/diffscope_explorer_sampling_policy_evaluations_total\{[^}]*policy="retry",sampled="true"[^}]*\} 1/);
    expect(metrics).toMatch(/diffscope_explorer_sampling_enabled\{[^}]*\} 1/);
    expect(metrics).toMatch(/diffscope_explorer_sampling_held_traces\{[^}]*\} 0/);
  });
});

describe('tail sampling: the group_latency policy', () => {
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startTestExplorer({
      ...BASE_ENV,
      DIFFSCOPE_TAIL_SAMPLING_GROUP_MIN_TRACES: '20',
      DIFFSCOPE_TAIL_SAMPLING_GROUP_PERCENTILE: '95',
    });
  });
  afterAll(async () => {
    await ex.close();
  });

  it('keeps a trace slower than the p95 of its model/sampler/steps group, once the group has history', async () => {
    // 40 traces, longest first (so none of them is slower than those before it): p95 = 1370 ms
    const baseline = Array.from({ length: 40 }, (_, i) => groupTrace(1390 - 10 * i));
    await sendSpans(ex, baseline);
    await ex.flush();
    await ex.decideSampling(afterWait());
    expect(storedTraces(ex).size).toBe(0);

    const outlier = groupTrace(2_000);
    const usual = groupTrace(1_200);
    const otherSteps = groupTrace(2_000, ['tiny-sd', 'euler', 50]);
    const otherSampler = groupTrace(2_000, ['tiny-sd', 'ddim', 20]);
    await sendSpans(ex, [outlier, usual, otherSteps, otherSampler]);
    await ex.flush();
    await ex.decideSampling(afterWait());
    expect(storedTraces(ex)).toEqual(new Set([outlier.traceId]));
    const s = await status(ex);
    expect(s.counts.traces.kept).toEqual({ group_latency: 1 });
    // asked only where the group had seen 20 traces: 20 of the baseline, then outlier and usual
    expect(s.counts.policies.group_latency).toEqual({ sampled: 1, not_sampled: 21 });
  });
});

describe('tail sampling: probabilistic share and the per-minute cap', () => {
  let ex: TestExplorer | undefined;
  afterEach(async () => {
    await ex?.close();
    ex = undefined;
  });

  it("keeps the same traces by trace id on every explorer (randomness = the id's last 56 bits)", async () => {
    const spans = Array.from({ length: 200 }, () => groupTrace(100, ['m', 's', 1]));
    // the OpenTelemetry rule, computed here on its own: keep when R >= (1 - 0.25) · 2^56
    const threshold = 3n << 54n;
    const expected = new Set(spans.filter((s) => BigInt(`0x${s.traceId.slice(-14)}`) >= threshold).map((s) => s.traceId));
    expect(expected.size).toBeGreaterThan(20);
    expect(expected.size).toBeLessThan(80);
    for (let run = 0; run < 2; run++) {
      ex = await startTestExplorer({ ...BASE_ENV, DIFFSCOPE_TAIL_SAMPLING_PERCENTAGE: '25' });
      await sendSpans(ex, run === 0 ? spans : [...spans].reverse());
      await ex.flush();
      await ex.decideSampling(afterWait());
      expect(storedTraces(ex)).toEqual(expected);
      expect((await status(ex)).counts.traces).toEqual({
        kept: { probabilistic: expected.size },
        dropped: { no_policy: 200 - expected.size },
      });
      await ex.close();
      ex = undefined;
    }
  });

  it('keeps at most DIFFSCOPE_TAIL_SAMPLING_MAX_TRACES_PER_MINUTE traces per clock minute', async () => {
    ex = await startTestExplorer({ ...BASE_ENV, DIFFSCOPE_TAIL_SAMPLING_MAX_TRACES_PER_MINUTE: '5' });
    const first = Array.from({ length: 12 }, () => generation({ error: true }));
    await sendSpans(
      ex,
      first.flatMap((g) => g.spans),
    );
    await ex.flush();
    const minute = Math.ceil(afterWait() / 60_000) * 60_000;
    await ex.decideSampling(minute + 1_000);
    // decided in arrival order: the first five were kept
    expect(storedTraces(ex)).toEqual(new Set(first.slice(0, 5).map((g) => g.traceId)));
    expect((await status(ex)).counts.traces).toEqual({ kept: { status_code: 5 }, dropped: { rate_limiting: 7 } });

    // the next minute has its own budget
    const second = Array.from({ length: 7 }, () => generation({ error: true }));
    await sendSpans(
      ex,
      second.flatMap((g) => g.spans),
    );
    await ex.flush();
    await ex.decideSampling(minute + 60_000 + DECISION_WAIT_MS + 1_000);
    expect(storedTraces(ex).size).toBe(10);
    expect((await status(ex)).counts.traces).toEqual({ kept: { status_code: 10 }, dropped: { rate_limiting: 9 } });
  });
});

describe('tail sampling: logs and memory bounds', () => {
  let ex: TestExplorer | undefined;
  afterEach(async () => {
    await ex?.close();
    ex = undefined;
  });

  const logOf = (traceId: string, body: string) => ({
    service: 'inference-worker',
    timeMs: Date.now() - 1000,
    body,
    traceId,
    spanId: newSpanId(),
  });

  it('drops the logs of a dropped trace with it, keeps those of a kept one, and writes logs without a trace id at once', async () => {
    ex = await startTestExplorer(BASE_ENV);
    const kept = generation({ error: true });
    const dropped = generation();
    // logs usually arrive before the spans they belong to
    await postJson(
      ex.otlpUrl,
      '/v1/logs',
      logsPayload([
        logOf(kept.traceId, 'kept-1'),
        logOf(dropped.traceId, 'dropped-1'),
        { service: 'api-server', timeMs: Date.now(), body: 'no-trace' },
      ]),
    );
    await sendSpans(ex, [...kept.spans, ...dropped.spans]);
    await postJson(ex.otlpUrl, '/v1/logs', logsPayload([logOf(kept.traceId, 'kept-2'), logOf(dropped.traceId, 'dropped-2')]));
    await ex.flush();
    expect(storedLogBodies(ex)).toEqual(['no-trace']);
    expect((await status(ex)).held).toMatchObject({ traces: 2, spans: 6, logs: 4 });

    await ex.decideSampling(afterWait());
    expect(storedLogBodies(ex)).toEqual(['kept-1', 'kept-2', 'no-trace']);
    // late logs follow the decision too
    await postJson(ex.otlpUrl, '/v1/logs', logsPayload([logOf(kept.traceId, 'kept-late'), logOf(dropped.traceId, 'dropped-late')]));
    await ex.flush();
    expect(storedLogBodies(ex)).toEqual(['kept-1', 'kept-2', 'kept-late', 'no-trace']);
    expect((await status(ex)).counts.logs).toEqual({ kept: 2, dropped: 2, late_kept: 1, late_dropped: 1 });
  });

  it('keeps the logs of dropped traces with DIFFSCOPE_TAIL_SAMPLING_DROPPED_LOGS=keep (they are never held)', async () => {
    ex = await startTestExplorer({ ...BASE_ENV, DIFFSCOPE_TAIL_SAMPLING_DROPPED_LOGS: 'keep' });
    const dropped = generation();
    await postJson(ex.otlpUrl, '/v1/logs', logsPayload([logOf(dropped.traceId, 'dropped-but-kept')]));
    await sendSpans(ex, dropped.spans);
    await ex.flush();
    expect(storedLogBodies(ex)).toEqual(['dropped-but-kept']);
    await ex.decideSampling(afterWait());
    expect(storedTraces(ex).size).toBe(0);
    expect(storedLogBodies(ex)).toEqual(['dropped-but-kept']);
  });

  it('writes logs whose trace never sends a span once the decision wait is over, without a decision', async () => {
    ex = await startTestExplorer(BASE_ENV);
    const traceId = newTraceId();
    await postJson(ex.otlpUrl, '/v1/logs', logsPayload([logOf(traceId, 'lonely')]));
    await ex.flush();
    await ex.decideSampling(afterWait());
    expect(storedLogBodies(ex)).toEqual(['lonely']);
    expect((await status(ex)).counts.logs_without_spans).toBe(1);
    // no decision was remembered: the trace's spans, should they come, are judged on their own
    const late = generation({ error: false });
    late.spans.forEach((s) => {
      s.traceId = traceId;
    });
    await sendSpans(ex, late.spans);
    await ex.flush();
    expect((await status(ex)).held.traces).toBe(1);
  });

  it('decides the oldest trace early when more than DIFFSCOPE_TAIL_SAMPLING_MAX_TRACES are held', async () => {
    ex = await startTestExplorer({ ...BASE_ENV, DIFFSCOPE_TAIL_SAMPLING_MAX_TRACES: '3' });
    const gens = [generation({ error: true }), generation(), generation(), generation(), generation({ error: true })];
    for (const g of gens) {
      await sendSpans(ex, g.spans);
      await ex.flush();
    }
    // the two oldest were decided on arrival of the 4th and 5th: the error one kept, the other dropped
    expect(storedTraces(ex)).toEqual(new Set([gens[0].traceId]));
    const s = await status(ex);
    expect(s.held.traces).toBe(3);
    expect(s.counts.decided_early).toEqual({ buffer_full: 2 });
    await ex.decideSampling(afterWait());
    expect(storedTraces(ex)).toEqual(new Set([gens[0].traceId, gens[4].traceId]));
  });

  it('bounds held spans and logs by DIFFSCOPE_TAIL_SAMPLING_MAX_RECORDS', async () => {
    ex = await startTestExplorer({ ...BASE_ENV, DIFFSCOPE_TAIL_SAMPLING_MAX_RECORDS: '10' });
    const gens = Array.from({ length: 5 }, () => generation());
    for (const g of gens) {
      await sendSpans(ex, g.spans);
      await ex.flush();
    }
    const s = await status(ex);
    // 3 spans each: at most 3 traces fit in 10 records
    expect(s.held).toMatchObject({ traces: 3, spans: 9 });
    expect(s.counts.decided_early).toEqual({ buffer_full: 2 });
  });
});

describe("tail sampling with the OpenTelemetry SDK exporter and dynamic batching's fan-in", () => {
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startTestExplorer(BASE_ENV);
  });
  afterAll(async () => {
    await ex.close();
  });

  it('keeps a batch trace when a member it links to is kept, after that member is decided', async () => {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'inference-worker' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${ex.otlpUrl}/v1/traces` }))],
    });
    const tracer = provider.getTracer('tail-sampling-test');
    const t0 = Date.now() - 10_000;
    const member = (error: boolean) => {
      const root = tracer.startSpan('POST /v1/generations', { kind: SpanKind.SERVER, startTime: t0 });
      const inference = tracer.startSpan(
        'inference',
        { kind: SpanKind.INTERNAL, startTime: t0 + 10 },
        otelTrace.setSpan(context.active(), root),
      );
      if (error) inference.setStatus({ code: SpanStatusCode.ERROR, message: 'out of memory' });
      return { root, inference };
    };
    const failed = member(true);
    const fine = member(false);
    const batch = tracer.startSpan('batch', {
      kind: SpanKind.INTERNAL,
      startTime: t0 + 20,
      root: true,
      links: [{ context: failed.inference.spanContext() }, { context: fine.inference.spanContext() }],
    });
    batch.end(t0 + 300);
    for (const m of [failed, fine]) {
      m.inference.end(t0 + 400);
      m.root.end(t0 + 5);
    }
    await provider.forceFlush();
    await provider.shutdown();
    await ex.flush();

    await ex.decideSampling(afterWait());
    const kept = new Set([failed.root.spanContext().traceId, batch.spanContext().traceId]);
    expect(storedTraces(ex)).toEqual(kept);
    expect((await status(ex)).counts.traces).toEqual({ kept: { status_code: 1, span_links: 1 }, dropped: { no_policy: 1 } });
  });
});

describe('tail sampling off (the default)', () => {
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startTestExplorer();
  });
  afterAll(async () => {
    await ex.close();
  });

  it('stores every trace as it comes and says sampling is off', async () => {
    const g = generation();
    await sendSpans(ex, g.spans);
    await ex.flush();
    expect(storedTraces(ex)).toEqual(new Set([g.traceId]));
    const s = await status(ex);
    expect(s).toMatchObject({ enabled: false, settings: null, held: { traces: 0 } });
    expect(s.counts.traces).toEqual({ kept: {}, dropped: {} });
  });
});
