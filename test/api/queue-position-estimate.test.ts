/** The estimate itself (src/generation/queue-position.ts), on hand-made snapshots. */
import { describe, expect, it } from 'vitest';
import { byQueueOrder, estimateQueuePlaces, type FinishedRun, type QueuedEntry } from '../../src/generation/index.js';

const queued = (...models: string[]): QueuedEntry[] => models.map((model, i) => ({ id: `g${i}`, model, createdAt: 1_000 + i }));
const run = (model: string, startedAt: number, ms: number): FinishedRun => ({ model, startedAt, finishedAt: startedAt + ms });

describe('estimateQueuePlaces', () => {
  it('numbers the queue from 1 and has no estimate before any run', () => {
    const places = estimateQueuePlaces({ queued: queued('a', 'a', 'b'), recentRuns: [] });
    expect([...places]).toEqual([
      ['g0', { position: 1, etaMs: null }],
      ['g1', { position: 2, etaMs: null }],
      ['g2', { position: 3, etaMs: null }],
    ]);
  });

  it("one slot: the running job is half done on average, then each one ahead adds its model's mean run", () => {
    // Sequential runs: one slot. Model a takes 1000 ms, b 3000 ms; c was never seen (mean of all).
    const runs = [run('a', 0, 1_000), run('a', 1_000, 1_000), run('b', 2_000, 3_000)];
    const places = estimateQueuePlaces({ queued: queued('a', 'b', 'c', 'a'), recentRuns: runs });
    const mean = (1_000 + 1_000 + 3_000) / 3;
    expect(places.get('g0')).toEqual({ position: 1, etaMs: Math.round(mean / 2) });
    expect(places.get('g1')).toEqual({ position: 2, etaMs: Math.round(mean / 2 + 1_000) });
    expect(places.get('g2')).toEqual({ position: 3, etaMs: Math.round(mean / 2 + 1_000 + 3_000) });
    expect(places.get('g3')).toEqual({ position: 4, etaMs: Math.round(mean / 2 + 1_000 + 3_000 + mean) });
  });

  it('takes as many slots as runs were seen overlapping, and fills the one that frees first', () => {
    // Two runs at a time: two slots, freeing at 1/3 and 2/3 of a 1200 ms run.
    const runs = [run('a', 0, 1_200), run('a', 600, 1_200), run('a', 1_200, 1_200), run('a', 1_800, 1_200)];
    const places = estimateQueuePlaces({ queued: queued('a', 'a', 'a'), recentRuns: runs });
    expect([...places.values()].map((p) => p.etaMs)).toEqual([400, 800, 1_600]);
  });

  it('keeps only the newest runs of each model (the window)', () => {
    // Newest first: two recent 100 ms runs, then old 10 s ones that fall out of a window of 2.
    const runs = [run('a', 50_000, 100), run('a', 40_000, 100), run('a', 0, 10_000), run('a', 20_000, 10_000)];
    const places = estimateQueuePlaces({ queued: queued('a', 'a'), recentRuns: runs }, { perModelWindow: 2 });
    expect(places.get('g1')?.etaMs).toBe(Math.round(100 / 2 + 100));
  });

  it("the stores' order: creation time, then id", () => {
    const entries: QueuedEntry[] = [
      { id: 'b', model: 'a', createdAt: 5 },
      { id: 'c', model: 'a', createdAt: 1 },
      { id: 'a', model: 'a', createdAt: 5 },
    ];
    expect(entries.sort(byQueueOrder).map((e) => e.id)).toEqual(['c', 'a', 'b']);
  });
});
