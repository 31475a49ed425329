/**
 * Generation state in a SQLite file (WAL) shared by every process on one machine. Updates
 * are read-modify-write inside `BEGIN IMMEDIATE` transactions, which SQLite serialises
 * across processes; a transition's write is a compare-and-set (`UPDATE ... WHERE status IN
 * (...)`) whose changed-row count says who won. Admission counts and inserts in one such
 * transaction. Fan-out polls the events table by its global rowid at a short interval.
 * A transition's event and owed completion (`TransitionEffects`) are written in the
 * transaction of its compare-and-set.
 *
 * A lock held by another process never blocks the event loop for long: better-sqlite3 waits
 * for a lock synchronously (`busy_timeout`), so that wait is kept to a few milliseconds, and
 * the rest of the wait (`lockWaitMs`) happens between event-loop turns; after it the call
 * fails with DSC_ERR_STATE_BUSY (503, retryable).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DiffscopeError } from '../errors/index.js';
import { SHORT_BUSY_TIMEOUT_MS, whileLocked } from '../sqlite/lock-wait.js';
import { judgeAdmission } from './admission.js';
import { EventHub } from './event-hub.js';
import type {
  Admission,
  AdmissionQuota,
  GenerationEvent,
  GenerationEventType,
  GenerationRecord,
  GenerationStore,
  Move,
  QueueSnapshot,
  QueueSnapshotOptions,
  RecordPatch,
  TransitionEffects,
} from '../generation/index.js';
import type { ActiveListOptions, FinishedListOptions } from '../generation/index.js';
import { cleanPatch, DuplicateGenerationError, MissingGenerationError } from './record-patch.js';

export interface SqliteGenerationStoreOptions {
  file: string;
  /** How often subscribers' events are polled for (only while someone subscribes). */
  pollMs?: number;
  /** How long one statement may block the event loop waiting for a lock (SQLite busy_timeout); default 10. */
  busyTimeoutMs?: number;
  /** How long a call keeps retrying a locked database, without blocking, before DSC_ERR_STATE_BUSY; default 2000. */
  lockWaitMs?: number;
}

