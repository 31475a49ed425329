/**
 * A request that arrives with only B3 headers, or only an X-Ray header, continues that trace
 * through the real stack — api-server, RabbitMQ (whose consumer drops `x-` headers, so the message
 * metadata must not depend on them), worker, notifier — and goes out on the webhook in the same
 * trace, with OTEL_PROPAGATORS=tracecontext,baggage,b3multi,xray (and the X-Ray id generator).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer } from './harness.js';
import { parentOf, spanByName, Stack } from './stack.js';
import { expectCorrelatedLogs, webhookReceiver } from './trace-assertions.js';

const up = await requireServer('RabbitMQ', 5672);

const B3_TRACE = '80f198ee56343ba864fe8b2a57d3eff7';
const B3_SPAN = 'e457b5a2e4d86bd1';
const XRAY_TRACE = '5759e988bd862e3fe1be46a994272793';
const XRAY_PARENT = '53995c3f42cd8ad8';

describe.runIf(up)('foreign trace headers end to end (RabbitMQ queue, SQLite state)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await new Stack({ queue: 'rabbitmq', state: 'sqlite', env: { OTEL_PROPAGATORS: 'tracecontext,baggage,b3multi,xray' } }).start();
  }, 240_000);
  afterAll(async () => stack?.stop(), 60_000);

  async function follow(headers: Record<string, string>, traceId: string, callerSpanId: string): Promise<Record<string, unknown>> {
    const hook = await webhookReceiver();
    try {
      const submitted = await stack.submit(
        { prompt: 'a blue square', steps: 4, seed: 7, webhook: { url: hook.url, events: ['succeeded', 'failed'] } },
        0,
        headers,
      );
      expect(submitted.status).toBe(202);
      expect(submitted.json.trace_id).toBe(traceId);
      const record = await stack.waitForStatus(submitted.json.id, ['succeeded', 'failed']);
      expect(record.status).toBe('succeeded');

      const trace = await stack.trace(traceId, ['POST /v1/generations', 'queue.publish', 'queue.wait', 'inference', 'notify.webhook']);
      const a = spanByName(trace, 'POST /v1/generations');
      expect(a.references.find((r) => r.refType === 'CHILD_OF')?.spanID).toBe(callerSpanId);
      expect(parentOf(trace, spanByName(trace, 'inference'))?.operationName).toBe('queue.publish');
      expectCorrelatedLogs(stack, submitted.json.id, traceId, ['api-server', 'inference-worker', 'notifier']);

      const webhook = await eventuallyFind(() => hook.received.find((w) => w.body.id === submitted.json.id));
      const e = spanByName(trace, 'notify.webhook');
      return { ...webhook.headers, notifySpanId: e.spanID };
    } finally {
      await hook.close();
    }
  }

  it('B3 (multi-header) only: the trace continues through the worker and out on the webhook', async () => {
    const out = await follow({ 'X-B3-TraceId': B3_TRACE, 'X-B3-SpanId': B3_SPAN, 'X-B3-Sampled': '1' }, B3_TRACE, B3_SPAN);
    expect(out['x-b3-traceid']).toBe(B3_TRACE);
    expect(out['x-b3-spanid']).toBe(out.notifySpanId);
    expect(out.traceparent).toBe(`00-${B3_TRACE}-${String(out.notifySpanId)}-01`);
    expect(String(out['x-amzn-trace-id'])).toBe(
      `Root=1-${B3_TRACE.slice(0, 8)}-${B3_TRACE.slice(8)};Parent=${String(out.notifySpanId)};Sampled=1`,
    );
  }, 180_000);

  it('X-Ray only: the trace continues through the worker and out on the webhook', async () => {
    const out = await follow(
      { 'X-Amzn-Trace-Id': `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${XRAY_PARENT};Sampled=1` },
      XRAY_TRACE,
      XRAY_PARENT,
    );
    expect(out['x-amzn-trace-id']).toBe(`Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${String(out.notifySpanId)};Sampled=1`);
    expect(out['x-b3-traceid']).toBe(XRAY_TRACE);
  }, 180_000);

  it('a new trace (no incoming header) gets an X-Ray-style id: its first 4 bytes are the start time in seconds', async () => {
    const before = Math.floor(Date.now() / 1000);
    const submitted = await stack.submit({ prompt: 'a green triangle', steps: 2, seed: 3 });
    const seconds = parseInt(String(submitted.json.trace_id).slice(0, 8), 16);
    expect(seconds).toBeGreaterThanOrEqual(before - 1);
    expect(seconds).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 1);
    await stack.waitForStatus(submitted.json.id, ['succeeded', 'failed']);
  }, 120_000);
});

async function eventuallyFind<T>(fn: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = fn();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out waiting for the webhook');
}
