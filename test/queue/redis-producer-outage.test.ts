/**
 * The Redis queue's producer after an outage it was first used in: BullMQ sets a queue up once
 * (version check, scripts) and keeps a failed setup, so a queue first used while Redis was frozen
 * used to fail every later publish ("Command timed out") after Redis came back — the completions
 * a worker published during the outage could never be published again. Against a redis-server of
 * the test's own (SIGSTOP/SIGCONT), never the shared one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisQueueBackend } from '../../src/queue/redis-queue.js';
import { startOwnRedis, type OwnRedis } from '../api/adversarial/outage-support.js';
import { waitFor } from './conformance.js';

describe('Redis queue producer first used during an outage', () => {
  let redis: OwnRedis;
  let backend: RedisQueueBackend;
  beforeAll(async () => {
    redis = await startOwnRedis();
    backend = await RedisQueueBackend.connect({ url: redis.url, prefix: 'dsc-producer-outage', commandTimeoutMs: 500 });
  }, 30_000);
  afterAll(async () => {
    redis?.resume();
    await backend?.close();
    await redis?.stop();
  });

  it('fails while Redis is frozen, and publishes again once it is back', async () => {
    redis.freeze();
    const producer = await backend.producer('completions');
    await expect(producer.publish('gen-1:succeeded', { id: 'gen-1' }, {})).rejects.toThrow();
    redis.resume();
    // The same producer, and a new one for the same queue, both publish once Redis answers.
    await waitFor(
      () =>
        producer.publish('gen-1:succeeded', { id: 'gen-1' }, {}).then(
          () => true,
          () => false,
        ),
      'a publish after the outage',
    );
    await (await backend.producer('completions')).publish('gen-2:failed', { id: 'gen-2' }, {});
    expect(await backend.has('completions', 'gen-1:succeeded')).toBe(true);
    expect(await backend.has('completions', 'gen-2:failed')).toBe(true);
  }, 30_000);
});
