/**
 * Cross-tenant trace injection (issue 9, item 16): with API keys, a client that learnt another
 * tenant's trace id must not be able to append spans to that trace by sending it as
 * `traceparent`. Span A then starts a new trace and LINKS the caller's context (kept for
 * correlation, not for parenthood), unless the operator trusts incoming context
 * (DIFFSCOPE_TRUST_INCOMING_TRACE_CONTEXT). Without keys every caller is the same anonymous
 * client, and its traceparent is continued as before.
 */
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTestTracing, spansOfTrace } from '../../support/tracing.js';
import { rawRequest, startListeningStack, type ListeningStack } from './net-support.js';

installTestTracing();

const VICTIM_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const VICTIM_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${VICTIM_TRACE}-${VICTIM_SPAN}-01`;

async function submitWithTraceparent(stack: ListeningStack, key?: string): Promise<{ status: number; traceId: string; id: string }> {
  const body = JSON.stringify({ prompt: 'a red circle' });
  const res = await rawRequest(
    stack.port,
    [
      'POST /v1/generations HTTP/1.1',
      'host: 127.0.0.1',
      ...(key ? [`authorization: Bearer ${key}`] : []),
      'content-type: application/json',
      `traceparent: ${TRACEPARENT}`,
      'tracestate: victim=1',
      `content-length: ${body.length}`,
    ],
    body,
  );
  const parsed = JSON.parse(res.body) as { id: string; trace_id: string };
  expect(res.headers.traceresponse.split('-')[1]).toBe(parsed.trace_id);
  return { status: res.status, traceId: parsed.trace_id, id: parsed.id };
}

function spanA(traceId: string) {
  const span = spansOfTrace(traceId).find((s) => s.name === 'POST /v1/generations');
  expect(span).toBeDefined();
  return span!;
}

describe('with API keys', () => {
  let stack: ListeningStack;
  let trusting: ListeningStack;
  beforeAll(async () => {
    stack = await startListeningStack({ env: { DIFFSCOPE_API_KEYS: 'k1:mallory' } });
    trusting = await startListeningStack({ env: { DIFFSCOPE_API_KEYS: 'k1:mallory', DIFFSCOPE_TRUST_INCOMING_TRACE_CONTEXT: 'true' } });
  });
  afterAll(async () => {
    await stack?.close();
    await trusting?.close();
  });

  it("a tenant's traceparent naming another trace starts a new trace that only links to it", async () => {
    const { status, traceId } = await submitWithTraceparent(stack, 'k1');
    expect(status).toBe(202);
    expect(traceId).not.toBe(VICTIM_TRACE);
    const span = spanA(traceId);
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([[VICTIM_TRACE, VICTIM_SPAN]]);
    // Nothing this request made landed in the victim's trace.
    expect(spansOfTrace(VICTIM_TRACE)).toHaveLength(0);
    // ...and the job's publish span followed span A into the new trace.
    expect(spansOfTrace(traceId).some((s) => s.kind === SpanKind.PRODUCER)).toBe(true);
  });

  it('an operator who trusts incoming context gets the caller continued', async () => {
    const { traceId } = await submitWithTraceparent(trusting, 'k1');
    expect(traceId).toBe(VICTIM_TRACE);
    expect(spanA(traceId).parentSpanContext?.spanId).toBe(VICTIM_SPAN);
  });
});

describe('without API keys', () => {
  let stack: ListeningStack;
  beforeAll(async () => {
    stack = await startListeningStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("the caller's traceparent is continued", async () => {
    const { traceId } = await submitWithTraceparent(stack);
    expect(traceId).toBe(VICTIM_TRACE);
    const span = spanA(traceId);
    expect(span.parentSpanContext?.spanId).toBe(VICTIM_SPAN);
    expect(span.links).toHaveLength(0);
  });
});
