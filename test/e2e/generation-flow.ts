/** One generation through a running stack, with every end-to-end check. Shared by the per-backend suites. */
import { expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Stack } from './stack.js';
import {
  CORE_OPERATIONS,
  expectCorrelatedLogs,
  expectImages,
  expectPromptNowhere,
  expectTraceShape,
  webhookReceiver,
} from './trace-assertions.js';

export async function runTracedGeneration(stack: Stack, options: { submitVia?: number; followVia?: number } = {}): Promise<void> {
  const submitVia = options.submitVia ?? 0;
  const followVia = options.followVia ?? submitVia;
  const hook = await webhookReceiver();
  const canary = `canary-${randomBytes(6).toString('hex')}`;
  try {
    const submitted = await stack.submit(
      { prompt: `a red circle ${canary}`, steps: 8, seed: 42, n: 2, webhook: { url: hook.url, events: ['succeeded', 'failed'] } },
      submitVia,
    );
    expect(submitted.status).toBe(202);
    const { id, trace_id: traceId } = submitted.json;
    expect(id).toMatch(/^req_/);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const record = await stack.waitForStatus(id, ['succeeded', 'failed'], followVia);
    await expectImages(stack, record, 2, followVia);
    expect(record.timings.queue_ms).toBeGreaterThanOrEqual(0);
    expect(record.timings.inference_ms).toBeGreaterThan(0);

    const webhook = await waitFor(() => hook.received.find((w) => w.body.id === id), 30_000);
    expect(String(webhook.headers.traceparent)).toContain(traceId);
    expect(webhook.headers['x-diffscope-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

    const trace = await stack.trace(traceId, [...CORE_OPERATIONS, 'notify.webhook']);
    expectTraceShape(trace, { cold: true, webhook: true });
    expect(trace.spans.filter((s) => s.operationName === 'storage.put')).toHaveLength(2);

    expectCorrelatedLogs(stack, id, traceId, ['api-server', 'inference-worker', 'notifier']);
    await expectPromptNowhere(stack, canary);
  } finally {
    await hook.close();
  }
}

async function waitFor<T>(fn: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = fn();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out waiting for the webhook');
}
