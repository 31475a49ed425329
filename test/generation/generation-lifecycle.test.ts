/**
 * GenerationLifecycle.complete() with real parts (each store, the SQLite queue carrying the
 * completion messages, the JSON logger, prom-client counters): however many callers end a
 * generation at once, it gets one terminal status, one terminal event, one log line, one
 * count and one completion message; a stale redelivery changes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Registry, type OpenMetricsContentType } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CANCELED_BY_CLIENT,
  CompletionPublisher,
  GenerationLifecycle,
  isTerminal,
  type GenerationRecord,
  type GenerationStore,
} from '../../src/generation/index.js';
import { SqliteQueueBackend } from '../../src/queue/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { createWorkerMetrics } from '../../src/worker/worker-metrics.js';
import { record } from '../state/conformance.js';
import { skipUnavailable, storeTargets } from './store-targets.js';

const TERMINAL_LINES = ['request_complete', 'request_failed', 'request_canceled'];

for (const target of await storeTargets()) {
  describe.skipIf(skipUnavailable(target))(`GenerationLifecycle.complete(): ${target.name}`, () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dsc-lifecycle-'));
    const queue = new SqliteQueueBackend({ file: path.join(dir, 'queue.sqlite') });
    // OpenMetrics, as the services' registry: the worker's histograms carry exemplars.
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const metrics = createWorkerMetrics(registry);
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      service: 'inference-worker',
      level: 'info',
      destination: { write: (s: string) => void lines.push(JSON.parse(s)) },
    });
    let stores: GenerationStore[] = [];
    let n = 0;

    beforeAll(async () => {
      stores = [await target.open(), await target.open()];
    });
    afterAll(async () => {
      for (const store of stores) await store.close();
      await queue.close();
      await target.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    // A completions queue per generation, so each case counts only its own messages.
    let queueName = '';
    async function fresh(overrides: Partial<GenerationRecord>): Promise<GenerationRecord> {
      queueName = `completions-${target.name}-${++n}`;
      const r = record(overrides);
      await stores[0].create(r);
      await stores[0].appendEvent(r.id, 'queued', { status: 'queued' });
      return r;
    }
    /** One lifecycle per replica, as two processes would have, logging with the generation's id. */
    const replicas = (id: string) => {
      const log = logger.child({ generation: id });
      const completionsQueue = queueName;
      return stores.map(
        (store) =>
          new GenerationLifecycle({
            store,
            logger: log,
            metrics,
            completions: new CompletionPublisher({ open: () => queue.producer(completionsQueue), logger: log }),
          }),
      );
    };
    const terminalEvents = async (id: string) => (await stores[1].events(id)).filter((e) => isTerminal(e.type));
    const terminalLines = (id: string) => lines.filter((l) => TERMINAL_LINES.includes(String(l.event)) && l.generation === id);
    const counted = async () =>
      (await registry.getSingleMetric('diffscope_generations')!.get()).values.reduce((sum, v) => sum + v.value, 0);

    it('two workers finishing the same generation: one terminal status, event, log line, count and completion', async () => {
      const r = await fresh({ status: 'running', startedAt: Date.now() });
      const before = await counted();
      const [first, second] = replicas(r.id);
      const results = await Promise.all([
        first.complete({ record: r, status: 'succeeded', outputs: ['file:///a/0.png'], startedAt: r.startedAt }),
        second.complete({ record: r, status: 'succeeded', outputs: ['file:///b/0.png'], startedAt: r.startedAt }),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const final = await stores[0].get(r.id);
      expect(final?.status).toBe('succeeded');
      expect(final?.outputs).toEqual([results[0] ? 'file:///a/0.png' : 'file:///b/0.png']);
      const events = await terminalEvents(r.id);
      expect(events.map((e) => e.type)).toEqual(['succeeded']);
      expect(events[0].data).toMatchObject({ status: 'succeeded', output_locations: final?.outputs });
      expect(terminalLines(r.id).map((l) => l.event)).toEqual(['request_complete']);
      expect(await counted()).toBe(before + 1);
      expect(await queue.depth(queueName)).toBe(1);
      // Published, so no longer owed (the outbox has nothing to publish again).
      expect(
        (await stores[1].listPendingCompletions({ finishedBefore: Number.MAX_SAFE_INTEGER, limit: 1000 })).map((p) => p.id),
      ).not.toContain(r.id);
    });

    it('a completion the queue does not take stays owed, with the terminal event in place; the outbox publishes it once the queue is back', async () => {
      const r = await fresh({ status: 'running', startedAt: Date.now() });
      const log = logger.child({ generation: r.id });
      let queueDown = true;
      const completionsQueue = queueName;
      const publisher = new CompletionPublisher({
        // A producer that cannot be opened while the queue is down: a real queue refusal, from the producer seam.
        open: () => (queueDown ? Promise.reject(new Error('queue unavailable')) : queue.producer(completionsQueue)),
        logger: log,
      });
      const lifecycle = new GenerationLifecycle({ store: stores[0], logger: log, metrics, completions: publisher });
      expect(await lifecycle.complete({ record: r, status: 'succeeded', outputs: ['file:///o/0.png'], startedAt: r.startedAt })).toBe(true);
      expect((await terminalEvents(r.id)).map((e) => e.type)).toEqual(['succeeded']);
      expect(lines.some((l) => l.event === 'completion_publish_failed' && l.generation === r.id)).toBe(true);
      const owed = async () =>
        (await stores[1].listPendingCompletions({ finishedBefore: Number.MAX_SAFE_INTEGER, limit: 1000 })).map((p) => p.id);
      expect(await owed()).toContain(r.id);
      expect(await queue.depth(queueName)).toBe(0);

      queueDown = false;
      expect(await lifecycle.outbox.redeliverOwed({ finishedBefore: Number.MAX_SAFE_INTEGER, limit: 1000 })).toBe(1);
      expect(await owed()).not.toContain(r.id);
      expect(await queue.depth(queueName)).toBe(1);
    });

    it('a cancel racing the completion: exactly one terminal state and one terminal event, and they agree', async () => {
      for (let round = 0; round < 4; round++) {
        const r = await fresh({ status: 'running', startedAt: Date.now() });
        const [worker, canceler] = replicas(r.id);
        const [succeeded, canceled] = await Promise.all([
          worker.complete({ record: r, status: 'succeeded', outputs: ['file:///o/0.png'], startedAt: r.startedAt }),
          canceler.complete({ record: r, status: 'canceled', error: CANCELED_BY_CLIENT, startedAt: r.startedAt }),
        ]);
        expect([succeeded, canceled].filter(Boolean)).toHaveLength(1);
        const status = succeeded ? 'succeeded' : 'canceled';
        const final = await stores[1].get(r.id);
        expect(final?.status).toBe(status);
        expect(final?.error).toEqual(succeeded ? undefined : CANCELED_BY_CLIENT);
        expect((await terminalEvents(r.id)).map((e) => e.type)).toEqual([status]);
        expect(terminalLines(r.id).map((l) => l.status)).toEqual([status]);
        expect(await queue.depth(queueName)).toBe(1);
      }
    });

    it('a client cancel of a queued generation racing a worker start: the cancel or the start, never both', async () => {
      for (let round = 0; round < 4; round++) {
        const r = await fresh({});
        const [api, worker] = replicas(r.id);
        const [canceled, running] = await Promise.all([
          api.complete({ record: r, status: 'canceled', error: CANCELED_BY_CLIENT, from: ['queued'] }),
          worker.start(r, { startedAt: Date.now(), attempts: 1 }),
        ]);
        expect(canceled !== (running !== null)).toBe(true);
        expect((await stores[0].get(r.id))?.status).toBe(canceled ? 'canceled' : 'running');
        expect((await terminalEvents(r.id)).length).toBe(canceled ? 1 : 0);
        expect(await queue.depth(queueName)).toBe(canceled ? 1 : 0);
      }
    });

    it('a stale redelivery after completion cannot restart, requeue or overwrite it', async () => {
      const stale = await fresh({ status: 'running', startedAt: Date.now() });
      const [worker, redelivered] = replicas(stale.id);
      expect(await worker.complete({ record: stale, status: 'succeeded', outputs: ['file:///o/0.png'], startedAt: stale.startedAt })).toBe(
        true,
      );
      const done = await stores[0].get(stale.id);
      const events = await stores[0].events(stale.id);
      const lineCount = lines.length;
      // The redelivery read the record before the completion: it still believes it is running.
      expect(await redelivered.start(stale, { startedAt: Date.now(), attempts: 2 })).toBeNull();
      expect(await redelivered.requeue(stale.id, stale.startedAt!)).toBe(false);
      expect(
        await redelivered.complete({
          record: stale,
          status: 'failed',
          error: { code: 'DSC_ERR_INFER_FAILED', message: 'late' },
          startedAt: stale.startedAt,
        }),
      ).toBe(false);
      expect(await redelivered.complete({ record: stale, status: 'canceled', error: CANCELED_BY_CLIENT })).toBe(false);
      expect(await stores[1].get(stale.id)).toEqual(done);
      expect(await stores[1].events(stale.id)).toEqual(events);
      expect(lines.length).toBe(lineCount);
      expect(await queue.depth(queueName)).toBe(1);
    });

    it('two redeliveries of a lost run: exactly one takes it over', async () => {
      const lost = await fresh({ status: 'running', startedAt: Date.now() - 60_000, attempts: 1 });
      const results = await Promise.all(replicas(lost.id).map((w, i) => w.start(lost, { startedAt: Date.now() + i, attempts: 2 })));
      expect(results.filter((x) => x !== null)).toHaveLength(1);
      const winner = results.find((x) => x !== null)!;
      expect(await stores[0].get(lost.id)).toEqual(winner);
      expect(winner).toMatchObject({ status: 'running', attempts: 2 });
      expect(winner.startedAt).not.toBe(lost.startedAt);
    });
  });
}
