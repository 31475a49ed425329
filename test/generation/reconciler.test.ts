/**
 * Stuck generations (issue 9, item 12), with real processes and servers:
 * - a process that stored a queued record and died (SIGKILL) before publishing its job: the
 *   notifier's reconciler fails it after the grace period with DSC_ERR_GENERATION_LOST, and the
 *   webhook goes out; a generation whose job is in the queue is left alone (SQLite end to end;
 *   BullMQ + PostgreSQL and RabbitMQ + Redis through the Reconciler itself);
 * - the state store locked by another process while a job is dead-lettered: the dead-letter
 *   path retries its write until the lock goes; when its retries run out first, the reconciler
 *   fails the generation.
 * Waits are bounded polls, never timing assertions.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompletionPublisher, GenerationLifecycle, Reconciler, type GenerationRecord } from '../../src/generation/index.js';
import { startNotifier } from '../../src/notifier/index.js';
import { RabbitQueueBackend } from '../../src/queue/rabbitmq-queue.js';
import { RedisQueueBackend } from '../../src/queue/redis-queue.js';
import type { QueueBackend } from '../../src/queue/index.js';
import { SqliteGenerationStore } from '../../src/state/index.js';
import { PostgresGenerationStore } from '../../src/state/postgres-generation-store.js';
import { RedisGenerationStore } from '../../src/state/redis-generation-store.js';
import { createLogger } from '../../src/telemetry/index.js';
import { startWorker } from '../../src/worker/index.js';
import { webhookReceiver } from '../e2e/trace-assertions.js';
import { AMQP_URL, probeTcp, REDIS_URL } from '../queue/servers.js';
import { eventually, startStack } from '../support/serving-stack.js';
import { installTestTracing } from '../support/tracing.js';
import { TEST_POSTGRES_URL } from './store-targets.js';

installTestTracing();

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs a fixture as its own process; resolves with its stdout once it printed `until` (or exited). */
function runFixture(script: string, args: string[], until: string): Promise<{ exit: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, script), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ? -1 : code)));
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes(until)) resolve({ exit });
    });
    child.once('exit', (code) => (out.includes(until) ? resolve({ exit }) : reject(new Error(`${script} exited ${code}: ${err}`))));
  });
}

function queuedRecord(id: string, webhookUrl: string, createdAt = Date.now()): GenerationRecord {
  return {
    id,
    clientId: 'alice',
    status: 'queued',
    params: { model: 'tiny-pixel', sampler: 'ddim', steps: 2, cfgScale: 6, seed: 1, width: 32, height: 32, n: 1 },
    promptHash: 'cd'.repeat(32),
    traceId: randomUUID().replace(/-/g, ''),
    webhook: { url: webhookUrl, events: ['succeeded', 'failed', 'canceled'] },
    createdAt,
    attempts: 0,
    outputs: [],
    cancelRequested: false,
  };
}

const lines: Record<string, unknown>[] = [];
const logger = createLogger({ service: 'notifier', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });
let hooks: Awaited<ReturnType<typeof webhookReceiver>>;
beforeAll(async () => {
  hooks = await webhookReceiver();
});
afterAll(async () => {
  await hooks.close();
});

