/**
 * Every OTEL_PROPAGATORS value, with fixed ids (in the style of opentelemetry-js's
 * W3CTraceContextPropagator tests): the exact header each one writes, and inject → extract round
 * trips over HTTP (injectTraceHeaders / extractHttpContext) and queue metadata
 * (injectMessageHeaders / extractMessageHeaders, also through the real SQLite and RabbitMQ queues).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { propagation, ROOT_CONTEXT, trace, TraceFlags, type Context, type SpanContext } from '@opentelemetry/api';
import { CloudPropagator } from '@google-cloud/opentelemetry-cloud-trace-propagator';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { loadConfig } from '../../src/config/index.js';
import { createQueueBackend } from '../../src/queue/index.js';
import { extractHttpContext, extractMessageHeaders, injectMessageHeaders, injectTraceHeaders } from '../../src/telemetry/index.js';
import { CloudTraceContextPropagator } from '../../src/telemetry/propagators/cloud-trace.js';
import { propagationFromEnv } from '../../src/telemetry/propagators/from-env.js';
import { telemetryState } from '../../src/telemetry/state.js';

const TRACE_ID = '5759e988bd862e3fe1be46a994272793';
const SPAN_ID = '53995c3f42cd8ad8';
const SPAN_DEC = BigInt('0x' + SPAN_ID).toString(10);

function usePropagators(value: string | undefined): void {
  if (value === undefined) delete process.env.OTEL_PROPAGATORS;
  else process.env.OTEL_PROPAGATORS = value;
  telemetryState().propagation = undefined;
}

afterEach(() => usePropagators(undefined));

function contextWith(flags: TraceFlags): Context {
  const sc: SpanContext = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: flags, isRemote: false };
  return trace.setSpanContext(ROOT_CONTEXT, sc);
}

/** The HTTP headers each propagator writes for the fixed ids (sampled), as their specs define them. */
const HTTP_HEADERS: Record<string, Record<string, string>> = {
  tracecontext: { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` },
  b3: { b3: `${TRACE_ID}-${SPAN_ID}-1` },
  b3multi: { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '1' },
  jaeger: { 'uber-trace-id': `${TRACE_ID}:${SPAN_ID}:0:01` },
  xray: { 'x-amzn-trace-id': `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${SPAN_ID};Sampled=1` },
  gcp: { 'x-cloud-trace-context': `${TRACE_ID}/${SPAN_DEC};o=1` },
};

describe.each(Object.keys(HTTP_HEADERS))('OTEL_PROPAGATORS=%s', (name) => {
  it('HTTP: writes exactly its header(s) and reads them back to the same span context', () => {
    usePropagators(name);
    const headers = injectTraceHeaders(contextWith(TraceFlags.SAMPLED));
    expect(headers).toEqual(HTTP_HEADERS[name]);
    const sc = trace.getSpanContext(extractHttpContext(headers));
    expect(sc).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED, isRemote: true });
  });

  it('HTTP: not sampled round-trips as not sampled', () => {
    usePropagators(name);
    const headers = injectTraceHeaders(contextWith(TraceFlags.NONE));
    expect(trace.getSpanContext(extractHttpContext(headers))).toMatchObject({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.NONE,
    });
  });

  it('queue metadata: round trip with the request fields; x- names stored without the prefix', () => {
    usePropagators(name);
    const headers = injectMessageHeaders({ context: contextWith(TraceFlags.SAMPLED), requestId: 'req_1', enqueuedAt: 1_700_000_000_000 });
    const expected = Object.fromEntries(Object.entries(HTTP_HEADERS[name]).map(([k, v]) => [k.startsWith('x-') ? k.slice(2) : k, v]));
    expect(headers).toEqual({ ...expected, request_id: 'req_1', enqueued_at: '1700000000000' });
    const extracted = extractMessageHeaders(headers);
    expect(trace.getSpanContext(extracted.context)).toMatchObject({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(extracted.requestId).toBe('req_1');
  });

  it('a header of another propagator alone is not read (no parent)', () => {
    usePropagators(name);
    const other = name === 'tracecontext' ? HTTP_HEADERS.b3 : HTTP_HEADERS.tracecontext;
    expect(trace.getSpanContext(extractHttpContext(other))).toBeUndefined();
  });
});

describe('the list', () => {
  it('default (unset or empty) is tracecontext,baggage; baggage travels on the queue, never on webhooks', () => {
    for (const value of [undefined, '', ' , ']) {
      usePropagators(value);
      expect(propagationFromEnv().names).toEqual(['tracecontext', 'baggage']);
    }
    usePropagators(undefined);
    const ctx = propagation.setBaggage(contextWith(TraceFlags.SAMPLED), propagation.createBaggage({ tenant: { value: 'acme' } }));
    expect(injectMessageHeaders({ context: ctx, enqueuedAt: 1 }).baggage).toBe('tenant=acme');
    expect(injectTraceHeaders(ctx)).toEqual({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` });
  });

  it('several: all are written, any one is enough to continue the trace', () => {
    usePropagators('tracecontext,b3multi,xray');
    const headers = injectTraceHeaders(contextWith(TraceFlags.SAMPLED));
    expect(Object.keys(headers).sort()).toEqual(['traceparent', 'x-amzn-trace-id', 'x-b3-sampled', 'x-b3-spanid', 'x-b3-traceid'].sort());
    for (const only of [HTTP_HEADERS.b3multi, HTTP_HEADERS.xray, HTTP_HEADERS.tracecontext]) {
      expect(trace.getSpanContext(extractHttpContext(only))?.traceId).toBe(TRACE_ID);
    }
  });

  it('none propagates nothing; unknown names are skipped; duplicates count once', () => {
    usePropagators('none');
    expect(injectTraceHeaders(contextWith(TraceFlags.SAMPLED))).toEqual({});
    usePropagators('b3,ottrace-typo,b3');
    expect(propagationFromEnv().names).toEqual(['b3']);
  });
});

