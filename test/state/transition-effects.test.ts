/**
 * What a transition writes besides the record (`TransitionEffects`), on the three stores: the
 * terminal event and the owed completion are part of the finish's one atomic write (SQLite: its
 * transaction; PostgreSQL: one statement; Redis: the transition script). So a finished generation
 * without its terminal event cannot exist: when the event cannot be written (the store itself
 * refuses it: a conflicting event row, a wrong-typed events key), the finish is not written either.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminal, moves, type GenerationEvent, type GenerationStore, type TerminalStatus } from '../../src/generation/index.js';
import { SqliteGenerationStore } from '../../src/state/index.js';
import { PostgresGenerationStore } from '../../src/state/postgres-generation-store.js';
import { RedisGenerationStore } from '../../src/state/redis-generation-store.js';
import { waitFor } from '../queue/conformance.js';
import { POSTGRES_URL, probeTcp, REDIS_URL } from '../queue/servers.js';
import { record } from './conformance.js';

interface Target {
  name: string;
  unavailable: string | null;
  /** A new replica over the same storage. */
  open(): Promise<GenerationStore>;
  /** Makes the store refuse the next event of `id` (by the store's own rules), until `repair`. */
  sabotageNextEvent(id: string): Promise<void>;
  repair(id: string): Promise<void>;
  cleanup(): Promise<void>;
}

async function targets(): Promise<Target[]> {
  const run = randomUUID().slice(0, 8);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dsc-effects-'));
  const file = path.join(dir, 'state.sqlite');
  const tablePrefix = `dsc_fx_${run}_`;
  const keyPrefix = `dsc-fx-${run}:`;
  const openPostgres = () => PostgresGenerationStore.connect({ connectionString: POSTGRES_URL, tablePrefix });
  const openRedis = () => RedisGenerationStore.connect({ url: REDIS_URL, keyPrefix });
  return [
    {
      name: 'sqlite',
      unavailable: null,
      open: async () => new SqliteGenerationStore({ file, pollMs: 10 }),
      // A row already holding the next sequence number: the event insert breaks UNIQUE (id, seq).
      async sabotageNextEvent(id) {
        const db = new Database(file);
        db.prepare(
          `INSERT INTO generation_events (id, seq, type, data, at) SELECT id, event_seq + 1, 'progress', '{}', 0 FROM generations WHERE id = ?`,
        ).run(id);
        db.close();
      },
      async repair(id) {
        const db = new Database(file);
        db.prepare(`DELETE FROM generation_events WHERE id = ? AND seq = (SELECT event_seq + 1 FROM generations WHERE id = ?)`).run(id, id);
        db.close();
      },
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    },
    {
      name: 'postgres',
      unavailable: await probeTcp(POSTGRES_URL, 5432),
      open: openPostgres,
      // The same on PostgreSQL: the primary key (id, seq) refuses the event row.
      async sabotageNextEvent(id) {
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        await client.query(
          `INSERT INTO ${tablePrefix}generation_events (id, seq, type, data, at) SELECT id, event_seq + 1, 'progress', '{}', 0 FROM ${tablePrefix}generations WHERE id = $1`,
          [id],
        );
        await client.end();
      },
      async repair(id) {
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        await client.query(
          `DELETE FROM ${tablePrefix}generation_events e USING ${tablePrefix}generations g WHERE e.id = $1 AND g.id = e.id AND e.seq = g.event_seq + 1`,
          [id],
        );
        await client.end();
      },
      cleanup: async () => {
        const store = await openPostgres();
        await store.dropTables();
        await store.close();
      },
    },
    {
      name: 'redis',
      unavailable: await probeTcp(REDIS_URL, 6379),
      open: openRedis,
      // The events key holding a string: RPUSH answers WRONGTYPE inside the script.
      async sabotageNextEvent(id) {
        const raw = new Redis(REDIS_URL);
        await raw.rename(`${keyPrefix}gen:{${id}}:events`, `${keyPrefix}gen:{${id}}:events-aside`);
        await raw.set(`${keyPrefix}gen:{${id}}:events`, 'not a list');
        raw.disconnect();
      },
      async repair(id) {
        const raw = new Redis(REDIS_URL);
        await raw.rename(`${keyPrefix}gen:{${id}}:events-aside`, `${keyPrefix}gen:{${id}}:events`);
        raw.disconnect();
      },
      cleanup: async () => {
        const store = await openRedis();
        await store.deleteAll();
        await store.close();
      },
    },
  ];
}

const finishEvent = (status: TerminalStatus, i: number) => ({ type: status, data: { status, caller: i, list: [] as unknown[] } });

