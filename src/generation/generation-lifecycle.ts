/**
 * The one owner of a generation's moves. Every path that ends a generation (the worker's
 * outcome, a client's cancel of a queued generation, a failed enqueue, a dead-lettered job)
 * calls `complete()`, which does the same things in the same order: the conditional finish in
 * the store (with the terminal event and the owed completion in the same atomic write), the log
 * line, the metrics and the completion message for the notifier (src/generation/completion-outbox.ts).
 * Only the caller whose finish won does the rest, so a race ends with one terminal status, one
 * terminal event, one log line and one webhook.
 *
 * A finish whose outcome is unknown (the store failed, or its acknowledgement was lost in an
 * outage while the write itself was applied) is tried again (`finishRetry`); a try that finds
 * the record already finished with this very write (same status, same `finishedAt`) is this
 * caller's own finish acknowledged late, and goes on as a success, not as a lost race.
 *
 * The moments before the outcome that a generation's webhook asked for (`webhook.events`:
 * queued, started, progress; src/generation/webhook-events.ts) are announced here too: `start()`
 * announces `started`, `announce()` the others, `progressAnnouncer()` throttles sampling steps.
 */
import { paramLogFields } from '../contract/generation-params.js';
import type { Context, LogFields, Logger } from '../telemetry/index.js';
import { CompletionOutbox } from './completion-outbox.js';
import type { CompletionPublisher } from './completion-publisher.js';
import type { GenerationRecord, PublicError, RecordPatch } from './generation-record.js';
import type { GenerationStore, TransitionEffects } from './generation-store.js';
import { moves, type ActiveStatus, type Move, type TerminalStatus } from './lifecycle.js';
import { DEFAULT_STATE_WRITE_RETRY, retryStateWrite, type StateWriteRetryOptions } from './state-write-retry.js';
import { PROGRESS_WEBHOOK_INTERVAL_MS, webhookWants, type InterimWebhookEvent } from './webhook-events.js';

/** A moment before the outcome, as `announce()` takes it. */
export type InterimNotice = Omit<InterimWebhookEvent, 'id' | 'at'>;

/** What the pipeline reports about a finished run (src/inference GenerateResult, narrowed). */
export interface InferenceOutcome {
  inferenceMs: number;
  modelVersion: string;
  device?: string;
  peakMemoryMb?: number;
  peakGpuMemoryMb?: number;
}

/** Outcome counters (the worker's prom-client metrics); a process without them counts nothing. */
export interface GenerationOutcomeMetrics {
  finished(status: TerminalStatus, model: string, sampler: string, queueMs: number | undefined, inferenceMs: number | undefined): void;
}

export interface GenerationLifecycleOptions {
  store: GenerationStore;
  logger: Logger;
  completions: CompletionPublisher;
  metrics?: GenerationOutcomeMetrics;
  /** How a finish whose outcome is unknown is tried again (default DEFAULT_STATE_WRITE_RETRY); `CompleteInput.retry` overrides it per call. */
  finishRetry?: Omit<StateWriteRetryOptions, 'onRetry' | 'signal'>;
}

export interface RunStart {
  startedAt: number;
  /** The queue's delivery attempt that runs it. */
  attempts: number;
}

export interface CompleteInput {
  /** The record as the caller read it: its id, creation time, parameters and prompt hash. */
  record: GenerationRecord;
  status: TerminalStatus;
  error?: PublicError;
  outputs?: string[];
  /** When the finishing run started: the queue wait and (without `inference`) the run time follow from it. */
  startedAt?: number;
  inference?: InferenceOutcome;
  /** Finish only from these statuses (default: from any status that is not terminal). */
  from?: readonly ActiveStatus[];
  /** Trace context for the completion message (default: the active context). */
  parent?: Context;
  /** Added to the terminal log line. */
  logFields?: LogFields;
  /**
   * How this call's store write is tried again, over the lifecycle's `finishRetry` (`onRetry`
   * replaces the finish_write_retry line). `{ attempts: 1 }` when a client waits for the answer or
   * a later pass tries again anyway: a failure throws at once. The terminal event and the owed
   * completion are part of the write either way, so a write applied unacknowledged still gets its
   * webhook (the outbox).
   */
  retry?: Partial<Omit<StateWriteRetryOptions, 'signal'>>;
}

export class GenerationLifecycle {
  /** The completion messages owed by finished generations; the reconciler publishes what stays owed. */
  readonly outbox: CompletionOutbox;

  constructor(private readonly options: GenerationLifecycleOptions) {
    this.outbox = new CompletionOutbox({ store: options.store, completions: options.completions, logger: options.logger });
  }

  /**
   * Takes the generation for one delivery; null when another caller moved it first (a cancel,
   * another delivery). A record still `running` was left by a delivery that was lost (its
   * worker died, its lease ran out): that run goes back to `queued` first, guarded by its own
   * start time, so of two redeliveries racing here exactly one takes over.
   */
  async start(record: GenerationRecord, run: RunStart): Promise<GenerationRecord | null> {
    const { store } = this.options;
    if (record.status === 'running' && record.startedAt !== undefined) await store.transition(record.id, moves.requeue(record.startedAt));
    const running = await store.transition(record.id, moves.start(), run);
    // Awaited: the notifier should hear of the start before any progress of the same run.
    if (running) await this.announce(running, { event: 'started', attempt: run.attempts });
    return running;
  }

