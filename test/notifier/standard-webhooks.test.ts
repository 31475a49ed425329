/**
 * Standard Webhooks signatures, checked by the reference verifier (the `standardwebhooks`
 * package, not our own code): headers made by standardWebhookHeaders, and the headers of real
 * deliveries to a local receiver (retried: the same webhook-id every attempt), beside the older
 * x-diffscope-signature made with the same timestamp.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { GenerationRecord } from '../../src/generation/index.js';
import {
  DeliverySlots,
  deliverWebhook,
  standardWebhookHeaders,
  standardWebhookSecret,
  verifyWebhookSignature,
} from '../../src/notifier/index.js';
import { context, createLogger } from '../../src/telemetry/index.js';

const WHSEC = `whsec_${randomBytes(32).toString('base64')}`;
const PLAIN = 'a-plain-deployment-secret-0123456789';

/** The receiver's side: what standardwebhooks.verify() wants (header names as Node gives them). */
function asHeaders(headers: IncomingHttpHeaders | Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
}

describe('standardWebhookHeaders', () => {
  const body = JSON.stringify({ id: 'req_1', status: 'succeeded', images: [] });
  const now = () => Math.floor(Date.now() / 1000);

  it('a whsec_ secret: the standardwebhooks library verifies and returns the payload', () => {
    const headers = standardWebhookHeaders(WHSEC, 'req_1:succeeded', body, now());
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(WHSEC).verify(body, headers)).toEqual(JSON.parse(body));
    expect(standardWebhookSecret(WHSEC)).toBe(WHSEC);
  });

  it('any other secret: verified as whsec_ + base64(secret), and as the raw secret', () => {
    const headers = standardWebhookHeaders(PLAIN, 'req_1:succeeded', body, now());
    expect(standardWebhookSecret(PLAIN)).toBe(`whsec_${Buffer.from(PLAIN).toString('base64')}`);
    expect(new Webhook(standardWebhookSecret(PLAIN)).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(PLAIN, { format: 'raw' }).verify(body, headers)).toEqual(JSON.parse(body));
    // A whsec_ secret that is not base64 (made for another service) is used whole, like any other.
    const foreign = 'whsec_not_base64!';
    const foreignHeaders = standardWebhookHeaders(foreign, 'm', body, now());
    expect(new Webhook(foreign, { format: 'raw' }).verify(body, foreignHeaders)).toEqual(JSON.parse(body));
  });

  it('refused by the library: another body, id, secret, or a timestamp out of tolerance', () => {
    const ts = now();
    const headers = standardWebhookHeaders(WHSEC, 'req_1:succeeded', body, ts);
    const verifier = new Webhook(WHSEC);
    expect(() => verifier.verify(body.replace('succeeded', 'failed'), headers)).toThrow(WebhookVerificationError);
    expect(() => verifier.verify(body, { ...headers, 'webhook-id': 'req_1:failed' })).toThrow(WebhookVerificationError);
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(body, headers)).toThrow(WebhookVerificationError);
    const old = standardWebhookHeaders(WHSEC, 'req_1:succeeded', body, ts - 3600);
    expect(() => verifier.verify(body, old)).toThrow(/too old/);
  });

  it('without a secret: id and timestamp only, no signature', () => {
    const headers = standardWebhookHeaders(undefined, 'req_1:succeeded', body, 1_700_000_000);
    expect(headers).toEqual({ 'webhook-id': 'req_1:succeeded', 'webhook-timestamp': '1700000000' });
  });
});

