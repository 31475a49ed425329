/**
 * Generation state in a SQLite file (WAL) shared by every process on one machine. Updates
 * are read-modify-write inside `BEGIN IMMEDIATE` transactions, which SQLite serialises
 * across processes; a transition's write is a compare-and-set (`UPDATE ... WHERE status IN
 * (...)`) whose changed-row count says who won. Admission counts and inserts in one such
 * transaction. Fan-out polls the events table by its global rowid at a short interval.
 *
 * A lock held by another process never blocks the event loop for long: better-sqlite3 waits
 * for a lock synchronously (`busy_timeout`), so that wait is kept to a few milliseconds, and
 * the rest of the wait (`lockWaitMs`) happens between event-loop turns; after it the call
 * fails with DSC_ERR_STATE_BUSY (503, retryable).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DiffscopeError } from '../errors/index.js';
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

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
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
  updated_at INTEGER NOT NULL
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
    const busyTimeoutMs = options.busyTimeoutMs ?? 10;
    this.lockWaitMs = options.lockWaitMs ?? 2_000;
    // Opening and migrating happen once at start, before any request: they may wait the long way.
    this.db = new Database(file, { timeout: Math.max(busyTimeoutMs, this.lockWaitMs) });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
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
   * Run `fn` (synchronous, one statement or one transaction); while another process holds the
   * lock, try again after a short pause that lets the event loop run, until `lockWaitMs`.
   */
  private async locked<T>(fn: () => T): Promise<T> {
    const deadline = Date.now() + this.lockWaitMs;
    for (let pauseMs = 2; ; pauseMs = Math.min(pauseMs * 2, 50)) {
      try {
        return fn();
      } catch (err) {
        if (!isBusy(err)) throw err;
        if (Date.now() + pauseMs > deadline) {
          throw new DiffscopeError('DSC_ERR_STATE_BUSY', `the state database is locked by another process (waited ${this.lockWaitMs} ms)`, { cause: err });
        }
      }
      await sleep(pauseMs);
    }
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

  async transition(id: string, move: Move, patch: RecordPatch = {}): Promise<GenerationRecord | null> {
    return this.modify(id, (current) => {
      const next: GenerationRecord = { ...current, ...cleanPatch(patch), status: move.to };
      const written = this.stmts.compareAndSet.run({
        id,
        to: move.to,
        record: JSON.stringify(next),
        from: JSON.stringify(move.from),
        runStartedAt: move.runStartedAt ?? null,
        now: Date.now(),
      });
      return written.changes === 1 ? next : null;
    });
  }

  async appendEvent(id: string, type: GenerationEventType, data: Record<string, unknown>): Promise<GenerationEvent> {
    const event = await this.locked(() =>
      this.db
        .transaction(() => {
          const bumped = this.stmts.bumpSeq.get(id) as { event_seq: number } | undefined;
          if (!bumped) throw new MissingGenerationError(id);
          const e: GenerationEvent = { seq: bumped.event_seq, type, data, at: Date.now() };
          this.stmts.insertEvent.run({ id, seq: e.seq, type, data: JSON.stringify(data), at: e.at });
          return e;
        })
        .immediate(),
    );
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
      recentRuns: (this.stmts.recentRuns.all(options.recentRuns) as QueueSnapshot['recentRuns']).filter((r) => r.startedAt != null && r.finishedAt != null),
    }));
  }

  async listActive(options: ActiveListOptions): Promise<GenerationRecord[]> {
    return this.locked(() =>
      (this.stmts.activeBefore.all(options.createdBefore, options.limit) as Array<{ record: string }>).map((row) => JSON.parse(row.record) as GenerationRecord),
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
    return this.locked(() => (this.stmts.finishedBefore.all(options.finishedBefore, options.limit) as Array<{ id: string }>).map((row) => row.id));
  }

  async close(): Promise<void> {
    this.stopPolling();
    this.hub.clear();
    this.db.close();
  }
}
