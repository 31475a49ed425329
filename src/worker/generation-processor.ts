/**
 * One generation job, from dequeue to completion event, as spans B (`queue.wait`), C
 * (`inference`, the pipeline adds model.load / text.encode / sampling / vae.decode under it)
 * and D (`storage.put`, one per image), all children of the producer's context so the
 * trace reads like the architecture picture. Every move of the record goes through the
 * GenerationLifecycle (src/generation): a delivery starts only a queued generation, gives
 * back only its own run, and of all the callers that try to finish one, exactly one wins.
 */
import { isRetryable } from '../errors/index.js';
import {
  CANCELED_BY_CLIENT,
  CompletionPublisher,
  DEFAULT_STATE_WRITE_RETRY,
  GenerationLifecycle,
  deadLetteredError,
  isTerminal,
  retryStateWrite,
  toPublicError,
  type CompleteInput,
  type GenerationJob,
  type GenerationStatus,
  type GenerationStore,
  type StateWriteRetryOptions,
} from '../generation/index.js';
import type { GenerateResult, InferencePipeline } from '../inference/types.js';
import type { DeliveredMessage, QueueProducer } from '../queue/index.js';
import { imageKey, type ObjectStore } from '../storage/index.js';
import {
  ATTR,
  SpanKind,
  context,
  extractMessageHeaders,
  generationAttributes,
  getTracer,
  traceExemplar,
  withSpan,
  type Context,
  type Logger,
} from '../telemetry/index.js';
import { CancelWatch } from './cancel-watch.js';
import { createWorkerMetrics } from './worker-metrics.js';

export interface GenerationProcessorOptions {
  queueName: string;
  queueKind: string;
  maxAttempts: number;
  cancelPollMs: number;
  logger: Logger;
  store: GenerationStore;
  objectStore: ObjectStore;
  pipeline: InferencePipeline;
  completions: () => Promise<QueueProducer>;
  /** How the dead-letter path retries its state write (default DEFAULT_STATE_WRITE_RETRY). */
  deadLetterRetry?: Omit<StateWriteRetryOptions, 'onRetry'>;
}

/** Why a delivery found its generation taken when it tried to start it. */
function skipReason(status: GenerationStatus): string {
  if (status === 'canceled') return 'canceled while being dequeued';
  if (status === 'running') return 'another delivery is running it';
  return 'already terminal';
}

export class GenerationProcessor {
  private readonly metrics = createWorkerMetrics();
  private readonly lifecycle: GenerationLifecycle;

  constructor(private readonly o: GenerationProcessorOptions) {
    this.lifecycle = new GenerationLifecycle({
      store: o.store,
      logger: o.logger,
      metrics: this.metrics,
      completions: new CompletionPublisher({ open: o.completions, logger: o.logger }),
    });
  }

  /** The queue Processor. Throws to ask for a retry (or a hand-back on shutdown). */
  async process(message: DeliveredMessage<GenerationJob>, shutdown: AbortSignal): Promise<void> {
    const { context: parent, enqueuedAt } = extractMessageHeaders(message.headers);
    this.metrics.jobStarted();
    try {
      return await context.with(parent, () => this.run(message, shutdown, parent, enqueuedAt));
    } finally {
      this.metrics.jobEnded();
    }
  }

  private messagingAttributes(message: DeliveredMessage) {
    return {
      [ATTR.MESSAGING_SYSTEM]: this.o.queueKind,
      [ATTR.MESSAGING_DESTINATION]: this.o.queueName,
      [ATTR.MESSAGING_MESSAGE_ID]: message.id,
      [ATTR.MESSAGING_DELIVERY_ATTEMPT]: message.attempt,
      [ATTR.REQUEST_ID]: message.id,
    };
  }