describe('a process dies between store.create and publish (SQLite, the real notifier)', () => {
  it('the reconciler fails the lost generation after the grace period and its webhook is sent; a queued job is left alone', async () => {
    const stack = await startStack({
      env: { DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE: 'true', DIFFSCOPE_RECONCILE_INTERVAL_MS: '100', DIFFSCOPE_RECONCILE_GRACE_MS: '1000' },
    });
    try {
      const notifier = await startNotifier({
        config: stack.config,
        logger,
        queue: stack.queue,
        store: stack.store,
        backoffMs: 10,
        maxBackoffMs: 50,
      });
      const lost = queuedRecord(`req_lost_${randomUUID().slice(0, 8)}`, hooks.url);
      const died = await runFixture(
        'create-then-die.ts',
        [JSON.stringify({ store: 'sqlite', file: join(stack.dir, 'state.sqlite'), record: lost })],
        'created',
      );
      expect(await died.exit).toBe(-1); // killed before it could publish
      // Submitted normally (record + job), no worker running: its job is live, so it stays queued.
      const waiting = (
        await stack.app.inject({
          method: 'POST',
          url: '/v1/generations',
          headers: { 'content-type': 'application/json' },
          payload: { prompt: 'a red circle', steps: 2, webhook: { url: hooks.url } },
        })
      ).json<{ id: string }>();

      const failed = await eventually(async () => {
        const r = await stack.store.get(lost.id);
        return r?.status === 'failed' ? r : undefined;
      });
      expect(failed.error).toMatchObject({ code: 'DSC_ERR_GENERATION_LOST' });
      const hook = await eventually(() => hooks.received.find((h) => h.body.id === lost.id));
      expect(hook.body).toMatchObject({ status: 'failed', error: { code: 'DSC_ERR_GENERATION_LOST' }, trace_id: lost.traceId });
      expect(hook.headers.traceparent).toContain(lost.traceId);
      expect((await stack.store.events(lost.id)).map((e) => e.type)).toEqual(['failed']);
      expect(lines.find((l) => l.event === 'generation_lost' && l.request_id === lost.id)).toMatchObject({
        status: 'queued',
        trace_id: lost.traceId,
      });
      expect(lines.find((l) => l.event === 'request_failed' && l.request_id === lost.id)).toMatchObject({
        'error.type': 'DSC_ERR_GENERATION_LOST',
      });

      // Several grace periods later the generation with a live job is still queued.
      await eventually(
        async () => lines.filter((l) => l.event === 'generation_lost').length >= 1 && Date.now() - failed.finishedAt! > 2_500,
      );
      expect((await stack.store.get(waiting.id))?.status).toBe('queued');
      await notifier.close({ graceMs: 0 });
    } finally {
      await stack.close();
    }
  }, 60_000);
});

