/**
 * The query side's handle on the store: a read-only connection to the SQLite file the ingest
 * write thread fills (WAL mode: readers never wait for the writer, nor the writer for them),
 * the ingest counters, and the limits on what one query may return. Records are committed
 * before their OTLP export is answered, so a read sees every answered export without waiting
 * (to wait for exports still in flight, see IngestPipeline.flush()).
 */
import Database from 'better-sqlite3';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from '../limits.js';
import { setQueryLimits } from './span-queries.js';

export type { SpanRow, LogRow } from './rows.js';

export interface ExplorerStoreOptions {
  /** The file the writer created. */
  dbPath: string;
  /** SQLite page cache of the read connection, in MiB. */
  cacheMb?: number;
  queryLimits?: Partial<QueryLimits>;
  /** Where the committed-row counters come from (the ingest pipeline). */
  counters?: { readonly spansWritten: number; readonly logsWritten: number };
}

export class ExplorerStore {
  readonly db: Database.Database;
  readonly dbPath: string;
  readonly queryLimits: QueryLimits;
  private readonly counters: { readonly spansWritten: number; readonly logsWritten: number } | undefined;

  constructor(options: ExplorerStoreOptions) {
    this.dbPath = options.dbPath;
    this.queryLimits = { ...DEFAULT_QUERY_LIMITS, ...options.queryLimits };
    this.counters = options.counters;
    this.db = new Database(options.dbPath, { readonly: true, fileMustExist: true });
    this.db.pragma(`cache_size = -${(options.cacheMb ?? 64) * 1024}`);
    setQueryLimits(this.db, this.queryLimits);
  }

  /** Rows committed since start (for /api/health and the benchmark). */
  get spansWritten(): number {
    return this.counters?.spansWritten ?? 0;
  }

  get logsWritten(): number {
    return this.counters?.logsWritten ?? 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
