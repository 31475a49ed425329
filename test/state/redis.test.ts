import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { moves } from '../../src/generation/index.js';
import { RedisGenerationStore } from '../../src/state/redis-generation-store.js';
import { probeTcp, REDIS_URL } from '../queue/servers.js';
import { record, storeConformance } from './conformance.js';

const unavailable = await probeTcp(REDIS_URL, 6379);

const keyPrefix = `dsc-test-${randomUUID().slice(0, 8)}:`;
const open = () => RedisGenerationStore.connect({ url: REDIS_URL, keyPrefix });

storeConformance({
  name: 'redis',
  unavailable,
  open,
  cleanup: async () => {
    const store = await open();
    await store.deleteAll();
    await store.close();
  },
});

describe.skipIf(unavailable !== null)('RedisGenerationStore retention', () => {
  it('expires a finished generation and its events after the retention period', async () => {
    const prefix = `dsc-test-${randomUUID().slice(0, 8)}:`;
    const store = await RedisGenerationStore.connect({ url: REDIS_URL, keyPrefix: prefix, retentionMs: 60_000 });
    const raw = new Redis(REDIS_URL);
    try {
      const r = record();
      await store.create(r);
      await store.appendEvent(r.id, 'queued', {});
      expect(await raw.pttl(`${prefix}gen:{${r.id}}`)).toBe(-1); // running generations never expire
      await store.transition(r.id, moves.finish('succeeded'), { outputs: [] });
      await store.appendEvent(r.id, 'succeeded', {});
      for (const key of [`${prefix}gen:{${r.id}}`, `${prefix}gen:{${r.id}}:events`]) {
        const ttl = await raw.pttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(60_000);
      }
      expect((await store.get(r.id))?.outputs).toEqual([]);
    } finally {
      await store.deleteAll();
      await store.close();
      raw.disconnect();
    }
  });
});