for (const target of await targets()) {
  if (target.unavailable && process.env.CI === 'true') throw new Error(`${target.name} cannot run under CI: ${target.unavailable}`);
  describe.skipIf(target.unavailable !== null)(`transition effects: ${target.name}`, () => {
    let a: GenerationStore;
    let b: GenerationStore;
    beforeAll(async () => {
      a = await target.open();
      b = await target.open();
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await target.cleanup();
    });

    async function running(): Promise<string> {
      const r = record({ status: 'running', startedAt: Date.now() });
      await a.create(r);
      await a.appendEvent(r.id, 'queued', { status: 'queued' });
      await a.appendEvent(r.id, 'started', { attempt: 1 });
      return r.id;
    }

    it('a finish writes its event with it: of 10 racing callers on two replicas one wins, with one terminal event (the next seq), seen live on the other replica', async () => {
      const id = await running();
      const live: GenerationEvent[] = [];
      const unsubscribe = await b.subscribe(id, (e) => live.push(e));
      const statuses: TerminalStatus[] = ['succeeded', 'failed', 'canceled'];
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => {
          const status = statuses[i % 3];
          return (i % 2 ? a : b).transition(
            id,
            moves.finish(status),
            { finishedAt: 1_000 + i },
            { event: finishEvent(status, i), completionPending: true },
          );
        }),
      );
      const winners = results.flatMap((r, i) => (r ? [i] : []));
      expect(winners).toHaveLength(1);
      const winner = results[winners[0]]!;
      const events = await a.events(id);
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(events.filter((e) => isTerminal(e.type))).toEqual([
        { seq: 3, type: winner.status, data: { status: winner.status, caller: winners[0], list: [] }, at: expect.any(Number) as number },
      ]);
      await waitFor(() => live.some((e) => e.seq === 3), 'the terminal event, live on the other replica');
      expect(live.filter((e) => isTerminal(e.type)).map((e) => e.type)).toEqual([winner.status]);
      await unsubscribe();
      // The next event after it numbers on from the terminal one.
      expect((await b.appendEvent(id, 'progress', { late: true })).seq).toBe(4);
    });

    it('when the store refuses the event, the finish is not written either; once it accepts it, both are', async () => {
      const id = await running();
      await target.sabotageNextEvent(id);
      await expect(
        a.transition(
          id,
          moves.finish('succeeded'),
          { finishedAt: 5, outputs: ['file:///o/0.png'] },
          { event: finishEvent('succeeded', 0), completionPending: true },
        ),
      ).rejects.toThrow();
      const after = await b.get(id);
      expect(after?.status).toBe('running');
      expect(after?.outputs).toEqual([]);
      expect(after?.finishedAt).toBeUndefined();
      expect((await b.listPendingCompletions({ finishedBefore: Number.MAX_SAFE_INTEGER, limit: 1000 })).map((r) => r.id)).not.toContain(id);

      await target.repair(id);
      expect(
        (
          await a.transition(
            id,
            moves.finish('succeeded'),
            { finishedAt: 6 },
            { event: finishEvent('succeeded', 1), completionPending: true },
          )
        )?.status,
      ).toBe('succeeded');
      expect((await b.events(id)).map((e) => [e.seq, e.type])).toEqual([
        [1, 'queued'],
        [2, 'started'],
        [3, 'succeeded'],
      ]);
    });

    it('the owed completion: set by the finish that won only, listed by finish time until settled, settled once', async () => {
      const base = Date.now() + 1e9; // after whatever earlier cases left owed
      const ids = [await running(), await running(), await running()];
      // Finished in the order 2, 0, 1; the last without owing anything.
      await a.transition(
        ids[2],
        moves.finish('failed'),
        { finishedAt: base + 1 },
        { event: finishEvent('failed', 0), completionPending: true },
      );
      await b.transition(
        ids[0],
        moves.finish('succeeded'),
        { finishedAt: base + 2 },
        { event: finishEvent('succeeded', 0), completionPending: true },
      );
      await a.transition(ids[1], moves.finish('canceled'), { finishedAt: base + 3 }, { event: finishEvent('canceled', 0) });
      // A late finish that loses owes nothing more (and changes nothing).
      expect(
        await b.transition(
          ids[1],
          moves.finish('failed'),
          { finishedAt: base + 4 },
          { event: finishEvent('failed', 1), completionPending: true },
        ),
      ).toBeNull();

      const owed = async (before: number) =>
        (await b.listPendingCompletions({ finishedBefore: before, limit: 1000 })).filter((r) => ids.includes(r.id));
      expect((await owed(base + 10)).map((r) => [r.id, r.status])).toEqual([
        [ids[2], 'failed'],
        [ids[0], 'succeeded'],
      ]);
      expect((await owed(base + 2)).map((r) => r.id)).toEqual([ids[2]]); // finished strictly before
      expect(await a.settleCompletion(ids[2])).toBe(true);
      expect(await b.settleCompletion(ids[2])).toBe(false);
      expect(await a.settleCompletion(ids[1])).toBe(false);
      expect(await a.settleCompletion('gen-missing')).toBe(false);
      expect((await owed(base + 10)).map((r) => r.id)).toEqual([ids[0]]);
      // What stays owed survives a restart.
      await a.close();
      a = await target.open();
      expect((await owed(base + 10)).map((r) => r.id)).toEqual([ids[0]]);
    });
  });
}
