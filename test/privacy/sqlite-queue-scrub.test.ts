/**
 * The embedded queue's part of "the prompt at rest" (issue 9, item 14), on one SQLite file while
 * its connection stays open: the canary is found in the files while its message is live (so the
 * scan can see it), and gone from the database, its -wal and -shm once the message was acked or
 * dead-lettered (secure_delete zeroes the row; the WAL is checkpointed and truncated). The dead
 * letter keeps what `deadLetterPayload` returns instead of the body.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteQueueBackend, type QueueConsumer } from '../../src/queue/index.js';
import { eventually } from '../support/serving-stack.js';
import { scanFiles } from './data-scan.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dsc-scrub-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite queue: a message that left leaves no copy on disk', () => {
  it.each(['acked', 'dead-lettered'] as const)('%s: found while live, gone after (connection still open)', async (outcome) => {
    const canary = `canary-${randomUUID()}`;
    const file = path.join(dir, `${outcome}.sqlite`);
    const queue = new SqliteQueueBackend({ file, minPollMs: 2, maxPollMs: 20 });
    let consumer: QueueConsumer | undefined;
    try {
      // Some other traffic first, so the canary's pages are not the only ones written.
      const producer = await queue.producer('jobs');
      for (let i = 0; i < 20; i++) await producer.publish(`filler-${i}`, { prompt: `filler ${i}`.repeat(50) }, {});
      await producer.publish('job-1', { prompt: canary, params: { steps: 2 } }, {});
      expect(scanFiles(dir, canary).length).toBeGreaterThan(0); // the control: a live message is visible to the scan

      const done = new Set<string>();
      consumer = await queue.consume(
        'jobs',
        async (message) => {
          done.add(message.id);
          if (outcome === 'dead-lettered' && message.id === 'job-1') throw new Error('always fails');
        },
        {
          concurrency: 4,
          maxAttempts: 1,
          backoffMs: 1,
          maxBackoffMs: 1,
          deadLetterPayload: (payload) => ({ kept: 'no prompt', steps: (payload as { params: { steps: number } }).params.steps }),
        },
      );
      await eventually(() => done.size === 21 && !queue.db.has('jobs', 'job-1'));
      const hits = await eventually(() => (scanFiles(dir, canary).length === 0 ? [] : undefined), 20_000).catch(() =>
        scanFiles(dir, canary),
      );
      expect(hits).toEqual([]);
      if (outcome === 'dead-lettered') {
        expect((await queue.deadLetters('jobs')).map((d) => d.payload)).toEqual([{ kept: 'no prompt', steps: 2 }]);
      }
    } finally {
      await consumer?.close({ drain: false });
      await queue.close();
    }
    expect(scanFiles(dir, canary)).toEqual([]);
  });
});