interface EventRow {
  gid: number;
  id: string;
  seq: number;
  type: GenerationEventType;
  data: string;
  at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS generations (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  record TEXT NOT NULL,
  event_seq INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,
  completion_pending INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS generation_events (
  gid INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  at INTEGER NOT NULL,
  UNIQUE (id, seq)
);
CREATE INDEX IF NOT EXISTS generations_queued ON generations (status) WHERE status = 'queued';
CREATE INDEX IF NOT EXISTS generations_client_active ON generations (json_extract(record, '$.clientId'), status)
  WHERE status IN ('queued', 'running');
-- The throughput window of queue ETAs: the latest succeeded runs (queueSnapshot).
CREATE INDEX IF NOT EXISTS generations_succeeded ON generations (updated_at) WHERE status = 'succeeded';
-- What the retention sweep removes: finished generations by finish time (listFinished).
CREATE INDEX IF NOT EXISTS generations_finished ON generations (json_extract(record, '$.finishedAt'))
  WHERE status IN ('succeeded', 'failed', 'canceled');
`;

/** Added after the table first shipped: files made before it get the column here (see migrate()). */
const COMPLETION_PENDING_INDEX = `
-- The outbox: finished generations whose completion message is still owed (listPendingCompletions).
CREATE INDEX IF NOT EXISTS generations_completion_pending ON generations (json_extract(record, '$.finishedAt'))
  WHERE completion_pending = 1;
`;

const toEvent = (row: EventRow): GenerationEvent => ({
  seq: row.seq,
  type: row.type,
  data: JSON.parse(row.data) as Record<string, unknown>,
  at: row.at,
});

export class SqliteGenerationStore implements GenerationStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly hub: EventHub;
  private readonly pollMs: number;
  private readonly lockWaitMs: number;
  private pollTimer: NodeJS.Timeout | null = null;
  private cursor = 0;

  constructor(options: SqliteGenerationStoreOptions) {
    const file = path.resolve(options.file);
    mkdirSync(path.dirname(file), { recursive: true });
    const busyTimeoutMs = options.busyTimeoutMs ?? SHORT_BUSY_TIMEOUT_MS;
    this.lockWaitMs = options.lockWaitMs ?? 2_000;
    // Opening and migrating happen once at start, before any request: they may wait the long way.
    this.db = new Database(file, { timeout: Math.max(busyTimeoutMs, this.lockWaitMs) });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.migrate();
    this.db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    this.pollMs = options.pollMs ?? 25;
    const db = this.db;
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO generations (id, status, record, updated_at) VALUES (@id, @status, @record, @now) ON CONFLICT (id) DO NOTHING`,
      ),
      get: db.prepare(`SELECT record FROM generations WHERE id = ?`),
      countQueued: db.prepare(`SELECT COUNT(*) AS n FROM generations WHERE status = 'queued'`),
      countClient: db.prepare(
        `SELECT COALESCE(SUM(status = 'queued'), 0) AS queued, COUNT(*) AS active FROM generations
         WHERE json_extract(record, '$.clientId') = ? AND status IN ('queued', 'running')`,
      ),
      write: db.prepare(`UPDATE generations SET record = @record, updated_at = @now WHERE id = @id`),
      compareAndSet: db.prepare(
        `UPDATE generations SET status = @to, record = @record, updated_at = @now
         WHERE id = @id AND status IN (SELECT value FROM json_each(@from))
           AND (@runStartedAt IS NULL OR json_extract(record, '$.startedAt') = @runStartedAt)`,
      ),
      bumpSeq: db.prepare(`UPDATE generations SET event_seq = event_seq + 1 WHERE id = ? RETURNING event_seq`),
      owe: db.prepare(`UPDATE generations SET completion_pending = 1 WHERE id = ?`),
      settle: db.prepare(`UPDATE generations SET completion_pending = 0 WHERE id = ? AND completion_pending = 1`),
      // Served by the partial index generations_completion_pending (same expression, same WHERE).
      pendingBefore: db.prepare(
        `SELECT record FROM generations WHERE completion_pending = 1 AND json_extract(record, '$.finishedAt') < ?
         ORDER BY json_extract(record, '$.finishedAt') LIMIT ?`,
      ),
      latestSeq: db.prepare(`SELECT event_seq FROM generations WHERE id = ?`),
      insertEvent: db.prepare(`INSERT INTO generation_events (id, seq, type, data, at) VALUES (@id, @seq, @type, @data, @at)`),
      events: db.prepare(`SELECT gid, id, seq, type, data, at FROM generation_events WHERE id = ? AND seq > ? ORDER BY seq`),
      maxGid: db.prepare(`SELECT COALESCE(MAX(gid), 0) AS gid FROM generation_events`),
      // Served by the partial index generations_client_active (same WHERE on status).
      activeBefore: db.prepare(
        `SELECT record FROM generations WHERE status IN ('queued', 'running') AND json_extract(record, '$.createdAt') < ?
         ORDER BY json_extract(record, '$.createdAt') LIMIT ?`,
      ),
      since: db.prepare(`SELECT gid, id, seq, type, data, at FROM generation_events WHERE gid > ? ORDER BY gid LIMIT 1000`),
      removeFinished: db.prepare(`DELETE FROM generations WHERE id = ? AND status IN ('succeeded', 'failed', 'canceled')`),
      removeEvents: db.prepare(`DELETE FROM generation_events WHERE id = ?`),
      // Served by the partial index generations_finished (same expression, same WHERE on status).
      finishedBefore: db.prepare(
        `SELECT id FROM generations WHERE status IN ('succeeded', 'failed', 'canceled') AND json_extract(record, '$.finishedAt') < ?
         ORDER BY json_extract(record, '$.finishedAt') LIMIT ?`,
      ),
      queued: db.prepare(
        `SELECT id, json_extract(record, '$.params.model') AS model, json_extract(record, '$.createdAt') AS createdAt
         FROM generations WHERE status = 'queued' ORDER BY createdAt, id`,
      ),
      recentRuns: db.prepare(
        `SELECT json_extract(record, '$.params.model') AS model, json_extract(record, '$.startedAt') AS startedAt,
                json_extract(record, '$.finishedAt') AS finishedAt
         FROM generations WHERE status = 'succeeded' ORDER BY updated_at DESC LIMIT ?`,
      ),
    };
    this.hub = new EventHub({ events: (id, after) => this.events(id, after), latestSeq: async (id) => this.readLatestSeq(id) });
  }

  /**
   * The tables, and the column files made by earlier versions lack: added in an IMMEDIATE
   * transaction that looks again, so two processes starting at once do not both add it. A file
   * that has everything is only read (no write lock: a process can start while another holds it).
   */
  private migrate(): void {
    this.db.exec(SCHEMA);
    const hasColumn = () =>
      (this.db.prepare(`SELECT name FROM pragma_table_info('generations')`).all() as Array<{ name: string }>).some(
        (c) => c.name === 'completion_pending',
      );
    if (!hasColumn()) {
      this.db
        .transaction(() => {
          if (!hasColumn()) this.db.exec(`ALTER TABLE generations ADD COLUMN completion_pending INTEGER NOT NULL DEFAULT 0`);
        })
        .immediate();
    }
    this.db.exec(COMPLETION_PENDING_INDEX);
  }

  /**
   * Run `fn` (synchronous, one statement or one transaction); while another process holds the
   * lock, try again between event-loop turns until `lockWaitMs` (src/sqlite/lock-wait.ts).
   */
  private locked<T>(fn: () => T): Promise<T> {
    return whileLocked(fn, {
      lockWaitMs: this.lockWaitMs,
      busyError: (cause) =>
        new DiffscopeError('DSC_ERR_STATE_BUSY', `the state database is locked by another process (waited ${this.lockWaitMs} ms)`, {
          cause,
        }),
    });
  }

  private insert(record: GenerationRecord): void {
    const inserted = this.stmts.insert.run({ id: record.id, status: record.status, record: JSON.stringify(record), now: Date.now() });
    if (inserted.changes !== 1) throw new DuplicateGenerationError(record.id);
  }

  async create(record: GenerationRecord): Promise<void> {
    await this.locked(() => this.insert(record));
  }

  async createWithinQuota(record: GenerationRecord, quota: AdmissionQuota): Promise<Admission> {
    return this.locked(() =>
      this.db
        .transaction((): Admission => {
          const client = this.stmts.countClient.get(record.clientId) as { queued: number; active: number };
          const queued = (this.stmts.countQueued.get() as { n: number }).n;
          const admission = judgeAdmission({ queued, clientQueued: client.queued, clientActive: client.active }, quota);
          if (admission.admitted) this.insert(record);
          return admission;
        })
        .immediate(),
    );
  }

  async get(id: string): Promise<GenerationRecord | null> {
    return this.locked(() => {
      const row = this.stmts.get.get(id) as { record: string } | undefined;
      return row ? (JSON.parse(row.record) as GenerationRecord) : null;
    });
  }

  /** Read, merge and write in one IMMEDIATE transaction: no other process writes in between. */
  private modify<T>(id: string, change: (current: GenerationRecord) => T): Promise<T | null> {
    return this.locked(() =>
      this.db
        .transaction(() => {
          const row = this.stmts.get.get(id) as { record: string } | undefined;
          return row ? change(JSON.parse(row.record) as GenerationRecord) : null;
        })
        .immediate(),
    );
  }

  async update(id: string, patch: RecordPatch): Promise<GenerationRecord | null> {
    return this.modify(id, (current) => {
      const next = { ...current, ...cleanPatch(patch) };
      this.stmts.write.run({ id, record: JSON.stringify(next), now: Date.now() });
      return next;
    });
  }

  async transition(id: string, move: Move, patch: RecordPatch = {}, effects: TransitionEffects = {}): Promise<GenerationRecord | null> {
    const moved = await this.modify(id, (current) => {
      const next: GenerationRecord = { ...current, ...cleanPatch(patch), status: move.to };
      const written = this.stmts.compareAndSet.run({
        id,
        to: move.to,
        record: JSON.stringify(next),
        from: JSON.stringify(move.from),
        runStartedAt: move.runStartedAt ?? null,
        now: Date.now(),
      });
      if (written.changes !== 1) return null;
      // Same transaction: the move, its event and its owed completion commit together or not at all.
      if (effects.completionPending) this.stmts.owe.run(id);
      const event = effects.event ? this.insertEvent(id, effects.event.type, effects.event.data) : undefined;
      return { record: next, event };
    });
    if (moved?.event) this.hub.dispatch(id, moved.event);
    return moved?.record ?? null;
  }

  async settleCompletion(id: string): Promise<boolean> {
    return this.locked(() => this.stmts.settle.run(id).changes === 1);
  }

  async listPendingCompletions(options: FinishedListOptions): Promise<GenerationRecord[]> {
    return this.locked(() =>
      (this.stmts.pendingBefore.all(options.finishedBefore, options.limit) as Array<{ record: string }>).map(
        (row) => JSON.parse(row.record) as GenerationRecord,
      ),
    );
  }

  /** The next event of a generation; inside a transaction. */
  private insertEvent(id: string, type: GenerationEventType, data: Record<string, unknown>): GenerationEvent {
    const bumped = this.stmts.bumpSeq.get(id) as { event_seq: number } | undefined;
    if (!bumped) throw new MissingGenerationError(id);
    const event: GenerationEvent = { seq: bumped.event_seq, type, data, at: Date.now() };
    this.stmts.insertEvent.run({ id, seq: event.seq, type, data: JSON.stringify(data), at: event.at });
    return event;
  }

  async appendEvent(id: string, type: GenerationEventType, data: Record<string, unknown>): Promise<GenerationEvent> {
    const event = await this.locked(() => this.db.transaction(() => this.insertEvent(id, type, data)).immediate());
    this.hub.dispatch(id, event); // local subscribers need not wait for the poll
    return event;
  }

  async events(id: string, afterSeq = 0): Promise<GenerationEvent[]> {
    return this.locked(() => (this.stmts.events.all(id, afterSeq) as EventRow[]).map(toEvent));
  }

  private readLatestSeq(id: string): number {
    const row = this.stmts.latestSeq.get(id) as { event_seq: number } | undefined;
    return row?.event_seq ?? 0;
  }

  async subscribe(id: string, listener: (event: GenerationEvent) => void): Promise<() => Promise<void>> {
    return this.hub.subscribe(id, listener, {
      onFirst: async () => this.startPolling(),
      onLast: async () => {
        if (this.hub.ids().length === 0) this.stopPolling();
      },
    });
  }

  private startPolling(): void {
    if (this.pollTimer) return;
    this.cursor = (this.stmts.maxGid.get() as { gid: number }).gid;
    const tick = () => {
      try {
        for (const row of this.stmts.since.all(this.cursor) as EventRow[]) {
          this.cursor = row.gid;
          if (this.hub.has(row.id)) this.hub.dispatch(row.id, toEvent(row));
        }
      } catch {
        // busy or closing: the next tick catches up from the same cursor
      }
    };
    this.pollTimer = setInterval(tick, this.pollMs);
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  async queueSnapshot(options: QueueSnapshotOptions): Promise<QueueSnapshot> {
    return this.locked(() => ({
      queued: this.stmts.queued.all() as QueueSnapshot['queued'],
      recentRuns: (this.stmts.recentRuns.all(options.recentRuns) as QueueSnapshot['recentRuns']).filter(
        (r) => r.startedAt != null && r.finishedAt != null,
      ),
    }));
  }

  async listActive(options: ActiveListOptions): Promise<GenerationRecord[]> {
    return this.locked(() =>
      (this.stmts.activeBefore.all(options.createdBefore, options.limit) as Array<{ record: string }>).map(
        (row) => JSON.parse(row.record) as GenerationRecord,
      ),
    );
  }

  async remove(id: string): Promise<boolean> {
    return this.locked(() =>
      this.db
        .transaction(() => {
          if (this.stmts.removeFinished.run(id).changes !== 1) return false;
          this.stmts.removeEvents.run(id);
          return true;
        })
        .immediate(),
    );
  }

  async listFinished(options: FinishedListOptions): Promise<string[]> {
    return this.locked(() =>
      (this.stmts.finishedBefore.all(options.finishedBefore, options.limit) as Array<{ id: string }>).map((row) => row.id),
    );
  }

  async close(): Promise<void> {
    this.stopPolling();
    this.hub.clear();
    this.db.close();
  }
}
