/**
 * The embedded queue's file locked by another process (issue 9, item 17: a backup tool, an
 * operator's `sqlite3` shell, a stuck writer holding queue.sqlite's write lock). better-sqlite3
 * waits for a lock synchronously, so the queue keeps that wait to a few milliseconds and waits the
 * rest between event-loop turns: the process keeps running meanwhile, a publish that outlasts
 * `lockWaitMs` fails with DSC_ERR_QUEUE_UNAVAILABLE (503), and one whose lock goes in time goes
 * through; a delivery's ack waits for the lock the same way instead of failing (which would make
 * the message run again). Orders of events, never durations, are what the tests check.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiffscopeError } from '../../src/errors/index.js';
import { SqliteQueueBackend } from '../../src/queue/index.js';
import { waitFor } from './conformance.js';

const HOLD_LOCK = fileURLToPath(new URL('../generation/fixtures/hold-sqlite-lock.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Another process holding `file`'s write lock for `ms`; resolves once it holds it. */
async function holdLock(file: string, ms: number): Promise<{ released: Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLD_LOCK, file, String(ms)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const released = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('locked')) resolve();
    });
    child.once('exit', (code) => (out.includes('locked') ? undefined : reject(new Error(`lock holder exited ${code}`))));
  });
  return { released };
}

/** Resolves on the next turns of the event loop: it settles before a call that blocks the loop returns. */
const nextTurns = () => new Promise<void>((resolve) => setTimeout(() => setImmediate(resolve), 1));

describe('the SQLite queue file locked by another process', () => {
  let dir: string;
  let file: string;
  let backend: SqliteQueueBackend;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dsc-queue-lock-'));
    file = path.join(dir, 'queue.sqlite');
    backend = new SqliteQueueBackend({ file, lockWaitMs: 300, minPollMs: 2, maxPollMs: 20 });
  });
  afterEach(async () => {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a publish waits off the event loop, then fails with DSC_ERR_QUEUE_UNAVAILABLE; once the lock is gone publishing works again', async () => {
    const producer = await backend.producer('jobs');
    const lock = await holdLock(file, 2_000);
    const order: string[] = [];
    const publishing = producer.publish('m1', { n: 1 }, {}).then(
      () => order.push('published'),
      (err: unknown) => {
        order.push('refused');
        return err;
      },
    );
    await nextTurns();
    order.push('event loop turned');
    const err = await publishing;
    expect(order).toEqual(['event loop turned', 'refused']);
    expect(err).toBeInstanceOf(DiffscopeError);
    expect((err as DiffscopeError).code).toBe('DSC_ERR_QUEUE_UNAVAILABLE');
    expect((err as DiffscopeError).status).toBe(503);
    expect(await backend.has('jobs', 'm1')).toBe(false); // WAL: reads are not held up by the writer

    await lock.released;
    await producer.publish('m1', { n: 1 }, {});
    expect(await backend.depth('jobs')).toBe(1);
  });

  it('a publish whose lock goes within lockWaitMs goes through, after the holder let go', async () => {
    const slow = new SqliteQueueBackend({ file, lockWaitMs: 10_000 });
    try {
      const lock = await holdLock(file, 400);
      const order: string[] = [];
      const publishing = (await slow.producer('jobs')).publish('m2', { n: 2 }, {}).then(() => order.push('published'));
      await nextTurns();
      order.push('event loop turned');
      await lock.released;
      order.push('lock released');
      await publishing;
      expect(order).toEqual(['event loop turned', 'lock released', 'published']);
      expect(await slow.has('jobs', 'm2')).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it("a delivery's ack waits for the lock instead of failing: the message runs once and is gone", async () => {
    const patient = new SqliteQueueBackend({ file, lockWaitMs: 10_000, minPollMs: 2, maxPollMs: 20 });
    try {
      await (await patient.producer('jobs')).publish('m3', { n: 3 }, {});
      let runs = 0;
      let finish: () => void = () => {};
      const processing = new Promise<void>((resolve) => (finish = resolve));
      const consumer = await patient.consume(
        'jobs',
        async () => {
          runs++;
          await processing;
        },
        { concurrency: 1, maxAttempts: 5, backoffMs: 10, maxBackoffMs: 10, leaseMs: 5_000 },
      );
      await waitFor(() => runs === 1, 'the delivery');
      const lock = await holdLock(file, 500);
      finish(); // the processor is done while the file is locked: its ack has to wait
      await nextTurns();
      expect(await patient.has('jobs', 'm3')).toBe(true); // not acked yet (a read: WAL lets it through)
      await lock.released;
      await waitFor(async () => !(await patient.has('jobs', 'm3')), 'the ack, once the lock is gone');
      await consumer.close({ drain: true, timeoutMs: 1_000 });
      expect(runs).toBe(1);
      expect(await patient.deadLetters('jobs')).toEqual([]);
    } finally {
      await patient.close();
    }
  });
});
