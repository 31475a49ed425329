import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureLogger, HEX16, HEX32, setupTracing } from './helpers.js';
import {
  context,
  currentRequestScope,
  currentTraceId,
  extractMessageHeaders,
  injectMessageHeaders,
  runWithRequestScope,
  SpanKind,
  SpanStatusCode,
  trace,
  withSpan,
} from '../../src/telemetry/index.js';
import type { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';

let exporter: InMemorySpanExporter;
beforeAll(() => {
  exporter = setupTracing();
});
beforeEach(() => exporter.reset());

describe('log ↔ trace correlation', () => {
  it('a log line written inside a span carries that span’s trace_id and span_id, nested spans included', async () => {
    const cap = captureLogger();
    const ids: { trace: string; span: string }[] = [];
    await withSpan('inference', { kind: SpanKind.CONSUMER }, async (outer) => {
      ids.push({ trace: outer.spanContext().traceId, span: outer.spanContext().spanId });
      cap.logger.info('inference_start');
      await withSpan('sampling', {}, async (inner) => {
        ids.push({ trace: inner.spanContext().traceId, span: inner.spanContext().spanId });
        await new Promise((r) => setImmediate(r));
        cap.logger.debug('sampling_step');
      });
      cap.logger.info('inference_complete');
    });
    cap.logger.info('worker_stopped');
    const [start, progress, complete, after] = cap.records();
    expect(start).toMatchObject({ trace_id: ids[0].trace, span_id: ids[0].span });
    expect(progress).toMatchObject({ trace_id: ids[0].trace, span_id: ids[1].span });
    expect(complete).toMatchObject({ trace_id: ids[0].trace, span_id: ids[0].span });
    expect(after).not.toHaveProperty('trace_id');
    expect(start.trace_id).toMatch(HEX32);
    expect(progress.span_id).toMatch(HEX16);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(['inference', 'sampling']);
  });

  it('the request scope follows async work and spans, and is gone outside', async () => {
    await runWithRequestScope({ requestId: 'r-1', clientId: 'c-1' }, async () => {
      await new Promise((r) => setTimeout(r, 2));
      await withSpan('x', {}, () => expect(currentRequestScope()).toEqual({ requestId: 'r-1', clientId: 'c-1' }));
    });
    expect(currentRequestScope()).toBeUndefined();
  });

  it('withSpan records the exception and ERROR status, rethrows, and ends the span', async () => {
    await expect(withSpan('boom', {}, () => Promise.reject(new TypeError('nope')))).rejects.toThrow('nope');
    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('boom');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.events.some((e) => e.name === 'exception')).toBe(true);
    expect(span.attributes['error.type']).toBe('TypeError');
  });

  it('inject → extract round trip: the consumer span is a child in the same trace, with request_id and enqueued_at', async () => {
    let headers: Record<string, string> = {};
    let producer = { traceId: '', spanId: '' };
    const enqueuedAt = Date.now() - 250;
    await runWithRequestScope({ requestId: 'req_rt', clientId: 'bob' }, () =>
      withSpan('queue.publish', { kind: SpanKind.PRODUCER }, (span) => {
        producer = span.spanContext();
        headers = injectMessageHeaders({ enqueuedAt });
      }),
    );
    expect(headers.traceparent).toBe(`00-${producer.traceId}-${producer.spanId}-01`);
    expect(headers.request_id).toBe('req_rt');
    expect(headers.enqueued_at).toBe(String(enqueuedAt));
    // Everything is a string (message metadata).
    for (const v of Object.values(headers)) expect(typeof v).toBe('string');

    // Consumer side: as received from a broker, plain strings.
    const extracted = extractMessageHeaders({ ...headers });
    expect(extracted.requestId).toBe('req_rt');
    expect(extracted.enqueuedAt).toBe(enqueuedAt);
    const cap = captureLogger();
    await withSpan('queue.wait', { parent: extracted.context, startTime: extracted.enqueuedAt }, () => undefined);
    await withSpan('inference', { kind: SpanKind.CONSUMER, parent: extracted.context }, () => {
      expect(currentTraceId()).toBe(producer.traceId);
      cap.logger.info('job_dequeued');
    });
    const spans = exporter.getFinishedSpans();
    const wait = spans.find((s) => s.name === 'queue.wait')!;
    const inference = spans.find((s) => s.name === 'inference')!;
    for (const s of [wait, inference]) {
      expect(s.spanContext().traceId).toBe(producer.traceId);
      expect(s.parentSpanContext?.spanId).toBe(producer.spanId);
    }
    // queue.wait starts at enqueued_at (B in the architecture picture).
    const waitStartMs = wait.startTime[0] * 1000 + wait.startTime[1] / 1e6;
    expect(Math.abs(waitStartMs - enqueuedAt)).toBeLessThan(1);
    // The extracted context also carries the request scope: logs under it get request_id.
    expect(cap.records()[0]).toMatchObject({ request_id: 'req_rt', client_id: 'bob', trace_id: producer.traceId });
  });

  it('inject with an explicit context and request id, outside any active span', async () => {
    let ctx = context.active();
    await withSpan('parent', {}, () => {
      ctx = context.active();
    });
    const headers = injectMessageHeaders({ context: ctx, requestId: 'given' });
    expect(headers.request_id).toBe('given');
    const sc = trace.getSpanContext(extractMessageHeaders(headers).context)!;
    expect(sc.traceId).toBe(trace.getSpanContext(ctx)!.traceId);
    expect(sc.isRemote).toBe(true);
  });

  it('baggage travels with the message', () => {
    const headers = extractMessageHeaders({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      baggage: 'tenant=acme',
    });
    const reinjected = injectMessageHeaders({ context: headers.context });
    expect(reinjected.baggage).toBe('tenant=acme');
  });
});
