/**
 * The SQL side of the embedded queue: one SQLite file in WAL mode, shared by every process
 * on the machine. A message row is "leased" by writing the lease owner and pushing
 * `available_at` to the lease deadline, so a single index answers "what can be taken now":
 * waiting messages, retries whose backoff elapsed, and leases whose consumer stopped renewing.
 *
 * A lock held by another process (a backup tool, an operator's `sqlite3` shell, a stuck writer)
 * never freezes the event loop for long: each statement waits synchronously only a few
 * milliseconds (`busy_timeout`), and `locked()` waits the rest between event-loop turns, then
 * fails with DSC_ERR_QUEUE_UNAVAILABLE (503, retryable) — as the state store does
 * (src/sqlite/lock-wait.ts).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DiffscopeError } from '../errors/index.js';
import { SHORT_BUSY_TIMEOUT_MS, whileLocked } from '../sqlite/lock-wait.js';

export interface MessageRow {
  seq: number;
  id: string;
  payload: string;
  headers: string;
  attempt: number;
  last_error: string | null;
}

export interface DeadLetterRow extends MessageRow {
  error: string;
  dead_at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS queue_messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  queue TEXT NOT NULL,
  id TEXT NOT NULL,
  payload TEXT NOT NULL,
  headers TEXT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 0,
  available_at INTEGER NOT NULL,
  lease_owner TEXT,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (queue, id)
);
CREATE INDEX IF NOT EXISTS queue_messages_ready ON queue_messages (queue, available_at);
CREATE INDEX IF NOT EXISTS queue_messages_owner ON queue_messages (lease_owner) WHERE lease_owner IS NOT NULL;
CREATE TABLE IF NOT EXISTS queue_dead_letters (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  queue TEXT NOT NULL,
  id TEXT NOT NULL,
  payload TEXT NOT NULL,
  headers TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  last_error TEXT,
  error TEXT NOT NULL,
  dead_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS queue_dead_letters_queue ON queue_dead_letters (queue, seq);
`;

export interface SqliteQueueDbOptions {
  /** How long one statement may block the event loop waiting for a lock (SQLite busy_timeout); default 10. */
  busyTimeoutMs?: number;
  /** How long `locked()` keeps retrying a locked database, without blocking, before DSC_ERR_QUEUE_UNAVAILABLE; default 2000. */
  lockWaitMs?: number;
}

/**
 * Payloads carry the raw prompt, so a message that left for good (acked, dead-lettered) must
 * not linger on disk: `secure_delete` zeroes deleted rows and freed pages in the database file,
 * and the WAL, which still holds the pages as they were written, is checkpointed and truncated
 * to 0 bytes this long after the last such change (coalescing a busy stream of acks).
 */
const SCRUB_DELAY_MS = 500;
/** A truncating checkpoint waits at most this long for other connections (it runs on the event loop). */
const SCRUB_BUSY_MS = 20;
/** While other processes keep the WAL busy, the truncation is tried again, backing off up to this. */
const SCRUB_MAX_RETRY_MS = 10_000;

/** Prepared statements over one connection; better-sqlite3 is synchronous, each call is short. */
export class SqliteQueueDb {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly busyTimeoutMs: number;
  private readonly lockWaitMs: number;
  private scrubTimer: NodeJS.Timeout | null = null;
  private scrubRetryMs = SCRUB_DELAY_MS;
  private closed = false;