describe('deliveries carry Standard Webhooks headers the library verifies', () => {
  let server: Server;
  let port: number;
  let received: { headers: IncomingHttpHeaders; body: string }[] = [];
  let answers: number[] = [];
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ service: 'notifier', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.statusCode = answers.shift() ?? 200;
        res.end();
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
  });

  const options = (secret?: string) => ({
    config: loadConfig(
      {},
      {
        ...(secret ? { DIFFSCOPE_WEBHOOK_SECRET: secret } : {}),
        DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE: 'true',
        DIFFSCOPE_WEBHOOK_MAX_ATTEMPTS: '3',
      },
    ),
    logger,
    slots: new DeliverySlots({ total: 4, perClient: 4, perHost: 4 }),
    backoffMs: 5,
    maxBackoffMs: 10,
  });
  const record = (status: GenerationRecord['status'] = 'succeeded'): GenerationRecord => ({
    id: 'req_std1',
    clientId: 'anonymous',
    status,
    params: { model: 'tiny-pixel', sampler: 'ddim', steps: 4, cfgScale: 6, seed: 1, width: 16, height: 16, n: 1 },
    promptHash: 'ab'.repeat(32),
    traceId: '0af7651916cd43dd8448eb211c80319c',
    webhook: { url: `http://127.0.0.1:${port}/hook`, events: ['progress', 'succeeded', 'failed', 'canceled'] },
    createdAt: Date.now() - 1000,
    finishedAt: status === 'succeeded' ? Date.now() : undefined,
    attempts: 1,
    outputs: [],
    cancelRequested: false,
  });

  it('an outcome, retried: every attempt verifies, with one webhook-id; x-diffscope-signature uses the same timestamp', async () => {
    answers = [503];
    const ok = await deliverWebhook(
      record(),
      { id: 'req_std1', status: 'succeeded', finishedAt: Date.now() },
      context.active(),
      new AbortController().signal,
      options(WHSEC),
    );
    expect(ok).toBe(true);
    expect(received).toHaveLength(2);
    const verifier = new Webhook(WHSEC);
    for (const r of received) {
      const headers = asHeaders(r.headers);
      expect(verifier.verify(r.body, headers)).toMatchObject({ event: 'completed', id: 'req_std1', status: 'succeeded' });
      expect(headers['webhook-id']).toBe('req_std1:succeeded');
      expect(headers['x-diffscope-event-id']).toBe(headers['webhook-id']);
      expect(headers['x-diffscope-signature']).toMatch(new RegExp(`^t=${headers['webhook-timestamp']},v1=`));
      expect(verifyWebhookSignature(WHSEC, headers['x-diffscope-signature'], r.body)).toBe(true);
    }
  });

  it('a progress notification: verifies, carries its step, gets one attempt only', async () => {
    answers = [503];
    const event = { id: 'req_std1', event: 'progress' as const, at: Date.now(), attempt: 1, step: 3, totalSteps: 4 };
    expect(await deliverWebhook(record('running'), event, context.active(), new AbortController().signal, options(PLAIN))).toBe(false);
    expect(received).toHaveLength(1);
    const headers = asHeaders(received[0].headers);
    expect(headers['webhook-id']).toBe('req_std1:progress:1:3');
    expect(new Webhook(standardWebhookSecret(PLAIN)).verify(received[0].body, headers)).toMatchObject({
      event: 'progress',
      status: 'running',
      progress: { step: 3, total_steps: 4 },
    });
    expect(lines.filter((l) => l.event === 'notification_retry')).toEqual([]);
    expect(lines.find((l) => l.event === 'notification_failed')).toMatchObject({ webhook_event: 'progress', max_attempts: 1, final: true });
  });

  it('no secret: webhook-id and webhook-timestamp, no signature of either kind', async () => {
    expect(
      await deliverWebhook(
        record(),
        { id: 'req_std1', status: 'succeeded', finishedAt: Date.now() },
        context.active(),
        new AbortController().signal,
        options(),
      ),
    ).toBe(true);
    const headers = asHeaders(received[0].headers);
    expect(headers['webhook-id']).toBe('req_std1:succeeded');
    expect(Number(headers['webhook-timestamp'])).toBeGreaterThan(1_700_000_000);
    expect(headers['webhook-signature']).toBeUndefined();
    expect(headers['x-diffscope-signature']).toBeUndefined();
  });
});
