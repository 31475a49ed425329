/**
 * W3C Trace Context edge cases for message headers (fixed ids, one case per row, like
 * opentelemetry-js's W3CTraceContextPropagator tests). Invalid input must start a new trace
 * (no remote parent) and never throw.
 */
import { describe, expect, it } from 'vitest';
import * as ctxApi from '../../src/telemetry/index.js';
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
    expect(parentOf({ Traceparent: VALID })?.traceId).toBe(TRACE_ID);
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

  // The tracestate cases of the W3C test suite (w3c/trace-context test/test.py) at its default
  // STRICT_LEVEL 2, with the same inputs: a broken header is discarded whole, the parent is kept.
  const TP = '00-12345678901234567890123456789012-1234567890123456-00';
  function tracestateOut(...tracestate: string[]): string | undefined {
    const { extractHttpContext } = ctxApi;
    const ctx = extractHttpContext({ traceparent: TP, tracestate: tracestate.length === 1 ? tracestate[0] : tracestate });
    expect(trace.getSpanContext(ctx)?.traceId).toBe('12345678901234567890123456789012');
    return injectMessageHeaders({ context: ctx }).tracestate;
  }
  const discarded: [string, string[]][] = [
    ['duplicated keys in one header', ['foo=1,foo=1']],
    ['duplicated keys, different values', ['foo=1,foo=2']],
    ['duplicated keys across headers', ['foo=1', 'foo=1']],
    ['duplicated keys across headers, different values', ['foo=1', 'foo=2']],
    ['key with a space', ['foo =1']],
    ['upper-case key', ['FOO=1']],
    ['key with a dot', ['foo.bar=1']],
    ['empty system id', ['foo@=1,bar=2']],
    ['empty tenant id', ['@foo=1,bar=2']],
    ['two @', ['foo@@bar=1,bar=2']],
    ['three parts', ['foo@bar@baz=1,bar=2']],
    [
      '33 members',
      [
        'bar01=01,bar02=02,bar03=03,bar04=04,bar05=05,bar06=06,bar07=07,bar08=08,bar09=09,bar10=10',
        'bar11=11,bar12=12,bar13=13,bar14=14,bar15=15,bar16=16,bar17=17,bar18=18,bar19=19,bar20=20',
        'bar21=21,bar22=22,bar23=23,bar24=24,bar25=25,bar26=26,bar27=27,bar28=28,bar29=29,bar30=30',
        'bar31=31,bar32=32,bar33=33',
      ],
    ],
    ['257-character key', ['foo=1', 'z'.repeat(257) + '=1']],
    ['242-character tenant', ['foo=1', 't'.repeat(242) + '@v=1']],
    ['15-character system id', ['foo=1', 't@' + 'v'.repeat(15) + '=1']],
    ['= in a value', ['foo=bar=baz']],
    ['empty value', ['foo=,bar=3']],
    ['valid members beside an illegal one', ['UPPER=1,ok=2,=novalue,bad key=3']],
  ];
  it.each(discarded)('discarded whole: %s', (_name, headers) => {
    expect(tracestateOut(...headers)).toBeUndefined();
  });

  it('kept: 32 members over several headers, in order', () => {
    const out = tracestateOut(
      'bar01=01,bar02=02,bar03=03,bar04=04,bar05=05,bar06=06,bar07=07,bar08=08,bar09=09,bar10=10',
      'bar11=11,bar12=12,bar13=13,bar14=14,bar15=15,bar16=16,bar17=17,bar18=18,bar19=19,bar20=20',
      'bar21=21,bar22=22,bar23=23,bar24=24,bar25=25,bar26=26,bar27=27,bar28=28,bar29=29,bar30=30',
      'bar31=31,bar32=32',
    );
    expect(out?.split(',')).toHaveLength(32);
    expect(out?.startsWith('bar01=01,bar02=02')).toBe(true);
  });

  it('kept: every legal character, simple and multi-tenant keys, longest keys, OWS, empty headers', () => {
    const key = 'abcdefghijklmnopqrstuvwxyz0123456789_-*/';
    const value = [
      [0x20, 0x2b],
      [0x2d, 0x3c],
      [0x3e, 0x7e],
    ]
      .map(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => String.fromCharCode(a + i)).join(''))
      .join('');
    expect(tracestateOut(`${key}=${value}`)).toBe(`${key}=${value}`);
    expect(tracestateOut(`${key}@a-z0-9_-*/=${value}`)).toBe(`${key}@a-z0-9_-*/=${value}`);
    expect(tracestateOut('foo=1', 'z'.repeat(256) + '=1')).toBe(`foo=1,${'z'.repeat(256)}=1`);
    expect(tracestateOut('foo=1', 't'.repeat(241) + '@' + 'v'.repeat(14) + '=1')).toContain('foo=1');
    expect(tracestateOut('foo=1 \t , \t bar=2, \t baz=3')).toBe('foo=1,bar=2,baz=3');
    expect(tracestateOut('\t foo=1 \t')).toBe('foo=1');
    expect(tracestateOut('foo=1', '')).toBe('foo=1');
    expect(tracestateOut('', 'foo=1')).toBe('foo=1');
    expect(tracestateOut('foo=1,bar=2', 'rojo=1,congo=2', 'baz=3')).toBe('foo=1,bar=2,rojo=1,congo=2,baz=3');
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

  it('injectTraceHeaders writes the trace headers, never baggage (webhooks go to third parties)', async () => {
    const { injectTraceHeaders } = await import('../../src/telemetry/index.js');
    const ctx = extractMessageHeaders({ traceparent: VALID, request_id: 'r' }).context;
    expect(injectTraceHeaders(ctx)).toEqual({ traceparent: VALID });
  });
});