  private async run(
    message: DeliveredMessage<GenerationJob>,
    shutdown: AbortSignal,
    parent: Context,
    enqueuedAt: number | undefined,
  ): Promise<void> {
    const { logger, store, pipeline } = this.o;
    const job = message.payload;
    const dequeuedAt = message.deliveredAt;

    // Span B: the time the job sat in the queue, drawn from the enqueue timestamp.
    if (enqueuedAt !== undefined) {
      getTracer()
        .startSpan(
          'queue.wait',
          {
            kind: SpanKind.INTERNAL,
            startTime: Math.min(enqueuedAt, dequeuedAt),
            attributes: { ...this.messagingAttributes(message), [ATTR.DIFFUSION_QUEUE_WAIT_MS]: Math.max(0, dequeuedAt - enqueuedAt) },
          },
          parent,
        )
        .end(dequeuedAt);
    }
    logger.info('job_dequeued', {
      queue: this.o.queueName,
      attempt: message.attempt,
      queue_wait_ms: enqueuedAt !== undefined ? Math.max(0, dequeuedAt - enqueuedAt) : undefined,
      model_id: job.params.model,
    });

    const record = await store.get(job.id);
    if (!record) {
      logger.warn('job_orphaned', { reason: 'no generation record', attempt: message.attempt });
      return;
    }
    if (isTerminal(record.status)) {
      logger.info('job_skipped', { reason: 'already terminal', status: record.status, attempt: message.attempt });
      return;
    }
    if (record.cancelRequested) {
      await this.finish({ record, parent, status: 'canceled', error: CANCELED_BY_CLIENT });
      return;
    }

    const startedAt = Date.now();
    const running = await this.lifecycle.start(record, { startedAt, attempts: message.attempt });
    if (!running) {
      const current = await store.get(job.id);
      if (!current) logger.warn('job_orphaned', { reason: 'no generation record', attempt: message.attempt });
      else logger.info('job_skipped', { reason: skipReason(current.status), status: current.status, attempt: message.attempt });
      return;
    }
    if (running.cancelRequested) {
      await this.finish({ record, parent, status: 'canceled', error: CANCELED_BY_CLIENT });
      return;
    }
    const watch = new CancelWatch(store, job.id, this.o.cancelPollMs);
    const signal = AbortSignal.any([shutdown, watch.signal]);
    await store.appendEvent(job.id, 'started', { attempt: message.attempt });

    let progress: Promise<unknown> = Promise.resolve();
    const exemplar = traceExemplar(parent);
    // Progress webhooks, when the webhook asked for them: throttled, never waited for.
    const announceProgress = this.lifecycle.progressAnnouncer(running, message.attempt, parent);
    const onProgress = ({ step, totalSteps, stepMs }: { step: number; totalSteps: number; stepMs: number }) => {
      this.metrics.step(job.params.model, job.params.sampler, stepMs, exemplar);
      announceProgress(step, totalSteps);
      // Chained so events keep their order; every step is reported.
      progress = progress
        .then(() => store.appendEvent(job.id, 'progress', { step, total_steps: totalSteps, step_ms: Math.round(stepMs * 100) / 100 }))
        .catch((err: unknown) => logger.warn('progress_event_failed', { err }));
    };

    let result: GenerateResult;
    let outputs: string[];
    try {
      result = await withSpan(
        'inference',
        {
          kind: SpanKind.CONSUMER,
          parent,
          attributes: {
            ...this.messagingAttributes(message),
            [ATTR.MESSAGING_OPERATION]: 'process',
            [ATTR.GEN_AI_OPERATION_NAME]: 'image_generation',
            ...generationAttributes({ ...job.params, prompt_hash: record.promptHash }),
          },
        },
        () => pipeline.generate({ prompt: job.prompt, negativePrompt: job.negativePrompt, params: job.params, onProgress, signal }),
      );
      await progress;
      this.metrics.modelUsed(result.modelId, result.coldStart, result.timings.modelLoadMs, exemplar);
      outputs = await this.storeImages(job.id, result, parent);
    } catch (err) {
      watch.stop();
      await progress;
      if (watch.canceled) {
        await this.finish({ record, parent, status: 'canceled', error: CANCELED_BY_CLIENT, startedAt });
        return;
      }
      if (shutdown.aborted) {
        // Handed back to the queue; another worker (or this one, restarted) takes it. The
        // requeue is this run's only: if another delivery took over meanwhile, it stays.
        await this.lifecycle.requeue(job.id, startedAt).catch(() => false);
        logger.info('job_handed_back', { attempt: message.attempt });
        throw err;
      }
      if (!isRetryable(err)) {
        await this.finish({ record, parent, status: 'failed', error: toPublicError(err), startedAt });
        return;
      }
      if (message.attempt < this.o.maxAttempts) {
        logger.warn('job_retry', { attempt: message.attempt, max_attempts: this.o.maxAttempts, err: err as Error });
        // No `queued` event when the run was no longer ours to requeue (canceled, finished, taken over).
        if (await this.lifecycle.requeue(job.id, startedAt).catch(() => false)) {
          await store.appendEvent(job.id, 'queued', { retry: true, attempt: message.attempt, error: toPublicError(err) }).catch(() => {});
        }
      }
      // Last attempt: the queue dead-letters it and onDeadLetter marks it failed.
      throw err;
    }
    watch.stop();
    await this.finish({
      record,
      parent,
      status: 'succeeded',
      outputs,
      startedAt,
      inference: {
        inferenceMs: Math.round(result.timings.totalMs),
        modelVersion: result.modelVersion,
        device: result.device,
        peakMemoryMb: result.peakMemoryMb,
        peakGpuMemoryMb: result.peakGpuMemoryMb,
      },
    });
  }