  constructor(file: string, options: SqliteQueueDbOptions = {}) {
    this.file = path.resolve(file);
    mkdirSync(path.dirname(this.file), { recursive: true });
    this.busyTimeoutMs = options.busyTimeoutMs ?? SHORT_BUSY_TIMEOUT_MS;
    this.lockWaitMs = options.lockWaitMs ?? 2_000;
    // Opening and creating the tables happen once at start, before any request: they may wait the long way.
    this.db = new Database(this.file, { timeout: Math.max(this.busyTimeoutMs, this.lockWaitMs) });
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode keeps commits durable against process crashes (the case that
    // matters for redelivery); only an OS crash can lose the last transactions.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('secure_delete = ON');
    this.db.exec(SCHEMA);
    this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    const db = this.db;
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO queue_messages (queue, id, payload, headers, available_at, created_at)
         VALUES (@queue, @id, @payload, @headers, @now, @now) ON CONFLICT (queue, id) DO NOTHING`,
      ),
      peek: db.prepare(`SELECT 1 FROM queue_messages WHERE queue = ? AND available_at <= ? LIMIT 1`),
      has: db.prepare(`SELECT 1 FROM queue_messages WHERE queue = ? AND id = ?`),
      claim: db.prepare(
        `UPDATE queue_messages SET lease_owner = @owner, available_at = @leaseUntil, attempt = attempt + 1
         WHERE seq IN (SELECT seq FROM queue_messages WHERE queue = @queue AND available_at <= @now
                       ORDER BY available_at, seq LIMIT @limit)
         RETURNING seq, id, payload, headers, attempt, last_error`,
      ),
      ack: db.prepare(`DELETE FROM queue_messages WHERE seq = ? AND lease_owner = ?`),
      retry: db.prepare(
        `UPDATE queue_messages SET lease_owner = NULL, available_at = @at, last_error = @error
         WHERE seq = @seq AND lease_owner = @owner`,
      ),
      release: db.prepare(
        `UPDATE queue_messages SET lease_owner = NULL, available_at = @now, attempt = MAX(attempt - 1, 0)
         WHERE seq = @seq AND lease_owner = @owner`,
      ),
      renew: db.prepare(`UPDATE queue_messages SET available_at = @until WHERE lease_owner = @owner`),
      copyToDead: db.prepare(
        `INSERT INTO queue_dead_letters (queue, id, payload, headers, attempt, last_error, error, dead_at)
         SELECT queue, id, COALESCE(@payload, payload), headers, attempt, last_error, @error, @now FROM queue_messages
         WHERE seq = @seq AND lease_owner = @owner`,
      ),
      depth: db.prepare(`SELECT count(*) AS n FROM queue_messages WHERE queue = ? AND (lease_owner IS NULL OR available_at <= ?)`),
      dead: db.prepare(
        `SELECT seq, id, payload, headers, attempt, last_error, error, dead_at FROM queue_dead_letters
         WHERE queue = ? ORDER BY seq`,
      ),
      deleteMessages: db.prepare(`DELETE FROM queue_messages WHERE queue = ?`),
      deleteDead: db.prepare(`DELETE FROM queue_dead_letters WHERE queue = ?`),
    };
  }

  /**
   * Runs `fn` (synchronous: one of the calls below); while another process holds the lock, tries
   * again between event-loop turns until `lockWaitMs`, then throws DSC_ERR_QUEUE_UNAVAILABLE.
   */
  locked<T>(fn: () => T): Promise<T> {
    return whileLocked(fn, {
      lockWaitMs: this.lockWaitMs,
      busyError: (cause) =>
        new DiffscopeError('DSC_ERR_QUEUE_UNAVAILABLE', `the queue database is locked by another process (waited ${this.lockWaitMs} ms)`, {
          cause,
        }),
    });
  }

  /** Returns false when a message with this id is already queued (publish is idempotent). */
  insert(queue: string, id: string, payload: string, headers: string, now: number): boolean {
    return this.stmts.insert.run({ queue, id, payload, headers, now }).changes === 1;
  }

  /**
   * Lease up to `limit` messages. A read-only peek first: an empty poll then never takes
   * the file's write lock, so idle consumers do not contend with producers.
   */
  claim(queue: string, owner: string, limit: number, now: number, leaseMs: number): MessageRow[] {
    if (limit <= 0 || this.stmts.peek.get(queue, now) === undefined) return [];
    return this.stmts.claim.all({ queue, owner, limit, now, leaseUntil: now + leaseMs }) as MessageRow[];
  }

  ack(seq: number, owner: string): boolean {
    const acked = this.stmts.ack.run(seq, owner).changes === 1;
    if (acked) this.scrubSoon();
    return acked;
  }

  retry(seq: number, owner: string, at: number, error: string): boolean {
    return this.stmts.retry.run({ seq, owner, at, error }).changes === 1;
  }

  /** Hand a delivery back untouched: it does not count as an attempt. */
  release(seq: number, owner: string, now: number): boolean {
    return this.stmts.release.run({ seq, owner, now }).changes === 1;
  }

  renew(owner: string, until: number): number {
    return this.stmts.renew.run({ owner, until }).changes;
  }

  /** Move one leased message to the dead letters (keeping `payload` instead of its body when given); false when the lease was lost meanwhile. */
  deadLetter(seq: number, owner: string, error: string, now: number, payload?: string): boolean {
    return this.db
      .transaction(() => {
        if (this.stmts.copyToDead.run({ seq, owner, error, now, payload: payload ?? null }).changes !== 1) return false;
        return this.ack(seq, owner);
      })
      .immediate();
  }

  /** A message with this id is waiting, leased or waiting for its retry. */
  has(queue: string, id: string): boolean {
    return this.stmts.has.get(queue, id) !== undefined;
  }

  depth(queue: string, now: number): number {
    return (this.stmts.depth.get(queue, now) as { n: number }).n;
  }

  deadLetters(queue: string): DeadLetterRow[] {
    return this.stmts.dead.all(queue) as DeadLetterRow[];
  }

  deleteQueue(queue: string): void {
    this.db
      .transaction(() => {
        this.stmts.deleteMessages.run(queue);
        this.stmts.deleteDead.run(queue);
      })
      .immediate();
    this.scrubSoon();
  }

  /**
   * Checkpoints the WAL into the file and truncates it to 0 bytes. False when another
   * connection kept it busy (a reader on an older snapshot, a writer): try again later.
   */
  scrubWal(): boolean {
    this.db.pragma(`busy_timeout = ${SCRUB_BUSY_MS}`);
    try {
      const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
      return result?.busy === 0;
    } catch {
      return false; // SQLITE_BUSY / LOCKED
    } finally {
      this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    }
  }

  private scrubSoon(): void {
    if (this.closed || this.scrubTimer) return;
    this.scrubTimer = setTimeout(() => {
      this.scrubTimer = null;
      if (this.closed) return;
      if (this.scrubWal()) {
        this.scrubRetryMs = SCRUB_DELAY_MS;
        return;
      }
      this.scrubRetryMs = Math.min(this.scrubRetryMs * 2, SCRUB_MAX_RETRY_MS);
      this.scrubSoon();
    }, this.scrubRetryMs);
    this.scrubTimer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.scrubTimer) clearTimeout(this.scrubTimer);
    this.scrubTimer = null;
    this.scrubWal();
    this.db.close();
  }
}