describe('the Reconciler on the network backends', () => {
  it('BullMQ + PostgreSQL: a lost record is failed once seen without a job for the grace period; one with a job is not', async (ctx) => {
    if ((await probeTcp(REDIS_URL, 6379)) || (await probeTcp(TEST_POSTGRES_URL, 5432))) return ctx.skip();
    const run = randomUUID().slice(0, 8);
    const queueName = `dsc-reconcile-${run}`;
    const queue = await RedisQueueBackend.connect({ url: REDIS_URL, prefix: `dsc-reconcile-${run}` });
    const store = await PostgresGenerationStore.connect({ connectionString: TEST_POSTGRES_URL, tablePrefix: `dsc_reconcile_${run}_` });
    try {
      const t0 = Date.now() - 10_000;
      const lost = queuedRecord(`req_lost_${run}`, hooks.url, t0);
      const died = await runFixture(
        'create-then-die.ts',
        [JSON.stringify({ store: 'postgres', url: TEST_POSTGRES_URL, prefix: `dsc_reconcile_${run}_`, record: lost })],
        'created',
      );
      expect(await died.exit).toBe(-1);
      const live = queuedRecord(`req_live_${run}`, hooks.url, t0);
      await store.create(live);
      await (await queue.producer(queueName)).publish(live.id, { id: live.id }, {});
      expect(await queue.has(queueName, live.id)).toBe(true);
      expect(await queue.has(queueName, lost.id)).toBe(false);

      const lifecycle = new GenerationLifecycle({
        store,
        logger,
        completions: new CompletionPublisher({ open: () => queue.producer(`${queueName}-completions`), logger }),
      });
      const reconciler = new Reconciler({ store, queue, queueName, lifecycle, logger, graceMs: 1_000, unknownMaxAgeMs: 3_600_000 });
      const now = Date.now();
      expect(await reconciler.runOnce(now)).toMatchObject({ checked: 2, suspected: 1, failed: 0 }); // seen once: only suspected
      expect(await reconciler.runOnce(now + 1_000)).toMatchObject({ checked: 2, failed: 1 });
      expect(await store.get(lost.id)).toMatchObject({ status: 'failed', error: { code: 'DSC_ERR_GENERATION_LOST' } });
      expect((await store.get(live.id))?.status).toBe('queued');
      // A second reconciler racing on the same record changes nothing: the first finish won.
      const other = new Reconciler({ store, queue, queueName, lifecycle, logger, graceMs: 1_000, unknownMaxAgeMs: 3_600_000 });
      await other.runOnce(now + 2_000);
      expect(await other.runOnce(now + 3_000)).toMatchObject({ failed: 0 });
      expect((await store.events(lost.id)).filter((e) => e.type === 'failed')).toHaveLength(1);
      const [completion] = await Promise.all([queue.depth(`${queueName}-completions`)]);
      expect(completion).toBe(1); // one completion message: one webhook
    } finally {
      await queue.deleteQueue(queueName).catch(() => undefined);
      await queue.deleteQueue(`${queueName}-completions`).catch(() => undefined);
      await queue.close();
      await store.dropTables();
      await store.close();
    }
  }, 60_000);

  it('RabbitMQ cannot tell (has() is null) + Redis store: failed only once unknownMaxAgeMs passed since its last move', async (ctx) => {
    if ((await probeTcp(AMQP_URL, 5672)) || (await probeTcp(REDIS_URL, 6379))) return ctx.skip();
    const run = randomUUID().slice(0, 8);
    const queueName = `dsc-reconcile-${run}`;
    // As the reconciler sees it: has(queue, id), which RabbitMQ answers with null (cannot tell).
    const queue: QueueBackend = await RabbitQueueBackend.connect({ url: AMQP_URL });
    const store = await RedisGenerationStore.connect({ url: REDIS_URL, keyPrefix: `dsc-reconcile-${run}:` });
    try {
      const t0 = Date.now() - 5_000;
      const lost = queuedRecord(`req_lost_${run}`, hooks.url, t0);
      const died = await runFixture(
        'create-then-die.ts',
        [JSON.stringify({ store: 'redis', url: REDIS_URL, prefix: `dsc-reconcile-${run}:`, record: lost })],
        'created',
      );
      expect(await died.exit).toBe(-1);
      expect(await queue.has(queueName, lost.id)).toBeNull();
      const lifecycle = new GenerationLifecycle({
        store,
        logger,
        completions: new CompletionPublisher({ open: () => queue.producer(`${queueName}-completions`), logger }),
      });
      const reconciler = new Reconciler({ store, queue, queueName, lifecycle, logger, graceMs: 1_000, unknownMaxAgeMs: 60_000 });
      expect(await reconciler.runOnce(t0 + 30_000)).toMatchObject({ checked: 1, failed: 0 });
      expect((await store.get(lost.id))?.status).toBe('queued');
      expect(await reconciler.runOnce(t0 + 60_000)).toMatchObject({ checked: 1, failed: 1 });
      expect(await store.get(lost.id)).toMatchObject({ status: 'failed', error: { code: 'DSC_ERR_GENERATION_LOST' } });
    } finally {
      await queue.deleteQueue(queueName).catch(() => undefined);
      await queue.deleteQueue(`${queueName}-completions`).catch(() => undefined);
      await queue.close();
      await store.deleteAll();
      await store.close();
    }
  }, 60_000);
});