describe('Google X-Cloud-Trace-Context', () => {
  it('writes what @google-cloud/opentelemetry-cloud-trace-propagator writes, and reads what it reads', () => {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- the package's own propagator is the reference ours is checked against
    const theirs = new CloudPropagator();
    const ours = new CloudTraceContextPropagator();
    const setter = { set: (c: Record<string, string>, k: string, v: string) => void (c[k] = v) };
    const getter = { keys: (c: Record<string, string>) => Object.keys(c), get: (c: Record<string, string>, k: string) => c[k] };
    for (const flags of [TraceFlags.SAMPLED, TraceFlags.NONE]) {
      const a: Record<string, string> = {};
      const b: Record<string, string> = {};
      theirs.inject(contextWith(flags), a, setter);
      ours.inject(contextWith(flags), b, setter);
      expect(b).toEqual(a);
    }
    for (const header of [
      `${TRACE_ID}/${SPAN_DEC};o=1`,
      `${TRACE_ID}/${SPAN_DEC};o=0`,
      `${TRACE_ID}/${SPAN_DEC}`,
      `${TRACE_ID.toUpperCase()}/1;o=1`,
    ]) {
      const carrier = { 'x-cloud-trace-context': header };
      const expected = trace.getSpanContext(theirs.extract(ROOT_CONTEXT, carrier, getter));
      const actual = trace.getSpanContext(ours.extract(ROOT_CONTEXT, carrier, getter));
      expect({ ...actual, traceId: actual?.traceId.toLowerCase() }).toEqual({ ...expected, traceId: expected?.traceId.toLowerCase() });
    }
  });

  it('rejects what is not a valid span: zero or over-64-bit span ids, bad trace ids; oneway-gcp only reads', () => {
    usePropagators('gcp');
    for (const bad of [
      `${TRACE_ID}/0;o=1`,
      `${TRACE_ID}/18446744073709551616;o=1`,
      `${'0'.repeat(32)}/1;o=1`,
      `${TRACE_ID.slice(1)}/1;o=1`,
      `${TRACE_ID};o=1`,
    ]) {
      expect(trace.getSpanContext(extractHttpContext({ 'x-cloud-trace-context': bad })), bad).toBeUndefined();
    }
    expect(trace.getSpanContext(extractHttpContext({ 'x-cloud-trace-context': `${TRACE_ID}/18446744073709551615;o=1` }))?.spanId).toBe(
      'ffffffffffffffff',
    );
    usePropagators('oneway-gcp,tracecontext');
    expect(trace.getSpanContext(extractHttpContext({ 'x-cloud-trace-context': `${TRACE_ID}/${SPAN_DEC};o=1` }))?.spanId).toBe(SPAN_ID);
    expect(injectTraceHeaders(contextWith(TraceFlags.SAMPLED))).toEqual(HTTP_HEADERS.tracecontext);
  });
});

describe('X-Ray trace ids', () => {
  it('the X-Ray id generator puts the start time (seconds) in the first 4 bytes, as X-Ray requires', () => {
    const before = Math.floor(Date.now() / 1000);
    const id = new AWSXRayIdGenerator().generateTraceId();
    const after = Math.floor(Date.now() / 1000);
    const seconds = parseInt(id.slice(0, 8), 16);
    expect(seconds).toBeGreaterThanOrEqual(before);
    expect(seconds).toBeLessThanOrEqual(after);
  });
});

describe.each([
  ['sqlite', {}],
  ['rabbitmq', { DIFFSCOPE_AMQP_URL: process.env.DIFFSCOPE_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672' }],
] as const)('through the real %s queue', (kind, extra) => {
  it.each(['b3multi', 'xray', 'gcp', 'jaeger'])('%s headers come out of the queue and continue the trace', async (name) => {
    usePropagators(name);
    const dir = mkdtempSync(path.join(tmpdir(), 'diffscope-prop-'));
    const config = loadConfig({}, { DIFFSCOPE_QUEUE: kind, DIFFSCOPE_DATA_DIR: dir, ...extra });
    const backend = await createQueueBackend(config);
    const queue = `prop-${kind}-${name}-${process.pid}-${Date.now()}`;
    try {
      const delivered = new Promise<Record<string, string>>((resolve) => {
        void backend.consume(queue, async (m) => resolve(m.headers), { concurrency: 1, maxAttempts: 1, backoffMs: 100, maxBackoffMs: 100 });
      });
      const producer = await backend.producer(queue);
      await producer.publish('req_q', { n: 1 }, injectMessageHeaders({ context: contextWith(TraceFlags.SAMPLED), requestId: 'req_q' }));
      const headers = await delivered;
      const extracted = extractMessageHeaders(headers);
      expect(trace.getSpanContext(extracted.context)).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED });
      expect(extracted.requestId).toBe('req_q');
    } finally {
      await backend.deleteQueue(queue).catch(() => undefined);
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
