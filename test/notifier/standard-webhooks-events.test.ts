/**
 * `webhook.events` (Cog's webhook_events_filter): on the serving path (api-server, worker and
 * notifier in this process, real queue, store and pipeline) a webhook gets queued/started/progress
 * notifications only when it asked for them, and its outcome when it asked for `completed` (the
 * default) or that outcome by name; every delivery verifies with the standardwebhooks package.
 * The progress throttle is checked on GenerationLifecycle with the clock set by the test.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CompletionPublisher,
  GenerationLifecycle,
  PROGRESS_WEBHOOK_INTERVAL_MS,
  type InterimWebhookEvent,
} from '../../src/generation/index.js';
import { SqliteQueueBackend } from '../../src/queue/index.js';
import { SqliteGenerationStore } from '../../src/state/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { record } from '../state/conformance.js';
import { eventually, startStack, type Stack } from '../support/serving-stack.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

interface Delivery {
  generation: string;
  event: string;
  status: string;
  progress?: { step: number; total_steps: number };
  webhookId: string;
}

describe('webhook.events on the serving path', () => {
  let stack: Stack;
  let receiver: Server;
  let url: string;
  const deliveries: Delivery[] = [];
  const verifier = new Webhook(SECRET);

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        // Throws (and the test fails on a 500 it never sees answered) unless the signature holds.
        const payload = verifier.verify(body, headers) as { id: string; event: string; status: string; progress?: Delivery['progress'] };
        deliveries.push({
          generation: payload.id,
          event: payload.event,
          status: payload.status,
          progress: payload.progress,
          webhookId: headers['webhook-id'],
        });
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    stack = await startStack({
      worker: true,
      notifier: true,
      logLevel: 'debug',
      env: { DIFFSCOPE_WEBHOOK_SECRET: SECRET, DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE: 'true' },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  async function submit(events?: string[]): Promise<{ id: string; stored: string[] }> {
    const webhook = events ? { url, events } : { url };
    const res = await stack.app.inject({
      method: 'POST',
      url: '/v1/generations',
      headers: { 'content-type': 'application/json' },
      payload: { prompt: 'a small red square', steps: 6, webhook },
    });
    expect(res.statusCode).toBe(202);
    const id = res.json<{ id: string }>().id;
    const view = (await stack.app.inject({ url: `/v1/generations/${id}` })).json<{ webhook: { events: string[] } }>();
    return { id, stored: view.webhook.events };
  }

  const of = (id: string) => deliveries.filter((d) => d.generation === id);
  const completed = (id: string) => eventually(() => of(id).find((d) => d.event === 'completed'));

  it('started and progress only when asked; completed (all outcomes) by default; queued on request', async () => {
    const all = await submit(['started', 'progress', 'completed']);
    const plain = await submit();
    const queued = await submit(['queued', 'succeeded']);
    // `completed` is stored as the three outcomes, which every notifier version understands.
    expect(plain.stored).toEqual(['succeeded', 'failed', 'canceled']);
    expect(all.stored).toEqual(['started', 'progress', 'succeeded', 'failed', 'canceled']);
    expect(queued.stored).toEqual(['queued', 'succeeded']);

    for (const g of [all, plain, queued]) expect((await completed(g.id)).status).toBe('succeeded');
    // The interim notifications of `all` were published before its outcome: wait for them too.
    await eventually(() => of(all.id).some((d) => d.event === 'started') && of(all.id).some((d) => d.event === 'progress'));
    await eventually(() => of(queued.id).some((d) => d.event === 'queued'));

    expect(of(plain.id).map((d) => d.event)).toEqual(['completed']);
    expect(
      of(queued.id)
        .map((d) => d.event)
        .sort(),
    ).toEqual(['completed', 'queued']);
    const events = of(all.id).map((d) => d.event);
    expect(events.filter((e) => e === 'started')).toHaveLength(1);
    expect(events).not.toContain('queued');
    const progress = of(all.id).filter((d) => d.event === 'progress');
    // The first step goes at once; the rest at most one per second (a 6-step run on the fixture model
    // takes far less, but the count is not asserted: only that each is a real step of this run).
    expect(progress.length).toBeGreaterThanOrEqual(1);
    for (const p of progress) {
      expect(p.status).toBe('running');
      expect(p.progress!.total_steps).toBe(6);
      expect(p.progress!.step).toBeGreaterThanOrEqual(1);
      expect(p.progress!.step).toBeLessThanOrEqual(6);
      expect(p.webhookId).toBe(`${all.id}:progress:1:${p.progress!.step}`);
    }
    expect(of(all.id).find((d) => d.event === 'started')!.webhookId).toBe(`${all.id}:started:1`);
    expect(of(all.id).find((d) => d.event === 'completed')!.webhookId).toBe(`${all.id}:succeeded`);
  });

  it('an outcome the webhook did not list is not sent (logged as skipped)', async () => {
    const onlyFailures = await submit(['failed']);
    await eventually(() => stack.lines.find((l) => l.event === 'notification_skipped' && l.request_id === onlyFailures.id));
    expect(stack.lines.find((l) => l.event === 'notification_skipped' && l.request_id === onlyFailures.id)).toMatchObject({
      reason: 'outcome not subscribed',
      status: 'succeeded',
      webhook_event: 'completed',
    });
    expect(of(onlyFailures.id)).toEqual([]);
  });

  it('refuses an unknown moment with a 400 naming the allowed ones', async () => {
    const res = await stack.app.inject({
      method: 'POST',
      url: '/v1/generations',
      headers: { 'content-type': 'application/json' },
      payload: { prompt: 'x', webhook: { url, events: ['output'] } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'DSC_ERR_API_VALIDATION', field: 'webhook.events.0' });
    expect(res.json().error.message).toContain('queued, started, progress, completed, succeeded, failed, canceled');
  });
});

describe('GenerationLifecycle.progressAnnouncer', () => {
  let dir: string;
  let queue: SqliteQueueBackend;
  let store: SqliteGenerationStore;
  const logger = createLogger({ service: 'inference-worker', destination: { write: () => undefined } });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dsc-progress-'));
    queue = new SqliteQueueBackend({ file: join(dir, 'queue.sqlite'), minPollMs: 2, maxPollMs: 10 });
    store = new SqliteGenerationStore({ file: join(dir, 'state.sqlite') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    await queue.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every interim event published on `name`, read back through a consumer. */
  async function published(name: string, expected: number): Promise<InterimWebhookEvent[]> {
    const seen: InterimWebhookEvent[] = [];
    const consumer = await queue.consume<InterimWebhookEvent>(name, async (m) => void seen.push(m.payload), {
      concurrency: 1,
      maxAttempts: 1,
      backoffMs: 10,
      maxBackoffMs: 10,
    });
    await eventually(() => seen.length >= expected);
    await consumer.close({ drain: true });
    return seen.sort((a, b) => (a.step ?? 0) - (b.step ?? 0));
  }

  it('the first step at once, then at most one per interval; nothing when progress was not asked for', async () => {
    const name = 'progress-throttle-completions';
    const lifecycle = new GenerationLifecycle({
      store,
      logger,
      completions: new CompletionPublisher({ open: () => queue.producer(name), logger }),
    });
    const asked = record({ webhook: { url: 'https://example.com/h', events: ['progress', 'succeeded'] } });
    const notAsked = record({ webhook: { url: 'https://example.com/h', events: ['started', 'succeeded'] } });
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.now();
    const announce = lifecycle.progressAnnouncer(asked, 1);
    const silent = lifecycle.progressAnnouncer(notAsked, 1);
    for (let step = 1; step <= 10; step++) {
      announce(step, 40);
      silent(step, 40);
    }
    vi.setSystemTime(t0 + PROGRESS_WEBHOOK_INTERVAL_MS - 1);
    announce(11, 40);
    vi.setSystemTime(t0 + PROGRESS_WEBHOOK_INTERVAL_MS);
    announce(12, 40);
    announce(13, 40);
    vi.setSystemTime(t0 + 3 * PROGRESS_WEBHOOK_INTERVAL_MS);
    announce(40, 40);
    vi.useRealTimers();
    const events = await published(name, 3);
    expect(events.map((e) => [e.id, e.event, e.step, e.totalSteps, e.attempt])).toEqual([
      [asked.id, 'progress', 1, 40, 1],
      [asked.id, 'progress', 12, 40, 1],
      [asked.id, 'progress', 40, 40, 1],
    ]);
    expect(await queue.depth(name)).toBe(0);
  });
});