describe('the state store is locked by another process while a job is dead-lettered', () => {
  /** A worker whose only attempt fails (the store is locked, so it cannot even start the run) and is dead-lettered. */
  async function deadLetterUnderLock(lockMs: number, deadLetterRetry: { attempts: number; firstDelayMs: number; maxDelayMs: number }) {
    const stack = await startStack({
      env: {
        DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE: 'true',
        DIFFSCOPE_QUEUE_MAX_ATTEMPTS: '1',
        DIFFSCOPE_RECONCILE_INTERVAL_MS: '100',
        DIFFSCOPE_RECONCILE_GRACE_MS: '1000',
      },
    });
    const { id } = (
      await stack.app.inject({
        method: 'POST',
        url: '/v1/generations',
        headers: { 'content-type': 'application/json' },
        payload: { prompt: 'a red circle', steps: 2, webhook: { url: hooks.url } },
      })
    ).json<{ id: string }>();
    const stateFile = join(stack.dir, 'state.sqlite');
    const lock = await runFixture('hold-sqlite-lock.ts', [stateFile, String(lockMs)], 'locked');
    const workerStore = new SqliteGenerationStore({ file: stateFile, lockWaitMs: 100 });
    const workerLines: Record<string, unknown>[] = [];
    const worker = await startWorker({
      config: stack.config,
      logger: createLogger({ service: 'inference-worker', destination: { write: (s: string) => void workerLines.push(JSON.parse(s)) } }),
      queue: stack.queue,
      store: workerStore,
      objectStore: stack.objectStore,
      pipeline: stack.pipeline,
      deadLetterRetry,
    });
    return {
      stack,
      id,
      lock,
      workerLines,
      async close() {
        await worker.close({ graceMs: 0 });
        await workerStore.close();
        await lock.exit;
        await stack.close();
      },
    };
  }

  it('the dead-letter path retries its write until the lock is gone: failed, with its event and webhook', async () => {
    const run = await deadLetterUnderLock(1_500, { attempts: 20, firstDelayMs: 50, maxDelayMs: 400 });
    try {
      const record = await eventually(async () => {
        const r = await run.stack.store.get(run.id);
        return r?.status === 'failed' ? r : undefined;
      });
      expect(record.error?.code).toBe('DSC_ERR_INFER_FAILED'); // the dead letter's own error, not the reconciler's
      expect((await run.stack.queue.deadLetters(run.stack.config.DIFFSCOPE_QUEUE_NAME)).map((d) => d.id)).toEqual([run.id]);
      expect(run.workerLines.filter((l) => l.event === 'dead_letter_write_retry').length).toBeGreaterThan(0);
      expect(run.workerLines.some((l) => l.event === 'dead_letter_write_failed')).toBe(false);
      expect((await run.stack.store.events(run.id)).map((e) => e.type)).toContain('failed');
      const notifier = await startNotifier({
        config: run.stack.config,
        logger,
        queue: run.stack.queue,
        store: run.stack.store,
        backoffMs: 10,
        maxBackoffMs: 50,
      });
      await eventually(() => hooks.received.find((h) => h.body.id === run.id && h.body.status === 'failed'));
      await notifier.close({ graceMs: 0 });
    } finally {
      await run.close();
    }
  }, 60_000);

  it('when its retries run out first, the reconciler fails the generation after the grace period', async () => {
    const run = await deadLetterUnderLock(2_000, { attempts: 2, firstDelayMs: 20, maxDelayMs: 20 });
    try {
      await eventually(() => run.workerLines.find((l) => l.event === 'dead_letter_write_failed'));
      expect((await run.stack.store.get(run.id))?.status).toBe('queued'); // stuck: the job is among the dead letters
      expect(await run.stack.queue.has(run.stack.config.DIFFSCOPE_QUEUE_NAME, run.id)).toBe(false);
      await run.lock.exit;
      const notifier = await startNotifier({
        config: run.stack.config,
        logger,
        queue: run.stack.queue,
        store: run.stack.store,
        backoffMs: 10,
        maxBackoffMs: 50,
      });
      const record = await eventually(async () => {
        const r = await run.stack.store.get(run.id);
        return r?.status === 'failed' ? r : undefined;
      });
      expect(record.error?.code).toBe('DSC_ERR_GENERATION_LOST');
      await eventually(() => hooks.received.find((h) => h.body.id === run.id && h.body.status === 'failed'));
      await notifier.close({ graceMs: 0 });
    } finally {
      await run.close();
    }
  }, 60_000);
});
