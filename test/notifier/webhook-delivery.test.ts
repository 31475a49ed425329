import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { DeliverySlots, deliverWebhook, sendWebhook, signWebhookPayload, verifyWebhookSignature } from '../../src/notifier/index.js';
import type { GenerationRecord } from '../../src/generation/index.js';
import { createLogger, getTracer, trace, context } from '../../src/telemetry/index.js';
import { installTestTracing } from '../support/tracing.js';

const exporter = installTestTracing();
const SECRET = 'whsec_test_0123456789abcdef';
const slots = () => new DeliverySlots({ total: 8, perClient: 2, perHost: 2 });

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

describe('webhook signature', () => {
  it('verifies its own signatures and rejects tampering, other secrets and old timestamps', () => {
    const body = '{"id":"req_1","status":"succeeded"}';
    const header = signWebhookPayload(SECRET, body);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, header, body)).toBe(true);
    expect(verifyWebhookSignature(SECRET, header, body.replace('succeeded', 'failed'))).toBe(false);
    expect(verifyWebhookSignature('another-secret-value', header, body)).toBe(false);
    const old = signWebhookPayload(SECRET, body, Math.floor(Date.now() / 1000) - 3600);
    expect(verifyWebhookSignature(SECRET, old, body)).toBe(false);
    expect(verifyWebhookSignature(SECRET, undefined, body)).toBe(false);
    expect(verifyWebhookSignature(SECRET, 'garbage', body)).toBe(false);
  });
});

describe('deliverWebhook against a local receiver', () => {
  let server: Server;
  let port: number;
  let received: Received[] = [];
  let answers: number[] = [];
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ service: 'notifier', destination: { write: (s: string) => lines.push(JSON.parse(s)) } });

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.statusCode = answers.shift() ?? 200;
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    received = [];
    answers = [];
    lines.length = 0;
    exporter.reset();
  });

  const config = () =>
    loadConfig(
      {},
      {
        DIFFSCOPE_WEBHOOK_SECRET: SECRET,
        DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE: 'true',
        DIFFSCOPE_WEBHOOK_MAX_ATTEMPTS: '4',
        DIFFSCOPE_PUBLIC_URL: 'https://api.example.com',
      },
    );
  const record = (): GenerationRecord => ({
    id: 'req_hook1',
    clientId: 'anonymous',
    status: 'succeeded',
    params: { model: 'shapes-v1', sampler: 'ddim', steps: 4, cfgScale: 6, seed: 1, width: 32, height: 32, n: 1 },
    promptHash: 'ab'.repeat(32),
    traceId: '0af7651916cd43dd8448eb211c80319c',
    webhook: { url: `http://127.0.0.1:${port}/hook?token=secret`, events: ['succeeded'] },
    createdAt: Date.now() - 1000,
    finishedAt: Date.now(),
    queueMs: 10,
    inferenceMs: 900,
    totalMs: 1000,
    attempts: 1,
    outputs: ['file:///tmp/x/req_hook1/0.png'],
    cancelRequested: false,
  });

  it('retries 5xx with backoff, signs each attempt, sends traceparent and one notify.webhook span per attempt', async () => {
    answers = [503, 500];
    const parentSpan = getTracer().startSpan('queue.publish');
    const parent = trace.setSpan(context.active(), parentSpan);
    const ok = await deliverWebhook(
      record(),
      { id: 'req_hook1', status: 'succeeded', finishedAt: Date.now() },
      parent,
      new AbortController().signal,
      {
        config: config(),
        logger,
        slots: slots(),
        backoffMs: 5,
        maxBackoffMs: 20,
      },
    );
    parentSpan.end();
    expect(ok).toBe(true);
    expect(received).toHaveLength(3);
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'notify.webhook');
    expect(spans).toHaveLength(3);
    for (const [i, r] of received.entries()) {
      expect(verifyWebhookSignature(SECRET, r.headers['x-diffscope-signature'] as string, r.body)).toBe(true);
      const tp = r.headers.traceparent as string;
      expect(tp).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const [, traceId, spanId] = tp.split('-');
      expect(traceId).toBe(parentSpan.spanContext().traceId);
      expect(spanId).toBe(spans[i].spanContext().spanId);
      expect(spans[i].parentSpanContext?.spanId).toBe(parentSpan.spanContext().spanId);
      expect(spans[i].kind).toBe(2 /* CLIENT */);
      expect(spans[i].attributes['diffscope.webhook.attempt']).toBe(i + 1);
      expect(spans[i].attributes['url.full']).toBe(`http://127.0.0.1:${port}/hook`);
    }
    const payload = JSON.parse(received[2].body);
    expect(payload).toMatchObject({
      id: 'req_hook1',
      status: 'succeeded',
      output_locations: ['file:///tmp/x/req_hook1/0.png'],
      images: ['https://api.example.com/v1/generations/req_hook1/images/0'],
      timings: { queue_ms: 10, inference_ms: 900, total_ms: 1000 },
      error: null,
    });
    expect(lines.filter((l) => l.event === 'notification_retry')).toHaveLength(2);
    expect(lines.filter((l) => l.event === 'notification_sent')).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain('token=secret');
  });

  it('gives up at once on a 4xx answer and after max attempts on 5xx', async () => {
    answers = [410];
    const opts = { config: config(), logger, slots: slots(), backoffMs: 1, maxBackoffMs: 2 };
    const event = { id: 'req_hook1', status: 'succeeded' as const, finishedAt: Date.now() };
    expect(await deliverWebhook(record(), event, context.active(), new AbortController().signal, opts)).toBe(false);
    expect(received).toHaveLength(1);
    received = [];
    answers = [500, 500, 500, 500, 500];
    expect(await deliverWebhook(record(), event, context.active(), new AbortController().signal, opts)).toBe(false);
    expect(received).toHaveLength(4);
    expect(lines.filter((l) => l.event === 'notification_failed')).toHaveLength(2);
  });

  it('refuses private targets when not allowed, at validation and at connection time', async () => {
    const strict = loadConfig({}, { DIFFSCOPE_WEBHOOK_SECRET: SECRET });
    const ok = await deliverWebhook(
      record(),
      { id: 'req_hook1', status: 'succeeded', finishedAt: Date.now() },
      context.active(),
      new AbortController().signal,
      {
        config: strict,
        logger,
        slots: slots(),
        backoffMs: 1,
        maxBackoffMs: 1,
      },
    );
    expect(ok).toBe(false);
    expect(lines.find((l) => l.event === 'notification_failed')).toMatchObject({ reason: 'url_refused' });
    // Connection-time guard (what protects against DNS rebinding after validation).
    await expect(
      sendWebhook({ url: new URL(`http://localhost:${port}/hook`), body: '{}', headers: {}, timeoutMs: 2000, allowPrivate: false }),
    ).rejects.toMatchObject({ code: 'DSC_ERR_NOTIFY_URL_REFUSED' });
    expect(received).toHaveLength(0);
  });
});
