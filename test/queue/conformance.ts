/**
 * One suite every QueueBackend passes (BullMQ's adapter-conformance habit). Each test uses
 * its own queue name and deletes it afterwards, so runs never see each other's messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConsumerOptions, DeliveredMessage, QueueBackend, QueueConsumer } from '../../src/queue/index.js';

export interface QueueTarget {
  name: string;
  /** null when the server is reachable, else why not. */
  unavailable: string | null;
  create(options: { leaseMs: number }): Promise<QueueBackend>;
  /** Environment for the child fixture so that its factory builds the same backend. */
  childEnv(): Record<string, string>;
}

const LEASE_MS = 1_000;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function options(overrides: Partial<ConsumerOptions> = {}): ConsumerOptions {
  return { concurrency: 1, maxAttempts: 3, backoffMs: 50, maxBackoffMs: 1_000, leaseMs: LEASE_MS, ...overrides };
}

export function queueConformance(target: QueueTarget): void {
  if (target.unavailable && process.env.CI === 'true') {
    throw new Error(`${target.name} conformance cannot run under CI: ${target.unavailable}`);
  }
  if (target.unavailable) console.warn(`skipping ${target.name} queue conformance: ${target.unavailable}`);

  describe.skipIf(target.unavailable !== null)(`QueueBackend conformance: ${target.name}`, () => {
    let backend: QueueBackend;
    const queues: string[] = [];
    const consumers: QueueConsumer[] = [];
    const children: ChildProcess[] = [];
    const newQueue = () => {
      const name = `dsc-test-${randomUUID().slice(0, 8)}`;
      queues.push(name);
      return name;
    };
    const consume = async <T>(
      queue: string,
      fn: (m: DeliveredMessage<T>, s: AbortSignal) => Promise<void>,
      o?: Partial<ConsumerOptions>,
    ) => {
      const consumer = await backend.consume<T>(queue, fn, options(o));
      consumers.push(consumer);
      return consumer;
    };

    /** Consume, recording what onDeadLetter is told. */
    const consumeRecordingDead = async <T>(
      queue: string,
      fn: (m: DeliveredMessage<T>, s: AbortSignal) => Promise<void>,
      o: Partial<ConsumerOptions>,
    ) => {
      const dead: { message: DeliveredMessage; error: Error }[] = [];
      await consume(queue, fn, { ...o, onDeadLetter: (message, error) => void dead.push({ message, error }) });
      return dead;
    };
    /** The dead letters once the backend lists any (onDeadLetter may run before the move is visible). */
    const listedDeadLetters = (queue: string) =>
      waitFor(async () => {
        const letters = await backend.deadLetters(queue);
        return letters.length > 0 ? letters : null;
      }, 'dead letter listed');

    beforeAll(async () => {
      backend = await target.create({ leaseMs: LEASE_MS });
    });
    afterEach(async () => {
      for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
      await Promise.all(consumers.splice(0).map((c) => c.close({ drain: false, timeoutMs: 1_000 })));
    });
    afterAll(async () => {
      if (!backend) return;
      for (const queue of queues) await backend.deleteQueue(queue);
      await backend.close();
    });

    it('delivers payload and headers intact, attempt 1', async () => {
      const queue = newQueue();
      const producer = await backend.producer(queue);
      const headers = {
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        tracestate: 'vendor=a,other=b',
        request_id: 'req-1',
        enqueued_at: String(Date.now()),
      };
      await producer.publish('m-1', { prompt: 'a red cube', n: 2, nested: { ok: true } }, headers);
      await producer.publish('m-2', { prompt: 'second' }, { ...headers, request_id: 'req-2' });
      const got: DeliveredMessage[] = [];
      await consume(queue, async (m) => void got.push(m));
      await waitFor(() => got.length === 2, 'two deliveries');
      const byId = Object.fromEntries(got.map((m) => [m.id, m]));
      expect(byId['m-1'].payload).toEqual({ prompt: 'a red cube', n: 2, nested: { ok: true } });
      expect(byId['m-1'].headers).toEqual(headers);
      expect(byId['m-2'].headers.request_id).toBe('req-2');
      expect(got.every((m) => m.attempt === 1)).toBe(true);
      expect(got.every((m) => typeof m.deliveredAt === 'number' && m.deliveredAt > 0)).toBe(true);
    });

    it('accepts ids of any shape (digits only, colons, percent signs)', async () => {
      const queue = newQueue();
      const producer = await backend.producer(queue);
      const ids = ['12345', 'gen:abc:1', '50%off', '01JD4Z9Y6Q8W5R3T2N1M0KXVBC'];
      for (const id of ids) await producer.publish(id, { id }, {});
      const got: string[] = [];
      await consume(queue, async (m) => void got.push(m.id), { concurrency: 2 });
      await waitFor(() => got.length === ids.length, 'all ids');
      expect(got.sort()).toEqual([...ids].sort());
    });

    it('never runs more processors at once than the concurrency', async () => {
      const queue = newQueue();
      const producer = await backend.producer(queue);
      for (let i = 0; i < 6; i++) await producer.publish(`c-${i}`, { i }, {});
      let running = 0;
      let most = 0;
      let done = 0;
      await consume(
        queue,
        async () => {
          running++;
          most = Math.max(most, running);
          await sleep(60);
          running--;
          done++;
        },
        { concurrency: 2 },
      );
      await waitFor(() => done === 6, 'six completions');
      expect(most).toBe(2);
    });

    it('retries a throwing processor with backoff and an incrementing attempt', async () => {
      const queue = newQueue();
      const producer = await backend.producer(queue);
      await producer.publish('r-1', { x: 1 }, { request_id: 'r-1' });
      const seen: { attempt: number; at: number; headers: Record<string, string> }[] = [];
      let completed = false;
      await consume(
        queue,
        async (m) => {
          seen.push({ attempt: m.attempt, at: Date.now(), headers: m.headers });
          if (m.attempt < 3) throw new Error(`boom ${m.attempt}`);
          completed = true;
        },
        { maxAttempts: 5, backoffMs: 100 },
      );
      await waitFor(() => completed, 'third attempt to succeed');
      expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
      expect(seen.every((s) => s.headers.request_id === 'r-1')).toBe(true);
      // backoff: the second retry waits longer than the first (100 ms then 200 ms), never less
      expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(90);
      expect(seen[2].at - seen[1].at).toBeGreaterThanOrEqual(180);
      expect(await backend.deadLetters(queue)).toEqual([]);
    });

    it('dead-letters after maxAttempts and calls onDeadLetter once', async () => {
      const queue = newQueue();
      const producer = await backend.producer(queue);
      await producer.publish('d-1', { doomed: true }, { request_id: 'd-1' });
      let deliveries = 0;
      const dead = await consumeRecordingDead(
        queue,
        async () => {
          deliveries++;
          throw new Error('always fails');
        },
        { maxAttempts: 2 },
      );
      await waitFor(() => dead.length === 1, 'onDeadLetter');
      await sleep(400); // would expose a second call or a further delivery
      expect(dead).toHaveLength(1);
      expect(deliveries).toBe(2);
      expect(dead[0].message.id).toBe('d-1');
      expect(dead[0].error.message).toContain('always fails');
      const letters = await listedDeadLetters(queue);
      expect(letters.map((l) => l.id)).toEqual(['d-1']);
      expect(letters[0].headers.request_id).toBe('d-1');
      expect(letters[0].payload).toEqual({ doomed: true });
      expect(letters[0].error).toBe('always fails');
      expect(dead[0].message.attempt).toBe(2);
      expect(letters[0].attempt).toBe(2);
      expect(await backend.depth(queue)).toBe(0);
    });

    /** A consumer in a child process that takes one job and hangs; returns once it is ready. */
    const hangingConsumer = async (queue: string) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/queue/fixtures/consume-and-hang.ts')], {
        cwd: repoRoot,
        env: { ...process.env, ...target.childEnv(), FIXTURE_QUEUE: queue, FIXTURE_LEASE_MS: String(LEASE_MS) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      await waitFor(() => out.includes('ready') || child.exitCode !== null, 'child consumer ready', 30_000);
      expect(child.exitCode, err).toBeNull();
      return {
        /** Resolves with the attempt the child was given. */
        started: async (id: string) => {
          const line = await waitFor(() => new RegExp(`^started ${id} (\\d+)$`, 'm').exec(out), `child to take ${id}`, 30_000);
          return Number(line[1]);
        },
        kill: async () => {
          expect(child.exitCode, `child exited on its own before the kill: ${err}`).toBeNull();
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGKILL');
          await exited;
        },
      };
    };

    it('redelivers the job of a consumer killed with SIGKILL to another consumer', async () => {
      const queue = newQueue();
      const doomed = await hangingConsumer(queue);
      const producer = await backend.producer(queue);
      await producer.publish('k-1', { survive: 'kill -9' }, { request_id: 'k-1' });
      await doomed.started('k-1');
      await doomed.kill();
      const got: DeliveredMessage[] = [];
      await consume(queue, async (m) => void got.push(m), { leaseMs: LEASE_MS });
      await waitFor(() => got.length === 1, 'redelivery after the kill', 30_000);
      expect(got[0].id).toBe('k-1');
      expect(got[0].payload).toEqual({ survive: 'kill -9' });
      expect(got[0].headers.request_id).toBe('k-1');
      expect(got[0].attempt).toBe(2);
      await waitFor(async () => (await backend.depth(queue)) === 0, 'queue empty');
    });

    it('dead-letters a job whose consumers keep dying, after maxAttempts deliveries', async () => {
      const queue = newQueue();
      const producer = await backend.producer(queue);
      await producer.publish('poison', { kills: 'its consumer' }, { request_id: 'poison' });
      // One death is enough to show the count travels; SQLite's own test covers several.
      const doomed = await hangingConsumer(queue);
      await doomed.started('poison');
      await doomed.kill();
      let processed = 0;
      const dead = await consumeRecordingDead(
        queue,
        async () => {
          processed++;
        },
        { maxAttempts: 1 },
      );
      await waitFor(() => dead.length === 1, 'onDeadLetter for the crash loop', 30_000);
      expect(processed).toBe(0);
      expect(dead[0].message.id).toBe('poison');
      expect(dead[0].error.message).toBe('delivered 1 time without completing (consumer died)');
      expect(dead[0].message.attempt).toBe(2);
      const letters = await listedDeadLetters(queue);
      expect(letters.map((l) => l.id)).toEqual(['poison']);
      expect(letters[0].error).toBe(dead[0].error.message);
      expect(letters[0].attempt).toBe(2);
    });

    it('dead-letters a message lost with its consumer after a failure with that failure as its last error', async () => {
      const queue = newQueue();
      const producer = await backend.producer(queue);
      await producer.publish('lf', { fails: 'then kills' }, { request_id: 'lf' });
      // Attempt 1 throws; the retry waits long enough for this consumer to be gone.
      let failed = false;
      const first = await consume(
        queue,
        async () => {
          failed = true;
          throw new Error('model file unreadable');
        },
        { maxAttempts: 5, backoffMs: 500 },
      );
      await waitFor(() => failed, 'first attempt to fail');
      await first.close({ drain: true, timeoutMs: 5_000 });
      // Attempt 2 dies with its consumer.
      const doomed = await hangingConsumer(queue);
      expect(await doomed.started('lf')).toBe(2);
      await doomed.kill();
      let processed = 0;
      const dead = await consumeRecordingDead(
        queue,
        async () => {
          processed++;
        },
        { maxAttempts: 2 },
      );
      await waitFor(() => dead.length === 1, 'onDeadLetter after the lost delivery', 30_000);
      expect(processed).toBe(0);
      expect(dead[0].message.attempt).toBe(3);
      expect(dead[0].error.message).toBe('delivered 2 times without completing (consumer died); last error: model file unreadable');
      const letters = await listedDeadLetters(queue);
      expect(letters.map((l) => [l.id, l.attempt, l.error])).toEqual([['lf', 3, dead[0].error.message]]);
    });

    it('counts a delivery lost with its consumer in the backoff like a failed one', async () => {
      const queue = newQueue();
      const producer = await backend.producer(queue);
      await producer.publish('bk', {}, { request_id: 'bk' });
      const doomed = await hangingConsumer(queue);
      expect(await doomed.started('bk')).toBe(1);
      await doomed.kill();
      const seen: { attempt: number; at: number }[] = [];
      await consume(
        queue,
        async (m) => {
          seen.push({ attempt: m.attempt, at: Date.now() });
          if (m.attempt === 2) throw new Error('fails once after the loss');
        },
        { maxAttempts: 5, backoffMs: 300, maxBackoffMs: 10_000 },
      );
      await waitFor(() => seen.length === 2, 'the retry after the lost delivery', 30_000);
      expect(seen.map((s) => s.attempt)).toEqual([2, 3]);
      // Failed attempt 2 waits backoffMs * 2^(2-1) = 600 ms, whether attempt 1 failed or was lost.
      expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(590);
      expect(await backend.deadLetters(queue)).toEqual([]);
    });

    it('close({drain:false}) aborts the processor and hands the message back', async () => {
      const queue = newQueue();
      const producer = await backend.producer(queue);
      await producer.publish('h-1', { handed: 'back' }, { request_id: 'h-1' });
      let signalSeen: AbortSignal | null = null;
      const first = await consume(queue, async (_m, signal) => {
        signalSeen = signal;
        await new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
      });
      await waitFor(() => signalSeen, 'first consumer to start');
      await first.close({ drain: false, timeoutMs: 2_000 });
      expect(signalSeen!.aborted).toBe(true);
      const got: DeliveredMessage[] = [];
      await consume(queue, async (m) => void got.push(m));
      await waitFor(() => got.length === 1, 'the handed-back message');
      expect(got[0].id).toBe('h-1');
      expect(got[0].headers.request_id).toBe('h-1');
      expect(await backend.deadLetters(queue)).toEqual([]);
    });

    it('hands back at once a message whose processor ignores the abort, and its late end settles nothing', async () => {
      const queue = newQueue();
      const producer = await backend.producer(queue);
      await producer.publish('slow', { n: 1 }, { request_id: 'slow' });
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => (release = r));
      let startedFirst = false;
      let endedFirst = false;
      const first = await backend.consume(
        queue,
        async () => {
          startedFirst = true;
          await gate; // deaf to the signal
          endedFirst = true;
        },
        options(),
      );
      await waitFor(() => startedFirst, 'first consumer to start');
      await first.close({ drain: false, timeoutMs: 200 });
      expect(endedFirst).toBe(false);
      const got: DeliveredMessage[] = [];
      await consume(queue, async (m) => void got.push(m));
      await waitFor(() => got.length === 1, 'the handed-back message, while its first processor still runs');
      expect(got[0].attempt).toBe(1);
      expect(got[0].headers.request_id).toBe('slow');
      release();
      await waitFor(() => endedFirst, 'the first processor to end');
      await waitFor(async () => (await backend.depth(queue)) === 0, 'queue empty');
      await sleep(300); // a settlement by the first processor would show up as a further delivery
      expect(got).toHaveLength(1);
      expect(await backend.deadLetters(queue)).toEqual([]);
    });

    it('does not count hand-backs as attempts', async () => {
      const queue = newQueue();
      const producer = await backend.producer(queue);
      await producer.publish('hb', {}, { request_id: 'hb' });
      for (let i = 0; i < 3; i++) {
        let started = false;
        const c = await backend.consume(
          queue,
          async (_m, signal) => {
            started = true;
            await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
          },
          options({ maxAttempts: 2 }),
        );
        await waitFor(() => started, `delivery ${i + 1}`);
        await c.close({ drain: false, timeoutMs: 2_000 });
      }
      const seen: DeliveredMessage[] = [];
      await consume(queue, async (m) => void seen.push(m), { maxAttempts: 2 });
      await waitFor(() => seen.length === 1, 'final delivery');
      expect(seen[0].attempt).toBe(1);
      expect(seen[0].headers.request_id).toBe('hb');
      expect(await backend.deadLetters(queue)).toEqual([]);
    });

    it('close({drain:true}) lets the running processor finish', async () => {
      const queue = newQueue();
      const producer = await backend.producer(queue);
      await producer.publish('g-1', {}, {});
      let started = false;
      let finished = false;
      let aborted = false;
      const consumer = await consume(queue, async (_m, signal) => {
        started = true;
        await sleep(200);
        aborted = signal.aborted;
        finished = true;
      });
      await waitFor(() => started, 'processor start');
      await consumer.close({ drain: true, timeoutMs: 5_000 });
      expect(finished).toBe(true);
      expect(aborted).toBe(false);
      expect(await backend.depth(queue)).toBe(0);
    });

    it('depth counts waiting messages, not the ones in flight', async () => {
      const queue = newQueue();
      const producer = await backend.producer(queue);
      expect(await backend.depth(queue)).toBe(0);
      for (let i = 0; i < 3; i++) await producer.publish(`q-${i}`, { i }, {});
      await waitFor(async () => (await backend.depth(queue)) === 3, 'depth 3');
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => (release = r));
      let started = 0;
      await consume(queue, async () => {
        started++;
        await gate;
      });
      await waitFor(() => started === 1, 'one in flight');
      await waitFor(async () => (await backend.depth(queue)) === 2, 'depth 2 while one is in flight');
      release();
      await waitFor(async () => (await backend.depth(queue)) === 0, 'depth 0 after all done');
      expect(started).toBe(3);
    });
  });
}
