/**
 * What the stores answer about the queue, for a queued generation's place and its estimated
 * wait (src/generation/queue-position.ts). Read from the shared state store rather than from
 * the queue transport: RabbitMQ has no positional query at all, and the store holds the same
 * facts for every backend (SQLite, Redis/BullMQ, RabbitMQ), so one rule gives one answer
 * whichever queue carries the jobs.
 */

/** A queued generation, as far as its place in line goes. */
export interface QueuedEntry {
  id: string;
  model: string;
  /** When the api-server accepted it (ms since epoch): the queue's order. */
  createdAt: number;
}

/** A finished run: how long a worker slot was busy with one generation of `model`. */
export interface FinishedRun {
  model: string;
  startedAt: number;
  finishedAt: number;
}

export interface QueueSnapshot {
  /** Every queued generation, oldest first (createdAt, then id). */
  queued: QueuedEntry[];
  /** The most recent succeeded runs, newest first. */
  recentRuns: FinishedRun[];
}

export interface QueueSnapshotOptions {
  /** How many recent runs to return (the throughput window). */
  recentRuns: number;
}

/** Orders queued entries as the stores must: creation time, then id (ties are common at ms resolution). */
export function byQueueOrder(a: QueuedEntry, b: QueuedEntry): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
