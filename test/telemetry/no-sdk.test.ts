/**
 * Tests and libraries run without the SDK: no tracer provider, no propagator, no context
 * manager of their own. Logs must still carry request ids, and an extracted message context
 * must survive a plain context.with().
 */
import { describe, expect, it } from 'vitest';
import { captureLogger } from './helpers.js';
import {
  context,
  currentTraceId,
  extractMessageHeaders,
  injectMessageHeaders,
  runWithRequestScope,
  withSpan,
} from '../../src/telemetry/index.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('without an SDK', () => {
  it('context.with(extracted context) carries the request scope and the remote trace id into log lines', async () => {
    const cap = captureLogger();
    const { context: ctx } = extractMessageHeaders({ traceparent: TRACEPARENT, request_id: 'req_x', client_id: 'cli', enqueued_at: '1' });
    await context.with(ctx, async () => {
      await new Promise((r) => setTimeout(r, 1));
      cap.logger.info('job_dequeued', { queue: 'q', attempt: 1 });
    });
    expect(cap.records()[0]).toMatchObject({ request_id: 'req_x', client_id: 'cli', trace_id: '0af7651916cd43dd8448eb211c80319c' });
  });

  it('withSpan is a no-op span that still runs fn, returns its value and propagates errors', async () => {
    await expect(withSpan('x', {}, () => 42)).resolves.toBe(42);
    await expect(withSpan('x', {}, () => Promise.reject(new Error('e')))).rejects.toThrow('e');
    await withSpan('x', {}, () => expect(currentTraceId()).toBeUndefined());
  });

  it('message headers still round-trip the remote parent and the request id', () => {
    const { context: ctx } = extractMessageHeaders({ traceparent: TRACEPARENT });
    const headers = context.with(ctx, () => runWithRequestScope({ requestId: 'r2' }, () => injectMessageHeaders({ enqueuedAt: 5 })));
    expect(headers).toEqual({ traceparent: TRACEPARENT, request_id: 'r2', enqueued_at: '5' });
  });
});
