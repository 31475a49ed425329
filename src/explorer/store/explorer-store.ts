/**
 * The embedded store: one SQLite file (better-sqlite3), written in batches. Records from
 * the receiver wait in memory until `maxBatchRows` pile up or `flushIntervalMs` passes,
 * then go in with one transaction, so a busy fleet costs one commit per batch, not per span.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { LogRecordData, ResourceInfo, SpanRecord } from '../otlp/model.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';

export interface ExplorerStoreOptions {
  /** File path, or ':memory:'. */
  dbPath: string;
  /** Rows (spans + logs) that trigger an immediate flush. */
  maxBatchRows?: number;
  /**
   * Longest a received record waits before it is committed. Queries flush first, so this
   * bounds only what a crash can lose; longer means bigger, cheaper transactions.
   */
  flushIntervalMs?: number;
  /** SQLite page cache, in MiB. */
  cacheMb?: number;
}

/** A span as a row: the exact values the insert statement binds, in column order. */
export type SpanRow = [
  traceId: string, spanId: string, parentSpanId: string, service: string, name: string, kind: number,
  startUs: number, durationUs: number, statusCode: number, statusMessage: string | null, flags: number,
  traceState: string | null, resourceId: number, scope: string | null, attributes: string, events: string | null, links: string | null,
];

/** A log record as a row; the last two are the FTS columns' text. */
export type LogRow = [
  timeUs: number, severity: number, level: string, service: string, event: string | null, traceId: string | null,
  spanId: string | null, requestId: string | null, body: string, attributes: string, resourceId: number, scope: string | null,
];

export class ExplorerStore {
  readonly db: Database.Database;
  readonly dbPath: string;
  private readonly maxBatchRows: number;
  private readonly flushIntervalMs: number;
  private pendingSpans: SpanRecord[] = [];
  private pendingLogs: LogRecordData[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly resourceIds = new Map<string, number>();
  private readonly knownOperations = new Set<string>();
  private readonly insertSpan: Database.Statement;
  private readonly insertLog: Database.Statement;
  private readonly insertFts: Database.Statement;
  private readonly insertResource: Database.Statement;
  private readonly selectResource: Database.Statement;
  private readonly insertOperation: Database.Statement;
  private closed = false;
  /** Rows committed since open (for the benchmark and health output). */
  spansWritten = 0;
  logsWritten = 0;

  constructor(options: ExplorerStoreOptions) {
    this.dbPath = options.dbPath;
    this.maxBatchRows = options.maxBatchRows ?? 4096;
    this.flushIntervalMs = options.flushIntervalMs ?? 25;
    if (options.dbPath !== ':memory:') mkdirSync(path.dirname(path.resolve(options.dbPath)), { recursive: true });
    this.db = new Database(options.dbPath);
    // auto_vacuum must precede the first table; it lets the size cap hand pages back.
    this.db.pragma('auto_vacuum = INCREMENTAL');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`cache_size = -${(options.cacheMb ?? 128) * 1024}`);
    this.db.pragma('temp_store = MEMORY');
    this.db.exec(SCHEMA_SQL);
    this.db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));

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
  }

  get pendingRows(): number {
    return this.pendingSpans.length + this.pendingLogs.length;
  }

  addSpans(spans: SpanRecord[]): void {
    if (this.closed || spans.length === 0) return;
    for (const s of spans) this.pendingSpans.push(s);
    this.afterAdd();
  }

  addLogs(logs: LogRecordData[]): void {
    if (this.closed || logs.length === 0) return;
    for (const l of logs) this.pendingLogs.push(l);
    this.afterAdd();
  }

  private afterAdd(): void {
    if (this.pendingRows >= this.maxBatchRows) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.flushIntervalMs);
  }

  /** Commit everything pending now (one transaction). */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.closed || this.pendingRows === 0) return;
    const spans = this.pendingSpans;
    const logs = this.pendingLogs;
    this.pendingSpans = [];
    this.pendingLogs = [];
    this.writeBatch(spans.map((s) => this.spanRow(s)), logs.map((l) => this.logRow(l)));
  }

  /** Row building is separate from writing so the benchmark can time a bare insert of the same rows. */
  spanRow(s: SpanRecord): SpanRow {
    const resourceId = this.resourceId(s.resource);
    const opKey = `${s.resource.service}\u0000${s.name}\u0000${s.kind}`;
    if (!this.knownOperations.has(opKey)) {
      this.knownOperations.add(opKey);
      this.insertOperation.run(s.resource.service, s.name, s.kind);
    }
    return [
      s.traceId, s.spanId, s.parentSpanId, s.resource.service, s.name, s.kind, s.startUs, s.durationUs, s.statusCode,
      s.statusMessage || null, s.flags, s.traceState || null, resourceId,
      s.scopeName ? (s.scopeVersion ? `${s.scopeName}@${s.scopeVersion}` : s.scopeName) : null,
      JSON.stringify(s.attributes),
      s.events.length ? JSON.stringify(s.events) : null,
      s.links.length ? JSON.stringify(s.links) : null,
    ];
  }

  logRow(l: LogRecordData): LogRow {
    return [
      l.timeUs, l.severityNumber, l.level, l.resource.service, l.event || null, l.traceId || null, l.spanId || null,
      l.requestId || null, l.body, JSON.stringify(l.attributes), this.resourceId(l.resource), l.scopeName || null,
    ];
  }

  /** One transaction for a batch of prepared rows. */
  writeBatch(spanRows: SpanRow[], logRows: LogRow[]): void {
    this.db.transaction(() => {
      for (const row of spanRows) this.insertSpan.run(row);
      for (const row of logRows) {
        const id = this.insertLog.run(row).lastInsertRowid;
        this.insertFts.run(id, row[8], row[9]);
      }
    })();
    this.spansWritten += spanRows.length;
    this.logsWritten += logRows.length;
  }

  private resourceId(resource: ResourceInfo): number {
    let id = this.resourceIds.get(resource.key);
    if (id === undefined) {
      this.insertResource.run(resource.service, resource.key);
      id = Number(this.selectResource.get(resource.key));
      this.resourceIds.set(resource.key, id);
    }
    return id;
  }

  /** Forget cached operation keys (after retention pruned the table). */
  resetOperationCache(): void {
    this.knownOperations.clear();
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
  }
}
