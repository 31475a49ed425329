/**
 * The tail sampler's place on the ingest write thread (ingest/write-worker.ts): every decoded
 * export passes through `accept` on its way to the BatchWriter — whichever receiver it came
 * from, since they all hand their rows to this thread — and a timer decides the traces that
 * became ready. The export is answered once its own rows (what the sampler let through now)
 * are committed, as the Collector's processor answers once the spans are buffered; the rows of
 * a trace kept later are written as the write thread's own jobs (negative ids, which no export
 * waits for), retried with back-off when the store refuses them, and counted as lost after
 * that. Counts and buffer sizes go to the main thread as `sampling` events.
 */
import { emptySamplingCounts, type SamplingCounts, type SamplingHeld } from '../../contract/index.js';
import type { BatchWriter, WriteJob, WriteOutcome } from '../ingest/batch-writer.js';
import { LOG_RESOURCE_COLUMN, SPAN_RESOURCE_COLUMN, type PreparedBatch } from '../store/rows.js';
import type { TailSamplingOptions } from './options.js';
import { TailSampler } from './tail-sampler.js';

export interface SamplingReport {
  /** Counts since the previous report. */
  counts: SamplingCounts;
  held: SamplingHeld;
}

export interface SamplingStageOptions {
  sampling: TailSamplingOptions;
  writer: Pick<BatchWriter, 'enqueue'>;
  report(report: SamplingReport): void;
  /** How often ready traces are looked for (default: a quarter of the decision wait, 50 ms to 1 s). */
  tickMs?: number;
  now?: () => number;
}

interface OwnWrite {
  batch: PreparedBatch;
  /** The rows' resource indices, restored before a retry (the writer overwrites them with row ids). */
  spanRefs: number[];
  logRefs: number[];
  attempts: number;
}

const MAX_WRITE_ATTEMPTS = 5;

export class SamplingStage {
  readonly sampler: TailSampler;
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly writes = new Map<number, OwnWrite>();
  /** Refused writes waiting for their next attempt. */
  private readonly retrying = new Map<OwnWrite, NodeJS.Timeout>();
  private nextId = -1;
  private lost = 0;
  private lastHeld = '';

  constructor(private readonly options: SamplingStageOptions) {
    this.sampler = new TailSampler(options.sampling);
    this.now = options.now ?? Date.now;
    const tickMs = options.tickMs ?? Math.min(1000, Math.max(50, Math.floor(options.sampling.decisionWaitMs / 4)));
    this.timer = setInterval(() => this.decide(this.now()), tickMs);
    this.timer.unref();
  }

  /** One decoded export: what may be written now goes to the writer under the export's id. */
  accept(job: WriteJob): void {
    const batch = this.sampler.accept(job.batch, this.now());
    this.options.writer.enqueue({ ...job, batch });
    // before the export's own commit: once its sender has its answer, the counts include it
    this.report();
  }

  /** Decides the traces ready at `nowMs`, hands their rows to the writer and reports. */
  decide(nowMs: number): void {
    this.write(this.sampler.decideReady(nowMs));
    this.report();
  }

  /** The writer's outcomes: the stage's own writes are retried or counted as lost. */
  onCommitted(outcomes: readonly WriteOutcome[]): void {
    for (const o of outcomes) {
      const own = this.writes.get(o.id);
      if (!own) continue;
      this.writes.delete(o.id);
      if (o.ok) continue;
      if (++own.attempts >= MAX_WRITE_ATTEMPTS) {
        this.lost += own.batch.spans.length + own.batch.logs.length;
        continue;
      }
      const retry = setTimeout(
        () => {
          this.retrying.delete(own);
          own.batch.spans.forEach((row, i) => {
            row[SPAN_RESOURCE_COLUMN] = own.spanRefs[i];
          });
          own.batch.logs.forEach((row, i) => {
            row[LOG_RESOURCE_COLUMN] = own.logRefs[i];
          });
          this.enqueue(own);
        },
        o.retryAfterS * 1000 * own.attempts,
      );
      retry.unref();
      this.retrying.set(own, retry);
    }
  }

  /** Shutdown: every held trace is decided on what it has, and written with the last commit. */
  close(): void {
    clearInterval(this.timer);
    this.write(this.sampler.decideAll(this.now(), 'shutdown'));
    for (const [own, retry] of this.retrying) {
      clearTimeout(retry);
      this.lost += own.batch.spans.length + own.batch.logs.length;
    }
    this.retrying.clear();
    this.report(true);
  }

  private write(batch: PreparedBatch): void {
    if (batch.spans.length === 0 && batch.logs.length === 0) return;
    this.enqueue({
      batch,
      spanRefs: batch.spans.map((r) => r[SPAN_RESOURCE_COLUMN]),
      logRefs: batch.logs.map((r) => r[LOG_RESOURCE_COLUMN]),
      attempts: 0,
    });
  }

  private enqueue(own: OwnWrite): void {
    const id = this.nextId--;
    this.writes.set(id, own);
    this.options.writer.enqueue({ id, batch: own.batch });
  }

  private report(force = false): void {
    const counts = this.sampler.takeCounts();
    counts.lost_records += this.lost;
    this.lost = 0;
    const held = this.sampler.held();
    const heldKey = JSON.stringify(held);
    if (!force && heldKey === this.lastHeld && JSON.stringify(counts) === EMPTY) return;
    this.lastHeld = heldKey;
    this.options.report({ counts, held });
  }
}

const EMPTY = JSON.stringify(emptySamplingCounts());
