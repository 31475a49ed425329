/**
 * The storage contract of generations, shared by every api-server replica and worker:
 * embedded SQLite on one machine, PostgreSQL or Redis across machines (src/state). Progress
 * fan-out uses each store's own means (SQLite: polling the shared file; PostgreSQL:
 * LISTEN/NOTIFY; Redis: pub/sub).
 */
import type { GenerationEvent, GenerationEventType, GenerationRecord, RecordPatch } from './generation-record.js';
import type { Move } from './lifecycle.js';
import type { QueueSnapshot, QueueSnapshotOptions } from './queue-snapshot.js';

/**
 * Admission limits, counted over the stored records and reserved by the insert itself, in one
 * atomic step across every api-server replica (so two concurrent requests cannot both take the
 * last slot).
 */
export interface AdmissionQuota {
  /** Generations queued in all: the global queue-depth limit. */
  maxQueued: number;
  /** Queued generations of one client. */
  maxQueuedPerClient: number;
  /** Queued plus running generations of one client. */
  maxActivePerClient: number;
}

/** Which limit refused a generation, and how many were counted against it. */
export type QuotaScope = 'queue' | 'client_queued' | 'client_active';
export type Admission = { admitted: true } | { admitted: false; scope: QuotaScope; limit: number; count: number };

export interface ActiveListOptions {
  /** ms since epoch */
  createdBefore: number;
  limit: number;
}

/**
 * What a transition writes besides the record, in the same atomic step, and only when this call
 * makes the move: a finish carries its terminal event and owes its completion message, so a
 * finished generation without its event, or whose completion was never published, cannot be
 * left behind by a crash or by an outage that swallowed the write's acknowledgement.
 */
export interface TransitionEffects {
  /** Appended as the generation's next event (the terminal event of a finish). */
  event?: { type: GenerationEventType; data: Record<string, unknown> };
  /**
   * The completion message is owed (the outbox, src/generation/completion-outbox.ts): it stays
   * owed until `settleCompletion`, and the reconciler publishes what stays owed too long.
   */
  completionPending?: boolean;
}

export interface FinishedListOptions {
  /** ms since epoch */
  finishedBefore: number;
  limit: number;
}

export interface GenerationStore {
  readonly kind: 'sqlite' | 'postgres' | 'redis';
  create(record: GenerationRecord): Promise<void>;
  /** `create` (of a queued record), only while `quota` allows it: count and insert are one atomic step. */
  createWithinQuota(record: GenerationRecord, quota: AdmissionQuota): Promise<Admission>;
  get(id: string): Promise<GenerationRecord | null>;
  /** Patch fields other than the status; returns the updated record or null if missing. */
  update(id: string, patch: RecordPatch): Promise<GenerationRecord | null>;
  /**
   * Compare-and-set, atomic across processes: only while the status is one of `move.from`
   * (and `startedAt` is `move.runStartedAt`, when set), set `move.to` and `patch` together,
   * with `effects` (an event, the owed completion) in the same write. Returns the record as written when this call made the move; null when the record is
   * missing or another caller moved it first (that caller alone stores, emits and notifies).
   */
  transition(id: string, move: Move, patch?: RecordPatch, effects?: TransitionEffects): Promise<GenerationRecord | null>;
  /** The owed completion was published: no longer owed. False when it was not owed (settled already, or no such record). */
  settleCompletion(id: string): Promise<boolean>;
  /**
   * Finished generations whose completion is still owed, that finished before `finishedBefore`,
   * oldest first, at most `limit`: what the outbox publishes again.
   */
  listPendingCompletions(options: FinishedListOptions): Promise<GenerationRecord[]>;
  appendEvent(id: string, type: GenerationEventType, data: Record<string, unknown>): Promise<GenerationEvent>;
  events(id: string, afterSeq?: number): Promise<GenerationEvent[]>;
  /**
   * Generations still queued or running that were created before `createdBefore`, oldest
   * first, at most `limit`: what the reconciler (src/generation/reconciler.ts) checks for a
   * live job.
   */
  listActive(options: ActiveListOptions): Promise<GenerationRecord[]>;
  /**
   * Removes a finished generation: its record and its events, at once for every replica. Only a
   * terminal one: an active generation is ended first (src/generation/retention.ts), so no worker
   * writes images for a record that is gone. False when there was none to remove (missing, removed
   * by a concurrent caller, or still active).
   */
  remove(id: string): Promise<boolean>;
  /**
   * Ids of generations that finished before `finishedBefore`, oldest first, at most `limit`: what
   * the retention sweep removes. (Redis may list an id whose record already expired: its images
   * still have to go.)
   */
  listFinished(options: FinishedListOptions): Promise<string[]>;
  /** Live events for one generation (all replicas see all events). Returns an unsubscribe function. */
  subscribe(id: string, listener: (event: GenerationEvent) => void): Promise<() => Promise<void>>;
  /**
   * The queued generations in queue order and the most recent succeeded runs: what a queued
   * generation's `position` and `eta_ms` are computed from (src/generation/queue-position.ts).
   */
  queueSnapshot(options: QueueSnapshotOptions): Promise<QueueSnapshot>;
  close(): Promise<void>;
}
