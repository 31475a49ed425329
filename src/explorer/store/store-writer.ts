/**
 * The one connection that writes the explorer's SQLite file (it lives on the ingest write
 * thread; the query API reads through its own read-only connection, see explorer-store.ts).
 * It opens the file with the explorer's pragmas and schema, and inserts rows the decode thread
 * built (store/rows.ts); the batching policy is ingest/batch-writer.ts's.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { LogRecordData, SpanRecord } from '../otlp/model.js';
import { logRowOf, spanRowOf, type LogRow, type ResourceRef, type SpanRow } from './rows.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';

export interface StoreWriterOptions {
  /** A file path (a writer and a reader share it, so not ':memory:'). */
  dbPath: string;
  /** SQLite page cache, in MiB. */
  cacheMb?: number;
  /** How long a write waits for a lock held by another process before it fails (SQLITE_BUSY). */
  busyTimeoutMs?: number;
}

export class StoreWriter {
  readonly db: Database.Database;
  readonly dbPath: string;
  private readonly resourceIds = new Map<string, number>();
  private readonly knownOperations = new Set<string>();
  private readonly insertSpan: Database.Statement;
  private readonly insertLog: Database.Statement;
  private readonly insertFts: Database.Statement;
  private readonly insertResource: Database.Statement;
  private readonly selectResource: Database.Statement;
  private readonly insertOperation: Database.Statement;
  private readonly countTraceSpans: Database.Statement;
  private closed = false;

  constructor(options: StoreWriterOptions) {
    this.dbPath = options.dbPath;
    mkdirSync(path.dirname(path.resolve(options.dbPath)), { recursive: true });
    this.db = new Database(options.dbPath, { timeout: options.busyTimeoutMs ?? 5000 });
    try {
      // auto_vacuum must precede the first table; it lets the size cap hand pages back.
      this.db.pragma('auto_vacuum = INCREMENTAL');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma(`cache_size = -${(options.cacheMb ?? 128) * 1024}`);
      this.db.pragma('temp_store = MEMORY');
      this.db.exec(SCHEMA_SQL);
      this.db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.insertSpan = this.db.prepare(
      `INSERT INTO spans (trace_id, span_id, parent_span_id, service, name, kind, start_us, duration_us, status_code,
        status_message, flags, trace_state, resource_id, scope, attributes, events, links)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertLog = this.db.prepare(
      `INSERT INTO logs (time_us, severity, level, service, event, trace_id, span_id, request_id, body, attributes, resource_id, scope)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertFts = this.db.prepare('INSERT INTO logs_fts (rowid, body, attributes) VALUES (?, ?, ?)');
    this.insertResource = this.db.prepare('INSERT OR IGNORE INTO resources (service, attributes) VALUES (?, ?)');
    this.selectResource = this.db.prepare('SELECT id FROM resources WHERE attributes = ?').pluck();
    this.insertOperation = this.db.prepare('INSERT OR IGNORE INTO operations (service, name, kind) VALUES (?, ?, ?)');
    this.countTraceSpans = this.db.prepare('SELECT COUNT(*) FROM (SELECT 1 FROM spans WHERE trace_id = ? LIMIT ?)').pluck();
  }

  /** The resources table's id for a resource, inserting it the first time. */
  resourceId(resource: ResourceRef): number {
    let id = this.resourceIds.get(resource.key);
    if (id === undefined) {
      this.insertResource.run(resource.service, resource.key);
      id = Number(this.selectResource.get(resource.key));
      this.resourceIds.set(resource.key, id);
    }
    return id;
  }

  /** Inserts one span row (its resource column already a resources id), and its operation the first time. */
  insertSpanRow(row: SpanRow): void {
    const opKey = `${row[3]}\u0000${row[4]}\u0000${row[5]}`;
    if (!this.knownOperations.has(opKey)) {
      this.insertOperation.run(row[3], row[4], row[5]);
      this.knownOperations.add(opKey);
    }
    this.insertSpan.run(row);
  }

  /** Inserts one log row and its full-text entry. */
  insertLogRow(row: LogRow): void {
    const id = this.insertLog.run(row).lastInsertRowid;
    this.insertFts.run(id, row[8], row[9]);
  }

  /** Spans stored for a trace, counting no further than `cap`. */
  spansOfTrace(traceId: string, cap: number): number {
    return this.countTraceSpans.get(traceId, cap) as number;
  }

  /** A row for a record, resolved against this database (the benchmark's bare insert builds rows this way). */
  spanRow(s: SpanRecord): SpanRow {
    return spanRowOf(s, this.resourceId(s.resource));
  }

  logRow(l: LogRecordData): LogRow {
    return logRowOf(l, this.resourceId(l.resource));
  }

  /** One transaction for a batch of prepared rows (no per-row isolation: the benchmark's limit). */
  writeBatch(spanRows: SpanRow[], logRows: LogRow[]): void {
    this.db.transaction(() => {
      for (const row of spanRows) this.insertSpanRow(row);
      for (const row of logRows) this.insertLogRow(row);
    })();
  }

  /**
   * Forget cached resource ids and operations: after a rolled-back transaction (the rows they
   * stand for may be gone) and after retention pruned the operations table.
   */
  resetCaches(): void {
    this.resourceIds.clear();
    this.knownOperations.clear();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
