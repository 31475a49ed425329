/**
 * Each conditional transition of every GenerationStore under concurrent callers on two
 * replicas (separate connections): start only from queued, requeue only the running run it
 * names, finish only once, and nothing moves a terminal record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TERMINAL_STATUSES, moves, type GenerationStore, type RecordPatch, type TerminalStatus } from '../../src/generation/index.js';
import { record } from '../state/conformance.js';
import { skipUnavailable, storeTargets } from './store-targets.js';

const CALLERS = 12;

for (const target of await storeTargets()) {
  describe.skipIf(skipUnavailable(target))(`conditional transitions: ${target.name}`, () => {
    let a: GenerationStore;
    let b: GenerationStore;
    const replica = (i: number) => (i % 2 ? a : b);

    beforeAll(async () => {
      a = await target.open();
      b = await target.open();
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await target.cleanup();
    });

    it('start: of concurrent deliveries exactly one takes the queued generation', async () => {
      const r = record();
      await a.create(r);
      const results = await Promise.all(
        Array.from({ length: CALLERS }, (_, i) => replica(i).transition(r.id, moves.start(), { startedAt: 1_000 + i, attempts: i + 1 })),
      );
      const winners = results.filter((x) => x !== null);
      expect(winners).toHaveLength(1);
      const i = results.findIndex((x) => x !== null);
      expect(winners[0]).toEqual({ ...r, status: 'running', startedAt: 1_000 + i, attempts: i + 1 });
      expect(await b.get(r.id)).toEqual(winners[0]);
      // Running is not queued: a later start loses too.
      expect(await a.transition(r.id, moves.start(), { startedAt: 5 })).toBeNull();
      expect(await a.transition('gen-missing', moves.start())).toBeNull();
    });

    it('requeue: only a running generation, only the run it names, once', async () => {
      const r = record();
      await a.create(r);
      expect(await a.transition(r.id, moves.requeue(7))).toBeNull(); // queued, not running
      await a.transition(r.id, moves.start(), { startedAt: 7, attempts: 1 });
      expect(await b.transition(r.id, moves.requeue(8))).toBeNull(); // another run's start time
      const results = await Promise.all(Array.from({ length: CALLERS }, (_, i) => replica(i).transition(r.id, moves.requeue(7))));
      expect(results.filter((x) => x !== null)).toHaveLength(1);
      expect((await a.get(r.id))?.status).toBe('queued');
      expect(await a.transition(r.id, moves.requeue(7))).toBeNull(); // queued again: nothing to requeue
    });

    it('finish: of workers finishing the same generation exactly one wins, and its patch is the one stored', async () => {
      const r = record({ status: 'running', startedAt: 10 });
      await a.create(r);
      const statuses: TerminalStatus[] = ['succeeded', 'failed', 'canceled'];
      const results = await Promise.all(
        Array.from({ length: CALLERS }, (_, i) =>
          replica(i).transition(r.id, moves.finish(statuses[i % 3]), { finishedAt: 2_000 + i, outputs: [`o${i}`] }),
        ),
      );
      expect(results.filter((x) => x !== null)).toHaveLength(1);
      const i = results.findIndex((x) => x !== null);
      expect(await a.get(r.id)).toEqual({ ...r, status: statuses[i % 3], finishedAt: 2_000 + i, outputs: [`o${i}`] });
    });

    it('a cancel narrowed to queued and a start race: exactly one of them wins', async () => {
      const records = Array.from({ length: 8 }, () => record());
      for (const r of records) await a.create(r);
      for (const [k, r] of records.entries()) {
        const [started, canceled] = await Promise.all([
          replica(k).transition(r.id, moves.start(), { startedAt: 1, attempts: 1 }),
          replica(k + 1).transition(r.id, moves.finish('canceled', ['queued']), { finishedAt: 2 }),
        ]);
        expect([started, canceled].filter((x) => x !== null)).toHaveLength(1);
        expect((await a.get(r.id))?.status).toBe(started ? 'running' : 'canceled');
      }
      // Once running, the narrowed cancel cannot overtake the worker.
      const running = record();
      await a.create(running);
      await a.transition(running.id, moves.start(), { startedAt: 3, attempts: 1 });
      expect(await b.transition(running.id, moves.finish('canceled', ['queued']))).toBeNull();
      expect((await a.get(running.id))?.status).toBe('running');
    });

    it('no backwards move: a terminal record refuses start, requeue, another finish and a smuggled status, and stays as it was', async () => {
      for (const status of TERMINAL_STATUSES as readonly TerminalStatus[]) {
        const r = record({ status: 'running', startedAt: 50 });
        await a.create(r);
        await a.transition(r.id, moves.finish(status), { finishedAt: 60 });
        const done = await a.get(r.id);
        const late = await Promise.all([
          b.transition(r.id, moves.start(), { startedAt: 70 }),
          a.transition(r.id, moves.requeue(50)),
          b.transition(r.id, moves.finish('succeeded'), { outputs: ['late'] }),
          a.transition(r.id, moves.finish('failed'), { error: { code: 'X', message: 'late' } }),
          b.transition(r.id, moves.finish('canceled')),
        ]);
        expect(late).toEqual([null, null, null, null, null]);
        await b.update(r.id, { status: 'queued' } as unknown as RecordPatch);
        expect(await b.get(r.id)).toEqual(done);
      }
    });
  });
}
