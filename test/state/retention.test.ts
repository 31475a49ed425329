/**
 * The retention sweep (src/generation/retention.ts) on every state store (SQLite, PostgreSQL,
 * Redis) with every storage backend (local folder, S3 on s3rver): generations finished before the
 * retention period lose their record, events and images; younger or still active ones keep all of
 * them; a second pass and a concurrent sweeper change nothing more; 0 keeps everything. Redis: an
 * id whose record already expired still has its images removed, and the keys' expiry follows
 * DIFFSCOPE_RETENTION_HOURS.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { RetentionSweeper, moves, type GenerationStore } from '../../src/generation/index.js';
import { createGenerationStore } from '../../src/state/index.js';
import { imageKey, type ObjectStore } from '../../src/storage/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { REDIS_URL } from '../queue/servers.js';
import { record } from './conformance.js';
import { openObjectStore, storeTargets, type ObjectStoreKind, type OpenedObjectStore, type OpenedStore } from './retention-targets.js';

const HOUR = 3_600_000;
const RETENTION_MS = 24 * HOUR;
const PNG = Buffer.from('89504e470d0a1a0a', 'hex');
const lines: Record<string, unknown>[] = [];
const logger = createLogger({ service: 'api-server', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });

/** A generation with images, finished at `finishedAt` (or left `status` when that is active). */
async function generation(
  store: GenerationStore,
  objectStore: ObjectStore,
  status: 'succeeded' | 'failed' | 'canceled' | 'queued' | 'running',
  finishedAt?: number,
): Promise<{ id: string; outputs: string[] }> {
  const r = record();
  await store.create(r);
  await store.appendEvent(r.id, 'queued', { status: 'queued' });
  const outputs: string[] = [];
  if (status === 'queued') return { id: r.id, outputs };
  await store.transition(r.id, moves.start(), { startedAt: Date.now(), attempts: 1 });
  for (let k = 0; k < 2; k++) outputs.push((await objectStore.put(imageKey(r.id, k), PNG, 'image/png')).location);
  if (status === 'running') return { id: r.id, outputs };
  await store.transition(r.id, moves.finish(status), { finishedAt, outputs });
  await store.appendEvent(r.id, status, { status });
  return { id: r.id, outputs };
}

const targets = await storeTargets();