  /** Tells the notifier about a moment the generation's webhook asked for; nothing otherwise. Never throws. */
  async announce(record: GenerationRecord, notice: InterimNotice, parent?: Context): Promise<void> {
    if (!webhookWants(record.webhook, notice.event)) return;
    await this.options.completions.publishInterim({ id: record.id, at: Date.now(), ...notice }, parent);
  }

  /**
   * For a run's sampling steps: announces a step when the webhook asked for `progress`, the first
   * at once and then at most one per PROGRESS_WEBHOOK_INTERVAL_MS (a step every few milliseconds
   * would otherwise be a webhook every few milliseconds). Returns a function that never throws
   * nor waits: the step loop must not.
   */
  progressAnnouncer(record: GenerationRecord, attempt: number, parent?: Context): (step: number, totalSteps: number) => void {
    if (!webhookWants(record.webhook, 'progress')) return () => {};
    let lastAt = -Infinity;
    return (step, totalSteps) => {
      const now = Date.now();
      if (now - lastAt < PROGRESS_WEBHOOK_INTERVAL_MS) return;
      lastAt = now;
      void this.announce(record, { event: 'progress', attempt, step, totalSteps }, parent);
    };
  }

  /** Puts the run that started at `runStartedAt` back in the queue; false when it is no longer that run's to give back. */
  async requeue(id: string, runStartedAt: number): Promise<boolean> {
    return (await this.options.store.transition(id, moves.requeue(runStartedAt))) !== null;
  }

  /**
   * Ends the generation; false (and nothing else done) when another caller finished it first.
   * Throws when the store could not be written (after `finishRetry` / `retry`).
   */
  async complete(input: CompleteInput): Promise<boolean> {
    const { logger, metrics } = this.options;
    const { record, status, error, outputs, inference } = input;
    const finishedAt = Date.now();
    const queueMs = input.startedAt !== undefined ? Math.max(0, input.startedAt - record.createdAt) : undefined;
    const inferenceMs = inference ? inference.inferenceMs : input.startedAt !== undefined ? finishedAt - input.startedAt : undefined;
    const totalMs = finishedAt - record.createdAt;
    const patch: RecordPatch = {
      finishedAt,
      totalMs,
      ...(queueMs !== undefined ? { queueMs } : {}),
      ...(inferenceMs !== undefined ? { inferenceMs } : {}),
      ...(outputs ? { outputs } : {}),
      ...(error ? { error } : {}),
      ...(inference ? { modelVersion: inference.modelVersion } : {}),
    };
    const effects: TransitionEffects = {
      event: {
        type: status,
        data: {
          status,
          ...(outputs ? { output_locations: outputs } : {}),
          ...(error ? { error } : {}),
          timings: { queue_ms: queueMs ?? null, inference_ms: inferenceMs ?? null, total_ms: totalMs },
        },
      },
      completionPending: true,
    };
    const finished = await this.finish(record.id, moves.finish(status, input.from), patch, effects, input.retry);
    if (!finished) return false;

    const p = record.params;
    const fields = {
      status,
      ...paramLogFields(p),
      model_version: inference?.modelVersion,
      prompt_hash: record.promptHash,
      queue_ms: queueMs,
      inference_time_ms: inferenceMs,
      total_ms: totalMs,
      output_location: outputs?.[0],
      device: inference?.device,
      peak_memory_mb: inference?.peakMemoryMb,
      peak_gpu_memory_mb: inference?.peakGpuMemoryMb,
      ...input.logFields,
    };
    metrics?.finished(status, p.model, p.sampler, queueMs, inferenceMs);
    if (status === 'failed') logger.error('request_failed', { ...fields, 'error.type': error?.code, 'error.message': error?.message });
    else logger.info(status === 'succeeded' ? 'request_complete' : 'request_canceled', fields);
    await this.outbox.deliver({ id: record.id, status, finishedAt }, input.parent);
    return true;
  }

  /**
   * The finish's store write, tried again while its outcome is unknown. After a failed try the
   * write may have been applied all the same (only its acknowledgement lost): then the next try's
   * compare-and-set finds the record finished, and a re-read tells whether by this very write
   * (the status and the `finishedAt` it wrote) — a success — or by another caller — a lost race.
   */
  private async finish(
    id: string,
    move: Move,
    patch: RecordPatch,
    effects: TransitionEffects,
    retry: CompleteInput['retry'],
  ): Promise<GenerationRecord | null> {
    const { store, logger } = this.options;
    let unknownOutcome = false;
    return retryStateWrite(
      async () => {
        try {
          const written = await store.transition(id, move, patch, effects);
          if (written || !unknownOutcome) return written;
          const current = await store.get(id);
          return current?.status === move.to && current.finishedAt === patch.finishedAt ? current : null;
        } catch (err) {
          unknownOutcome = true;
          throw err;
        }
      },
      {
        ...(this.options.finishRetry ?? DEFAULT_STATE_WRITE_RETRY),
        onRetry: (err, attempt, delayMs) =>
          logger.warn('finish_write_retry', { status: move.to, attempt, retry_in_ms: delayMs, err: err as Error }),
        ...retry,
      },
    );
  }
}
