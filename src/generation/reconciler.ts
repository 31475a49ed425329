/**
 * Finds generations stuck queued or running with no live job and fails them, so every
 * generation ends (its SSE stream closes, its webhook goes out). How they get stuck: the
 * process died between `store.create` and the publish of its job, or the state write of a
 * dead-lettered job failed for good.
 *
 * Leader-free: any number of reconcilers may run (each notifier runs one). A generation is
 * failed only after it was seen without a live job for `graceMs` by the same reconciler, and
 * through `GenerationLifecycle.complete()` restricted to the status it was seen in, whose
 * compare-and-set lets exactly one caller win; a concurrent worker or reconciler changes
 * nothing. Whether a job is live is the queue backend's answer (`QueueBackend.has`); where the
 * backend cannot tell (RabbitMQ), a generation is failed once `unknownMaxAgeMs` passed since
 * its last move.
 *
 * Each pass also publishes the completions still owed (src/generation/completion-outbox.ts) by
 * generations that finished more than `graceMs` ago: the half of a finish that a crash or an
 * outage cut off after the store write.
 */
import type { QueueBackend } from '../queue/index.js';
import { ATTR, SpanKind, context, runWithRequestScope, trace, withSpan, type Logger } from '../telemetry/index.js';
import type { GenerationLifecycle } from './generation-lifecycle.js';
import type { GenerationRecord } from './generation-record.js';
import type { GenerationStore } from './generation-store.js';
import { generationTrace } from './generation-trace.js';
import { isTerminal } from './lifecycle.js';
import { generationLostError } from './public-errors.js';
import { runPeriodically } from './periodic-pass.js';

export interface ReconcilerOptions {
  store: GenerationStore;
  queue: Pick<QueueBackend, 'has'>;
  /** The generation queue (`generationQueueName(config)`). */
  queueName: string;
  lifecycle: GenerationLifecycle;
  logger: Logger;
  /** How long a generation must be seen without a live job before it is failed. */
  graceMs: number;
  /** Backends that cannot tell (null from `has`): fail after this long since the last move. */
  unknownMaxAgeMs: number;
  /** Generations looked at per pass (oldest first). Default 200. */
  batchSize?: number;
}

export interface ReconcilePass {
  /** Active generations older than the grace period that were looked at. */
  checked: number;
  /** Seen without a live job, not yet for the whole grace period. */
  suspected: number;
  /** Failed by this pass. */
  failed: number;
  /** Owed completion messages this pass published again. */
  republished: number;
}

/** The last time the generation moved: its start, else its creation. */
function lastMoveAt(record: GenerationRecord): number {
  return record.startedAt ?? record.createdAt;
}

export class Reconciler {
  /** id → when this reconciler first saw it without a live job. */
  private readonly suspects = new Map<string, number>();

  constructor(private readonly options: ReconcilerOptions) {}

  /** One look at the active generations; failures of single records are logged, not thrown. */
  async runOnce(now: number = Date.now()): Promise<ReconcilePass> {
    const { store, graceMs, batchSize = 200 } = this.options;
    const records = await store.listActive({ createdBefore: now - graceMs, limit: batchSize });
    const pass: ReconcilePass = { checked: records.length, suspected: 0, failed: 0, republished: 0 };
    const seen = new Set<string>();
    for (const record of records) {
      seen.add(record.id);
      const verdict = await this.judge(record, now);
      if (verdict === 'suspect') pass.suspected++;
      if (verdict === 'stuck' && (await this.fail(record, now))) pass.failed++;
    }
    for (const id of this.suspects.keys()) if (!seen.has(id)) this.suspects.delete(id);
    pass.republished = await this.options.lifecycle.outbox.redeliverOwed({ finishedBefore: now - graceMs, limit: batchSize }, now);
    return pass;
  }

  private async judge(record: GenerationRecord, now: number): Promise<'live' | 'suspect' | 'stuck'> {
    const live = await this.options.queue.has(this.options.queueName, record.id);
    if (live === true) {
      this.suspects.delete(record.id);
      return 'live';
    }
    if (live === null) return now - lastMoveAt(record) >= this.options.unknownMaxAgeMs ? 'stuck' : 'live';
    const since = this.suspects.get(record.id) ?? now;
    this.suspects.set(record.id, since);
    return now - since >= this.options.graceMs ? 'stuck' : 'suspect';
  }

  /** Re-reads and re-checks, then finishes it from the status it was seen in; false when something moved meanwhile. */
  private async fail(seen: GenerationRecord, now: number): Promise<boolean> {
    const { store, queue, queueName, lifecycle, logger } = this.options;
    this.suspects.delete(seen.id);
    return runWithRequestScope({ requestId: seen.id, clientId: seen.clientId }, () => {
      // The request scope is in the active context: the trace goes on top of it.
      const parent = generationTrace(seen, context.active());
      return withSpan(
        'generation.reconcile',
        { kind: SpanKind.INTERNAL, parent, attributes: { [ATTR.REQUEST_ID]: seen.id, [ATTR.CLIENT_ID]: seen.clientId } },
        async (span) => {
          const record = await store.get(seen.id);
          if (!record || isTerminal(record.status) || record.status !== seen.status || record.startedAt !== seen.startedAt) return false;
          if ((await queue.has(queueName, record.id)) === true) return false;
          const reason = record.status === 'queued' ? 'no job in the queue' : 'its run has no job left in the queue';
          const idleMs = Math.max(0, now - lastMoveAt(record));
          logger.warn('generation_lost', { status: record.status, reason, idle_ms: idleMs });
          const won = await lifecycle.complete({
            record,
            status: 'failed',
            error: generationLostError(record.status, idleMs),
            from: [record.status],
            startedAt: record.startedAt,
            parent: trace.setSpan(parent, span),
            // The next pass tries again; a write applied unacknowledged keeps its event and owed completion.
            retry: { attempts: 1 },
          });
          span.setAttribute(ATTR.GENERATION_STATUS, won ? 'failed' : record.status);
          return won;
        },
      );
    }).catch((err: unknown) => {
      logger.warn('reconcile_failed', { err: err instanceof Error ? err : new Error(String(err)) });
      return false;
    });
  }

  /** Runs a pass every `intervalMs` (unref'd timer) until stopped; stop() waits for the pass in progress. */
  start(intervalMs: number): { stop(): Promise<void> } {
    return runPeriodically(
      () => this.runOnce(),
      intervalMs,
      (err) => this.options.logger.warn('reconcile_failed', { err }),
    );
  }
}
