/**
 * Generation state in a SQLite file (WAL) shared by every process on one machine. Updates
 * are read-modify-write inside `BEGIN IMMEDIATE` transactions, which SQLite serialises
 * across processes; a transition's write is a compare-and-set (`UPDATE ... WHERE status IN
 * (...)`) whose changed-row count says who won. Fan-out polls the events table by its global
 * rowid at a short interval.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { EventHub } from './event-hub.js';
import type { GenerationEvent, GenerationEventType, GenerationRecord, GenerationStore, Move, RecordPatch } from '../generation/index.js';
import { cleanPatch, DuplicateGenerationError, MissingGenerationError } from './record-patch.js';

export interface SqliteGenerationStoreOptions {
  file: string;
  /** How often subscribers' events are polled for (only while someone subscribes). */
  pollMs?: number;
  busyTimeoutMs?: number;
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
  private pollTimer: NodeJS.Timeout | null = null;
  private cursor = 0;

  constructor(options: SqliteGenerationStoreOptions) {
    const file = path.resolve(options.file);
    mkdirSync(path.dirname(file), { recursive: true });
    const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
    this.db = new Database(file, { timeout: busyTimeoutMs });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    this.db.exec(SCHEMA);
    this.pollMs = options.pollMs ?? 25;
    const db = this.db;
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO generations (id, status, record, updated_at) VALUES (@id, @status, @record, @now) ON CONFLICT (id) DO NOTHING`,
      ),
      get: db.prepare(`SELECT record FROM generations WHERE id = ?`),
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
      since: db.prepare(`SELECT gid, id, seq, type, data, at FROM generation_events WHERE gid > ? ORDER BY gid LIMIT 1000`),
    };
    this.hub = new EventHub({ events: (id, after) => this.events(id, after), latestSeq: async (id) => this.readLatestSeq(id) });
  }

  async create(record: GenerationRecord): Promise<void> {
    const inserted = this.stmts.insert.run({ id: record.id, status: record.status, record: JSON.stringify(record), now: Date.now() });
    if (inserted.changes !== 1) throw new DuplicateGenerationError(record.id);
  }

  async get(id: string): Promise<GenerationRecord | null> {
    const row = this.stmts.get.get(id) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as GenerationRecord) : null;
  }

  /** Read, merge and write in one IMMEDIATE transaction: no other process writes in between. */
  private modify<T>(id: string, change: (current: GenerationRecord) => T): T | null {
    return this.db
      .transaction(() => {
        const row = this.stmts.get.get(id) as { record: string } | undefined;
        return row ? change(JSON.parse(row.record) as GenerationRecord) : null;
      })
      .immediate();
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
    const event = this.db
      .transaction(() => {
        const bumped = this.stmts.bumpSeq.get(id) as { event_seq: number } | undefined;
        if (!bumped) throw new MissingGenerationError(id);
        const e: GenerationEvent = { seq: bumped.event_seq, type, data, at: Date.now() };
        this.stmts.insertEvent.run({ id, seq: e.seq, type, data: JSON.stringify(data), at: e.at });
        return e;
      })
      .immediate();
    this.hub.dispatch(id, event); // local subscribers need not wait for the poll
    return event;
  }

  async events(id: string, afterSeq = 0): Promise<GenerationEvent[]> {
    return (this.stmts.events.all(id, afterSeq) as EventRow[]).map(toEvent);
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

  async close(): Promise<void> {
    this.stopPolling();
    this.hub.clear();
    this.db.close();
  }
}