  private async storeImages(id: string, result: GenerateResult, parent: Context): Promise<string[]> {
    const { objectStore, logger } = this.o;
    const outputs: string[] = [];
    for (let k = 0; k < result.images.length; k++) {
      const key = imageKey(id, k);
      const { location, bytes } = await withSpan(
        'storage.put',
        {
          kind: SpanKind.CLIENT,
          parent,
          attributes: {
            [ATTR.STORAGE_SYSTEM]: objectStore.kind,
            [ATTR.STORAGE_KEY]: key,
            [ATTR.DIFFUSION_IMAGE_INDEX]: k,
            [ATTR.REQUEST_ID]: id,
          },
        },
        async (span) => {
          const stored = await objectStore.put(key, result.images[k].png, 'image/png');
          span.setAttribute(ATTR.DIFFUSION_OUTPUT_LOCATION, stored.location);
          span.setAttribute(ATTR.DIFFUSION_IMAGE_BYTES, stored.bytes);
          return stored;
        },
      );
      logger.info('result_stored', { output_location: location, bytes, image_index: k, storage: objectStore.kind });
      outputs.push(location);
    }
    return outputs;
  }

  /** Ends the generation through the lifecycle; a delivery that lost the race only says so. */
  private async finish(input: CompleteInput): Promise<void> {
    if (!(await this.lifecycle.complete(input))) {
      this.o.logger.info('job_duplicate', { reason: 'another delivery finished this generation first', status: input.status });
    }
  }

  /**
   * Called by the queue when a job exhausted its attempts (or kept killing its workers). The
   * message is gone from the queue already, so the failed status must reach the store: the read
   * and the finish are retried with backoff (the finish by the lifecycle, which also recognises
   * its own write acknowledged late), and past that the reconciler fails the generation.
   */
  async deadLetter(message: DeliveredMessage, error: Error): Promise<void> {
    const { context: parent } = extractMessageHeaders(message.headers);
    const { logger } = this.o;
    const retry: StateWriteRetryOptions = {
      ...(this.o.deadLetterRetry ?? DEFAULT_STATE_WRITE_RETRY),
      onRetry: (err, attempt, delayMs) => logger.warn('dead_letter_write_retry', { attempt, retry_in_ms: delayMs, err: err as Error }),
    };
    await context.with(parent, async () => {
      try {
        const record = await retryStateWrite(() => this.o.store.get(message.id), retry);
        if (!record || isTerminal(record.status)) return;
        logger.warn('job_dead_lettered', { attempt: message.attempt, max_attempts: this.o.maxAttempts, reason: error.message });
        await this.finish({
          record,
          parent,
          status: 'failed',
          error: deadLetteredError(message.attempt, error.message),
          startedAt: record.startedAt,
          retry,
        });
      } catch (err) {
        logger.error('dead_letter_write_failed', { attempt: retry.attempts, err: err as Error });
      }
    });
  }
}
