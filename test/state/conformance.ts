/**
 * One suite every GenerationStore passes. Two instances over the same storage stand for two
 * replicas (api-server + worker, or two api-servers); closing one and opening another stands
 * for a restart.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moves, type GenerationEvent, type GenerationRecord, type GenerationStore } from '../../src/generation/index.js';
import { waitFor } from '../queue/conformance.js';

export interface StoreTarget {
  name: string;
  unavailable: string | null;
  /** A new instance over the same storage (same file / prefix). */
  open(): Promise<GenerationStore>;
  /** Remove everything the run created. */
  cleanup(): Promise<void>;
}

export function record(overrides: Partial<GenerationRecord> = {}): GenerationRecord {
  return {
    id: `gen-${randomUUID()}`,
    clientId: 'anonymous',
    status: 'queued',
    params: { model: 'shapes-v1', sampler: 'euler', steps: 4, cfgScale: 7.5, seed: 42, width: 64, height: 64, n: 1 },
    promptHash: 'ab'.repeat(32),
    traceId: '0af7651916cd43dd8448eb211c80319c',
    createdAt: Date.now(),
    attempts: 0,
    outputs: [],
    cancelRequested: false,
    ...overrides,
  };
}

export function storeConformance(target: StoreTarget): void {
  if (target.unavailable && process.env.CI === 'true') {
    throw new Error(`${target.name} store conformance cannot run under CI: ${target.unavailable}`);
  }
  if (target.unavailable) console.warn(`skipping ${target.name} store conformance: ${target.unavailable}`);

  describe.skipIf(target.unavailable !== null)(`GenerationStore conformance: ${target.name}`, () => {
    let a: GenerationStore;
    let b: GenerationStore;

    beforeAll(async () => {
      a = await target.open();
      b = await target.open();
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      if (!target.unavailable) await target.cleanup();
    });

    it('creates and reads back a record on both replicas; rejects a duplicate id', async () => {
      const r = record({ webhook: { url: 'https://example.com/hook', events: ['succeeded'] } });
      await a.create(r);
      expect(await a.get(r.id)).toEqual(r);
      expect(await b.get(r.id)).toEqual(r);
      expect(await b.get('gen-missing')).toBeNull();
      await expect(b.create(r)).rejects.toThrow(/exists/);
    });

    it('patches shallowly, skips undefined, keeps id and status, answers null for a missing id', async () => {
      const r = record();
      await a.create(r);
      const updated = await b.update(r.id, { startedAt: 123, queueMs: 7, modelVersion: undefined });
      expect(updated).toEqual({ ...r, startedAt: 123, queueMs: 7 });
      expect(await a.get(r.id)).toEqual(updated);
      const again = await a.update(r.id, { outputs: ['file:///x/0.png'], attempts: 2, error: { code: 'E', message: 'm' } });
      expect(again?.outputs).toEqual(['file:///x/0.png']);
      expect(again?.status).toBe('queued');
      expect(again?.error).toEqual({ code: 'E', message: 'm' });
      // The status moves only through transition(): a patch that smuggles one in leaves it.
      const smuggled = { status: 'succeeded', id: 'other' } as unknown as Parameters<GenerationStore['update']>[1];
      expect((await b.update(r.id, smuggled))?.status).toBe('queued');
      expect(await a.get(r.id)).toEqual(again);
      expect(await a.update('gen-missing', { attempts: 1 })).toBeNull();
    });

    it('finishes exactly once under concurrent redeliveries on two replicas', async () => {
      const r = record({ status: 'running' });
      await a.create(r);
      const attempts = Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? a : b).transition(r.id, moves.finish('succeeded'), { outputs: [`file:///out/${i}.png`], finishedAt: 1000 + i }),
      );
      const results = await Promise.all(attempts);
      expect(results.filter((x) => x !== null)).toHaveLength(1);
      const winner = results.findIndex((x) => x !== null);
      const final = await b.get(r.id);
      expect(final).toEqual(results[winner]);
      expect(final?.status).toBe('succeeded');
      expect(final?.outputs).toEqual([`file:///out/${winner}.png`]);
      expect(await a.transition(r.id, moves.finish('failed'), { error: { code: 'X', message: 'late' } })).toBeNull();
      expect((await a.get(r.id))?.status).toBe('succeeded');
      expect(await a.transition('gen-missing', moves.finish('failed'))).toBeNull();
    });

    it('numbers events 1..N in order under concurrent appends from two replicas', async () => {
      const r = record();
      await a.create(r);
      const appended = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).appendEvent(r.id, 'progress', { step: i, list: [], nested: { ok: true } })),
      );
      expect(appended.map((e) => e.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      const all = await b.events(r.id);
      expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(all[0].data).toMatchObject({ list: [], nested: { ok: true } });
      expect(typeof all[0].at).toBe('number');
      const tail = await a.events(r.id, 15);
      expect(tail.map((e) => e.seq)).toEqual([16, 17, 18, 19, 20]);
      expect(await a.events('gen-missing')).toEqual([]);
      await expect(a.appendEvent('gen-missing', 'queued', {})).rejects.toThrow(/does not exist/);
    });

    it('fans out events appended on one replica to subscribers on the other, in order, once', async () => {
      const r = record();
      await a.create(r);
      await a.appendEvent(r.id, 'queued', {});
      const onB: GenerationEvent[] = [];
      const onA: GenerationEvent[] = [];
      const unsubB = await b.subscribe(r.id, (e) => onB.push(e));
      const unsubA = await a.subscribe(r.id, (e) => onA.push(e));
      await a.appendEvent(r.id, 'started', { attempt: 1 });
      for (let step = 1; step <= 5; step++) await a.appendEvent(r.id, 'progress', { step, total_steps: 5 });
      await b.appendEvent(r.id, 'succeeded', { outputs: ['file:///o.png'] });
      await waitFor(() => onB.length === 7 && onA.length === 7, 'seven live events on both replicas');
      expect(onB.map((e) => e.seq)).toEqual([2, 3, 4, 5, 6, 7, 8]);
      expect(onB.map((e) => e.type)).toEqual(['started', 'progress', 'progress', 'progress', 'progress', 'progress', 'succeeded']);
      expect(onB[2].data).toEqual({ step: 2, total_steps: 5 });
      expect(onA.map((e) => e.seq)).toEqual([2, 3, 4, 5, 6, 7, 8]);
      await unsubB();
      await a.appendEvent(r.id, 'progress', { after: 'unsubscribe' });
      await new Promise((res) => setTimeout(res, 200));
      expect(onB).toHaveLength(7);
      await waitFor(() => onA.length === 8, 'A still subscribed');
      await unsubA();
    });

    it('queueSnapshot: queued generations in queue order (creation time, then id) and the latest succeeded runs, on both replicas', async () => {
      // Far in the future, so they line up after whatever earlier cases left queued.
      const at = Date.now() + 1e9;
      const mine = [
        record({ id: `q-b-${randomUUID()}`, createdAt: at }),
        record({ id: `q-a-${randomUUID()}`, createdAt: at }),
        record({ createdAt: at - 1 }),
      ];
      for (const r of mine) await a.create(r);
      const expected = [mine[2].id, mine[1].id, mine[0].id];
      const tail = (await b.queueSnapshot({ recentRuns: 5 })).queued.slice(-3);
      expect(tail).toEqual(expected.map((id) => ({ id, model: 'shapes-v1', createdAt: mine.find((r) => r.id === id)!.createdAt })));

      // The oldest one runs and succeeds: it leaves the line and is the newest run.
      await a.transition(mine[2].id, moves.start(), { startedAt: at + 10 });
      await a.transition(mine[2].id, moves.finish('succeeded'), { finishedAt: at + 250 });
      const after = await b.queueSnapshot({ recentRuns: 5 });
      expect(after.queued.map((q) => q.id)).not.toContain(mine[2].id);
      expect(after.queued.slice(-2).map((q) => q.id)).toEqual([mine[1].id, mine[0].id]);
      expect(after.recentRuns[0]).toEqual({ model: 'shapes-v1', startedAt: at + 10, finishedAt: at + 250 });
      expect(after.recentRuns.length).toBeLessThanOrEqual(5);
      for (const r of mine.slice(0, 2)) await a.transition(r.id, moves.finish('canceled'));
    });

    it('keeps everything across a restart', async () => {
      const r = record();
      await a.create(r);
      await a.appendEvent(r.id, 'queued', { position: 1 });
      await a.transition(r.id, moves.finish('failed'), { error: { code: 'DSC_ERR_INFER_FAILED', message: 'x' }, finishedAt: 5 });
      await a.close();
      a = await target.open();
      const back = await a.get(r.id);
      expect(back?.status).toBe('failed');
      expect(back?.error?.code).toBe('DSC_ERR_INFER_FAILED');
      expect((await a.events(r.id)).map((e) => e.type)).toEqual(['queued']);
    });
  });
}
