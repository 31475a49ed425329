import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteQueueBackend } from '../../src/queue/index.js';
import { queueConformance, waitFor } from './conformance.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dsc-queue-'));
const file = path.join(dir, 'queue.sqlite');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

queueConformance({
  name: 'sqlite',
  unavailable: null,
  create: async ({ leaseMs }) => new SqliteQueueBackend({ file, leaseMs }),
  childEnv: () => ({ DIFFSCOPE_QUEUE: 'sqlite', DIFFSCOPE_DATA_DIR: dir, FIXTURE_SQLITE_FILE: file }),
});

describe('SqliteQueueBackend specifics', () => {
  it('dead-letters a message whose every delivery died without an answer', async () => {
    const backend = new SqliteQueueBackend({ file, leaseMs: 1_000 });
    const queue = 'crash-loop';
    await (await backend.producer(queue)).publish('poison', { kills: 'its worker' }, { request_id: 'poison' });
    // Two consumers that took it and died (their leases were never renewed nor released).
    for (let i = 0; i < 2; i++) {
      expect(backend.db.claim(queue, `dead-${i}`, 1, Date.now(), 1)).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 5));
    }
    const dead: string[] = [];
    let processed = 0;
    const consumer = await backend.consume(
      queue,
      async () => {
        processed++;
      },
      {
        concurrency: 1,
        maxAttempts: 2,
        backoffMs: 10,
        maxBackoffMs: 10,
        onDeadLetter: (m, error) => void dead.push(`${m.id}: ${error.message}`),
      },
    );
    await waitFor(() => dead.length === 1, 'dead letter');
    expect(processed).toBe(0);
    expect(dead[0]).toMatch(/^poison: delivered 2 times without completing/);
    expect((await backend.deadLetters(queue)).map((m) => m.id)).toEqual(['poison']);
    await consumer.close({ drain: false });
    await backend.deleteQueue(queue);
    await backend.close();
  });
});
