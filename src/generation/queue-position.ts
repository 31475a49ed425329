/**
 * A queued generation's place in line and an estimate of when it starts, from one
 * QueueSnapshot (src/generation/queue-snapshot.ts):
 *
 * - `position`: 1 + the number of generations queued before it (creation time, then id), over
 *   the whole generation queue: every worker takes from the one queue whatever the model.
 * - `etaMs`: the recent per-model throughput, replayed. A run of model m takes the mean of the
 *   last `perModelWindow` succeeded runs of m (slot time: start to finish, so storage is in it;
 *   a model without runs takes the mean of all). The worker slots are the most runs seen
 *   overlapping in the window (at least 1). A generation is only ever seen queued while every
 *   slot is busy, so the slots are taken to free up evenly over one mean run; each generation
 *   ahead then takes the slot that frees first. Null until some run has been seen.
 *
 * An estimate: a retried generation keeps its creation time (so it is counted ahead of later
 * ones even when its queue's backoff holds it back), and a stopped worker is not noticed.
 */
import type { FinishedRun, QueueSnapshot } from './queue-snapshot.js';

export interface QueuePlace {
  /** 1 = the next generation a free worker takes. */
  position: number;
  /** Estimated milliseconds until a worker starts it; null when there is no run to learn from. */
  etaMs: number | null;
}

export interface QueueEstimateOptions {
  /** Runs per model that make its mean (default 20). */
  perModelWindow?: number;
}

interface Throughput {
  meanMs: Map<string, number>;
  overallMeanMs: number;
  slots: number;
}

/** The most runs that overlapped in time (a sweep over starts and finishes; a finish at t frees before a start at t). */
function observedConcurrency(runs: readonly FinishedRun[]): number {
  const edges: Array<[number, number]> = [];
  for (const run of runs) edges.push([run.startedAt, 1], [run.finishedAt, -1]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let most = 0;
  for (const [, delta] of edges) {
    running += delta;
    if (running > most) most = running;
  }
  return Math.max(1, most);
}

function throughput(runs: readonly FinishedRun[], perModelWindow: number): Throughput | undefined {
  const samples = new Map<string, number[]>();
  const valid = runs.filter((r) => Number.isFinite(r.startedAt) && Number.isFinite(r.finishedAt) && r.finishedAt >= r.startedAt);
  for (const run of valid) {
    const list = samples.get(run.model) ?? [];
    if (list.length < perModelWindow) list.push(run.finishedAt - run.startedAt);
    samples.set(run.model, list);
  }
  const all = [...samples.values()].flat();
  if (all.length === 0) return undefined;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    meanMs: new Map([...samples].map(([model, xs]) => [model, mean(xs)])),
    overallMeanMs: mean(all),
    slots: observedConcurrency(valid),
  };
}

/** Place and estimated start of every queued generation in the snapshot, by id. */
export function estimateQueuePlaces(snapshot: QueueSnapshot, options: QueueEstimateOptions = {}): Map<string, QueuePlace> {
  const places = new Map<string, QueuePlace>();
  const rate = throughput(snapshot.recentRuns, options.perModelWindow ?? 20);
  // When each slot frees next, staggered over one mean run (see the header).
  const freeAt = rate ? Array.from({ length: rate.slots }, (_, i) => (rate.overallMeanMs * (i + 1)) / (rate.slots + 1)) : [];
  snapshot.queued.forEach((entry, index) => {
    if (!rate) {
      places.set(entry.id, { position: index + 1, etaMs: null });
      return;
    }
    let slot = 0;
    for (let i = 1; i < freeAt.length; i++) if (freeAt[i] < freeAt[slot]) slot = i;
    places.set(entry.id, { position: index + 1, etaMs: Math.round(freeAt[slot]) });
    freeAt[slot] += rate.meanMs.get(entry.model) ?? rate.overallMeanMs;
  });
  return places;
}
