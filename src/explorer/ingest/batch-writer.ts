/**
 * Group commit on the write thread: export requests that arrive while a transaction runs are
 * committed together in the next one (one commit per burst, not per request), and each request
 * learns what became of its own rows. A row that cannot be stored (a constraint, a trace already
 * at its span limit) is rejected alone; a failure of the store itself (lock, full disk, I/O
 * error, damaged file) rolls the whole transaction back and every request in it is told to
 * retry (503), the process carrying on.
 */
import type { StoreWriter } from '../store/store-writer.js';
import { LOG_RESOURCE_COLUMN, SPAN_RESOURCE_COLUMN, type PreparedBatch } from '../store/rows.js';
import { describeStoreFailure, isStoreFailure, retryAfterSeconds } from './storage-errors.js';

export interface WriteJob {
  id: number;
  batch: PreparedBatch;
  /** Records the decoder already refused, and why: added to this job's outcome. */
  rejected?: number;
  messages?: string[];
}

export type WriteOutcome =
  | { id: number; ok: true; spans: number; logs: number; rejected: number; messages: string[] }
  | { id: number; ok: false; message: string; retryAfterS: number };

export interface BatchWriterOptions {
  store: StoreWriter;
  /** A trace holding this many spans takes no more. */
  maxSpansPerTrace: number;
  /** Rows that make a commit start at once instead of after the current burst. */
  maxBatchRows?: number;
  /** Wait this long for more requests before committing (0: commit as soon as the thread is idle). */
  lingerMs?: number;
  onCommitted(outcomes: WriteOutcome[]): void;
}

/** Bounds the cache of per-trace span counts (it only saves a lookup). */
const MAX_CACHED_TRACES = 100_000;

interface JobResult {
  spans: number;
  logs: number;
  rejected: number;
  reasons: Map<string, number>;
}

export class BatchWriter {
  private queue: WriteJob[] = [];
  private queuedRows = 0;
  private scheduled = false;
  private readonly traceCounts = new Map<string, number>();
  private readonly maxBatchRows: number;
  private readonly lingerMs: number;

  constructor(private readonly options: BatchWriterOptions) {
    this.maxBatchRows = options.maxBatchRows ?? 8192;
    this.lingerMs = options.lingerMs ?? 0;
  }

  enqueue(job: WriteJob): void {
    this.queue.push(job);
    this.queuedRows += job.batch.spans.length + job.batch.logs.length;
    if (this.queuedRows >= this.maxBatchRows) this.commit();
    else if (!this.scheduled) {
      this.scheduled = true;
      if (this.lingerMs > 0) setTimeout(() => this.commit(), this.lingerMs);
      else setImmediate(() => this.commit());
    }
  }

  /** Spans were deleted (retention): the cached counts are stale. */
  forgetTraceCounts(): void {
    this.traceCounts.clear();
  }

  /** Commit everything queued now. */
  commit(): void {
    this.scheduled = false;
    const jobs = this.queue;
    if (jobs.length === 0) return;
    this.queue = [];
    this.queuedRows = 0;
    const results: JobResult[] = jobs.map(() => ({ spans: 0, logs: 0, rejected: 0, reasons: new Map() }));
    const { store } = this.options;
    try {
      store.db
        .transaction(() => {
          for (let i = 0; i < jobs.length; i++) this.writeJob(jobs[i].batch, results[i]);
        })
        .immediate();
    } catch (err) {
      // rolled back: cached ids and counts may describe rows that are not there
      store.resetCaches();
      this.traceCounts.clear();
      const message = `the explorer could not store this export, retry later (${describeStoreFailure(err)})`;
      this.options.onCommitted(jobs.map((j) => ({ id: j.id, ok: false, message, retryAfterS: retryAfterSeconds(err) })));
      return;
    }
    if (this.traceCounts.size > MAX_CACHED_TRACES) this.traceCounts.clear();
    this.options.onCommitted(
      jobs.map((j, i) => {
        const r = results[i];
        const messages = [...(j.messages ?? []), ...[...r.reasons].map(([reason, n]) => `${n} record(s) rejected: ${reason}`)];
        return { id: j.id, ok: true, spans: r.spans, logs: r.logs, rejected: r.rejected + (j.rejected ?? 0), messages };
      }),
    );
  }

  private writeJob(batch: PreparedBatch, r: JobResult): void {
    const { store, maxSpansPerTrace } = this.options;
    const resourceIds = new Array<number | undefined>(batch.resources.length);
    const resolve = (ref: number): number => {
      let id = resourceIds[ref];
      if (id === undefined) {
        try {
          id = store.resourceId(batch.resources[ref]);
        } catch (err) {
          this.rowFailed(err, r, 'its resource could not be stored');
          id = -1;
        }
        resourceIds[ref] = id;
      }
      return id;
    };
    for (const row of batch.spans) {
      const resourceId = resolve(row[SPAN_RESOURCE_COLUMN]);
      if (resourceId < 0) {
        this.reject(r, 'its resource could not be stored');
        continue;
      }
      const traceId = row[0];
      const stored = this.traceCounts.get(traceId) ?? store.spansOfTrace(traceId, maxSpansPerTrace);
      if (stored >= maxSpansPerTrace) {
        this.traceCounts.set(traceId, stored);
        this.reject(r, `the trace already holds ${maxSpansPerTrace} spans`);
        continue;
      }
      row[SPAN_RESOURCE_COLUMN] = resourceId;
      try {
        store.insertSpanRow(row);
        this.traceCounts.set(traceId, stored + 1);
        r.spans++;
      } catch (err) {
        this.rowFailed(err, r);
      }
    }
    for (const row of batch.logs) {
      const resourceId = resolve(row[LOG_RESOURCE_COLUMN]);
      if (resourceId < 0) {
        this.reject(r, 'its resource could not be stored');
        continue;
      }
      row[LOG_RESOURCE_COLUMN] = resourceId;
      try {
        store.insertLogRow(row);
        r.logs++;
      } catch (err) {
        this.rowFailed(err, r);
      }
    }
  }

  private reject(r: JobResult, reason: string): void {
    r.rejected++;
    r.reasons.set(reason, (r.reasons.get(reason) ?? 0) + 1);
  }

  /** A row's insert threw: the store's failure ends the transaction, anything else rejects the row. */
  private rowFailed(err: unknown, r: JobResult, reason?: string): void {
    if (isStoreFailure(err) || !this.options.store.db.inTransaction) throw err;
    if (reason === undefined) this.reject(r, `could not be stored (${describeStoreFailure(err)})`);
  }
}
