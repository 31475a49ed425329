/**
 * W3C Trace Context edge cases for message headers (fixed ids, one case per row, like
 * opentelemetry-js's W3CTraceContextPropagator tests). Invalid input must start a new trace
 * (no remote parent) and never throw.
 */
import { describe, expect, it } from 'vitest';
import { extractMessageHeaders, injectMessageHeaders, trace } from '../../src/telemetry/index.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const VALID = `00-${TRACE_ID}-${SPAN_ID}-01`;

function parentOf(headers: Record<string, string | undefined>) {
  return trace.getSpanContext(extractMessageHeaders(headers).context);
}

describe('extractMessageHeaders: invalid traceparent → new trace, never throws', () => {
  const invalid: [string, string | undefined][] = [
    ['missing', undefined],
    ['empty', ''],
    ['garbage', 'not-a-traceparent'],
    ['upper-case trace id', `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`],
    ['upper-case span id', `00-${TRACE_ID}-${SPAN_ID.toUpperCase()}-01`],
    ['upper-case flags', `00-${TRACE_ID}-${SPAN_ID}-0A`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`],
    ['all-zero span id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ['version 00 with extra field', `${VALID}-extra`],
    ['short trace id', `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`],
    ['long span id', `00-${TRACE_ID}-${SPAN_ID}0-01`],
    ['non-hex chars', `00-${TRACE_ID.slice(0, 31)}g-${SPAN_ID}-01`],
    ['one-digit flags', `00-${TRACE_ID}-${SPAN_ID}-1`],
    ['wrong separators', `00_${TRACE_ID}_${SPAN_ID}_01`],
    ['version too long', `000-${TRACE_ID}-${SPAN_ID}-01`],
    ['only version', '00'],
    ['huge header', `00-${TRACE_ID}-${SPAN_ID}-01` + '-x'.repeat(10_000)],
  ];
  it.each(invalid)('%s', (_name, traceparent) => {
    let sc: ReturnType<typeof parentOf>;
    expect(() => {
      sc = parentOf({ traceparent, request_id: 'r' });
    }).not.toThrow();
    expect(sc!).toBeUndefined();
    // A consumer span under this context would be a new root; the request id still comes through.
    expect(extractMessageHeaders({ traceparent, request_id: 'r' }).requestId).toBe('r');
  });

  it('non-string and odd carriers do not throw', () => {
    expect(() => extractMessageHeaders({ traceparent: 42 as unknown as string })).not.toThrow();
    expect(() => extractMessageHeaders(undefined as unknown as Record<string, string>)).not.toThrow();
    expect(() => extractMessageHeaders({ enqueued_at: 'yesterday' })).not.toThrow();
    expect(extractMessageHeaders({ enqueued_at: 'yesterday' }).enqueuedAt).toBeUndefined();
    expect(extractMessageHeaders({ enqueued_at: '-5' }).enqueuedAt).toBeUndefined();
    expect(extractMessageHeaders({ enqueued_at: '1700000000123' }).enqueuedAt).toBe(1700000000123);
  });
});

describe('extractMessageHeaders: valid traceparent', () => {
  it('continues the trace as a remote parent', () => {
    const sc = parentOf({ traceparent: VALID });
    expect(sc).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, isRemote: true });
  });

  it('accepts a future version with extra fields (forward compatibility)', () => {
    const sc = parentOf({ traceparent: `cc-${TRACE_ID}-${SPAN_ID}-01-what-the-future-holds` });
    expect(sc).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID });
  });

  it('accepts not-sampled flags', () => {
    expect(parentOf({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-00` })?.traceFlags).toBe(0);
  });

  it('finds headers whose names a broker re-cased', () => {
    expect(parentOf({ Traceparent: VALID } as Record<string, string>)?.traceId).toBe(TRACE_ID);
  });

  it('zeroes unknown flag bits so re-injection stays a valid 2-hex-digit traceparent (OTel keeps them and would write "0ff")', () => {
    const extracted = extractMessageHeaders({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-ff` });
    expect(trace.getSpanContext(extracted.context)?.traceFlags).toBe(1);
    const reinjected = injectMessageHeaders({ context: extracted.context });
    expect(reinjected.traceparent).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);
    expect(reinjected.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  });
});

describe('tracestate', () => {
  it('keeps a valid tracestate alongside the parent', () => {
    const extracted = extractMessageHeaders({ traceparent: VALID, tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE' });
    expect(trace.getSpanContext(extracted.context)?.traceState?.get('rojo')).toBe('00f067aa0ba902b7');
    expect(injectMessageHeaders({ context: extracted.context }).tracestate).toBe('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
  });

  it('an over-long tracestate never breaks the trace: the parent is kept and tracestate is cut to ≤ 512 chars / 32 members', () => {
    const members = Array.from({ length: 64 }, (_, i) => `vendor${i}=${'v'.repeat(20)}`).join(',');
    expect(members.length).toBeGreaterThan(512);
    const extracted = extractMessageHeaders({ traceparent: VALID, tracestate: members });
    const sc = trace.getSpanContext(extracted.context);
    expect(sc?.traceId).toBe(TRACE_ID);
    const out = injectMessageHeaders({ context: extracted.context }).tracestate ?? '';
    expect(out.length).toBeLessThanOrEqual(512);
    expect(out.split(',').length).toBeLessThanOrEqual(32);
  });

  it('malformed tracestate members are dropped, the parent is kept', () => {
    const extracted = extractMessageHeaders({ traceparent: VALID, tracestate: 'UPPER=1,ok=2,=novalue,bad key=3' });
    expect(trace.getSpanContext(extracted.context)?.traceId).toBe(TRACE_ID);
    expect(injectMessageHeaders({ context: extracted.context }).tracestate).toBe('ok=2');
  });
});

describe('injectMessageHeaders without an active span', () => {
  it('writes no traceparent but still request_id and enqueued_at', () => {
    const headers = injectMessageHeaders({ requestId: 'r-9', enqueuedAt: 1_700_000_000_000 });
    expect(headers).toEqual({ request_id: 'r-9', enqueued_at: '1700000000000' });
  });
});

describe('HTTP carriers', () => {
  it('extractHttpContext: one traceparent continues the trace, two (an array) are invalid → new trace', async () => {
    const { extractHttpContext } = await import('../../src/telemetry/index.js');
    expect(trace.getSpanContext(extractHttpContext({ traceparent: VALID }))?.traceId).toBe(TRACE_ID);
    expect(trace.getSpanContext(extractHttpContext({ traceparent: [VALID, VALID] }))).toBeUndefined();
    expect(trace.getSpanContext(extractHttpContext({ traceparent: [VALID] }))?.traceId).toBe(TRACE_ID);
    expect(() => extractHttpContext({})).not.toThrow();
  });

  it('injectTraceHeaders writes only W3C headers', async () => {
    const { injectTraceHeaders } = await import('../../src/telemetry/index.js');
    const ctx = extractMessageHeaders({ traceparent: VALID, request_id: 'r' }).context;
    expect(injectTraceHeaders(ctx)).toEqual({ traceparent: VALID });
  });
});