for (const target of targets) {
  for (const storage of ['local', 's3'] as ObjectStoreKind[]) {
    describe.skipIf(target.unavailable !== null)(`retention sweep: ${target.kind} state, ${storage} storage`, () => {
      let opened: OpenedStore;
      let objects: OpenedObjectStore;

      beforeAll(async () => {
        opened = await target.open();
        objects = await openObjectStore(storage);
      });
      afterAll(async () => {
        await opened?.close();
        await objects?.close();
      });

      it('removes generations finished before the period (record, events, images) and nothing else', async () => {
        const { store } = opened;
        const { objectStore } = objects;
        const now = Date.now();
        const old = [
          await generation(store, objectStore, 'succeeded', now - RETENTION_MS - 2 * HOUR),
          await generation(store, objectStore, 'failed', now - RETENTION_MS - HOUR),
          await generation(store, objectStore, 'canceled', now - RETENTION_MS - 1),
        ];
        const young = await generation(store, objectStore, 'succeeded', now - RETENTION_MS + HOUR);
        const running = await generation(store, objectStore, 'running');
        const queued = await generation(store, objectStore, 'queued');
        // Running and queued for days: still not the sweep's (the reconciler ends lost ones).
        expect(await store.listFinished({ finishedBefore: now, limit: 100 })).toEqual([...old.map((g) => g.id), young.id]);

        const sweeper = new RetentionSweeper({ store, objectStore, retentionMs: RETENTION_MS, logger, batchSize: 2 });
        lines.length = 0;
        expect(await sweeper.runOnce(now)).toEqual({ generations: 3, images: 6 });
        for (const g of old) {
          expect(await store.get(g.id)).toBeNull();
          expect(await store.events(g.id)).toEqual([]);
          for (const location of g.outputs) expect(await objectStore.get(location)).toBeNull();
        }
        expect(lines.filter((l) => l.event === 'retention_sweep')).toEqual([
          expect.objectContaining({ level: 'INFO', generations_removed: 3, images_removed: 6, retention_hours: 24 }),
        ]);
        for (const kept of [young, running]) {
          expect((await store.get(kept.id))?.id).toBe(kept.id);
          expect((await store.events(kept.id)).length).toBeGreaterThan(0);
        }
        expect((await store.get(queued.id))?.status).toBe('queued');
        expect(await objects.keys()).toEqual([young, running].flatMap((g) => [imageKey(g.id, 0), imageKey(g.id, 1)]).sort());

        // Nothing left to do: a second pass removes nothing and logs nothing.
        lines.length = 0;
        expect(await sweeper.runOnce(now)).toEqual({ generations: 0, images: 0 });
        expect(lines).toEqual([]);
        // With no retention (0), nothing is ever removed, however old.
        const keepForever = new RetentionSweeper({ store, objectStore, retentionMs: 0, logger });
        expect(await keepForever.runOnce(now + 365 * 24 * HOUR)).toEqual({ generations: 0, images: 0 });
        expect((await store.get(young.id))?.status).toBe('succeeded');
      });

      it('concurrent sweepers (two api-servers) remove each generation once between them, without errors', async () => {
        const { store } = opened;
        const { objectStore } = objects;
        const now = Date.now();
        const batch = [];
        for (let i = 0; i < 6; i++) batch.push(await generation(store, objectStore, 'succeeded', now - RETENTION_MS - 10 * HOUR + i));
        const sweepers = [1, 2].map(() => new RetentionSweeper({ store, objectStore, retentionMs: RETENTION_MS, logger, batchSize: 4 }));
        const passes = await Promise.all(sweepers.map((s) => s.runOnce(now)));
        expect(passes[0].generations + passes[1].generations).toBe(6);
        for (const g of batch) expect(await store.get(g.id)).toBeNull();
        for (const g of batch) for (const location of g.outputs) expect(await objectStore.get(location)).toBeNull();
      });

      it.skipIf(target.kind !== 'redis')('Redis: an id whose record already expired still loses its images', async () => {
        const { store, redisPrefix } = opened;
        const { objectStore } = objects;
        const now = Date.now();
        const g = await generation(store, objectStore, 'succeeded', now - RETENTION_MS - HOUR);
        // What the key's own expiry does when it runs before the sweep.
        const raw = new Redis(REDIS_URL);
        try {
          expect(await raw.del(`${redisPrefix}gen:{${g.id}}`, `${redisPrefix}gen:{${g.id}}:events`)).toBe(2);
        } finally {
          raw.disconnect();
        }
        const sweeper = new RetentionSweeper({ store, objectStore, retentionMs: RETENTION_MS, logger });
        expect(await sweeper.runOnce(now)).toEqual({ generations: 0, images: 2 });
        for (const location of g.outputs) expect(await objectStore.get(location)).toBeNull();
        expect(await store.listFinished({ finishedBefore: now, limit: 10 })).not.toContain(g.id);
      });
    });
  }
}

const redis = targets.find((t) => t.kind === 'redis')!;

describe.skipIf(redis.unavailable !== null)('Redis state: finished keys expire after DIFFSCOPE_RETENTION_HOURS', () => {
  async function finishedTtl(hours: string): Promise<number> {
    const keyPrefix = `dsc-ttl-${Date.now()}-${hours}:`;
    const config = loadConfig({}, { DIFFSCOPE_STATE: 'redis', DIFFSCOPE_REDIS_URL: REDIS_URL, DIFFSCOPE_RETENTION_HOURS: hours });
    const store = await createGenerationStore(config, { keyPrefix });
    const raw = new Redis(REDIS_URL);
    try {
      const r = record();
      await store.create(r);
      await store.transition(r.id, moves.finish('succeeded'), { finishedAt: Date.now() });
      return await raw.pttl(`${keyPrefix}gen:{${r.id}}`);
    } finally {
      await (store as unknown as { deleteAll(): Promise<void> }).deleteAll();
      await store.close();
      raw.disconnect();
    }
  }

  it('2 hours: expires within 2 h; 0: never expires', async () => {
    const ttl = await finishedTtl('2');
    expect(ttl).toBeGreaterThan(HOUR);
    expect(ttl).toBeLessThanOrEqual(2 * HOUR);
    expect(await finishedTtl('0')).toBe(-1);
  });
});
