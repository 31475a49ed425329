/**
 * One generation job, from dequeue to completion event, as spans B (`queue.wait`), C
 * (`inference`, the pipeline adds model.load / text.encode / sampling / vae.decode under it)
 * and D (`storage.put`, one per image), all children of the producer's context so the
 * trace reads like the architecture picture. Completion is idempotent: a terminal record
 * is never processed again and `store.finish` decides once which delivery wins.
 */
import { DiffscopeError } from '../errors/index.js';
import type { GenerateResult, InferencePipeline } from '../inference/types.js';
import type { CompletionEvent } from '../notifier/index.js';
import type { DeliveredMessage, QueueProducer } from '../queue/index.js';
import { TERMINAL_STATUSES, type GenerationRecord, type GenerationStore } from '../state/index.js';
import { imageKey, type ObjectStore } from '../storage/index.js';
import {
  ATTR,
  SpanKind,
  context,
  extractMessageHeaders,
  generationAttributes,
  getTracer,
  injectMessageHeaders,
  withSpan,
  type Context,
  type Logger,
} from '../telemetry/index.js';
import { CancelWatch } from './cancel-watch.js';
import { createWorkerMetrics } from './worker-metrics.js';
import type { GenerationJob } from './generation-job.js';

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
}

type Terminal = 'succeeded' | 'failed' | 'canceled';

function isRetryable(err: unknown): boolean {
  // Unknown errors (a crashed session, a full disk) may pass; our own codes say.
  return err instanceof DiffscopeError ? err.retryable : true;
}

function toPublicError(err: unknown): { code: string; message: string } {
  if (err instanceof DiffscopeError) return { code: err.code, message: err.message };
  return { code: 'DSC_ERR_INFER_FAILED', message: err instanceof Error ? err.message : String(err) };
}

export class GenerationProcessor {
  private readonly metrics = createWorkerMetrics();

  constructor(private readonly o: GenerationProcessorOptions) {}

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

  private async run(message: DeliveredMessage<GenerationJob>, shutdown: AbortSignal, parent: Context, enqueuedAt: number | undefined): Promise<void> {
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
    if (TERMINAL_STATUSES.includes(record.status)) {
      logger.info('job_skipped', { reason: 'already terminal', status: record.status, attempt: message.attempt });
      return;
    }
    if (record.cancelRequested) {
      await this.finish(record, parent, 'canceled', { error: { code: 'DSC_ERR_INFER_CANCELED', message: 'canceled by the client' } });
      return;
    }

    const startedAt = Date.now();
    const running = await store.update(job.id, { status: 'running', startedAt, attempts: message.attempt });
    // `update` is a blind patch: a client may have canceled the queued generation between our
    // read and this write. Its finish left `finishedAt` behind; put the status back and stop.
    if (running && running.finishedAt !== undefined && running.finishedAt !== record.finishedAt) {
      await store.update(job.id, { status: 'canceled' });
      logger.info('job_skipped', { reason: 'canceled while being dequeued', status: 'canceled', attempt: message.attempt });
      return;
    }
    if (running?.cancelRequested) {
      await this.finish(record, parent, 'canceled', { error: { code: 'DSC_ERR_INFER_CANCELED', message: 'canceled by the client' } });
      return;
    }
    const watch = new CancelWatch(store, job.id, this.o.cancelPollMs);
    const signal = AbortSignal.any([shutdown, watch.signal]);
    await store.appendEvent(job.id, 'started', { attempt: message.attempt });

    let progress: Promise<unknown> = Promise.resolve();
    const onProgress = ({ step, totalSteps, stepMs }: { step: number; totalSteps: number; stepMs: number }) => {
      // Chained so events keep their order; every step is reported.
      progress = progress
        .then(() => store.appendEvent(job.id, 'progress', { step, total_steps: totalSteps, step_ms: Math.round(stepMs * 100) / 100 }))
        .catch((err) => logger.warn('progress_event_failed', { err: err as Error }));
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
      outputs = await this.storeImages(job.id, result, parent);
    } catch (err) {
      watch.stop();
      await progress;
      if (watch.canceled) {
        await this.finish(record, parent, 'canceled', { error: { code: 'DSC_ERR_INFER_CANCELED', message: 'canceled by the client' }, startedAt });
        return;
      }
      if (shutdown.aborted) {
        // Handed back to the queue; another worker (or this one, restarted) takes it.
        // Only if no other worker took it over meanwhile.
        const current = await store.get(job.id).catch(() => null);
        if (current?.status === 'running' && current.startedAt === startedAt) await store.update(job.id, { status: 'queued' }).catch(() => {});
        logger.info('job_handed_back', { attempt: message.attempt });
        throw err;
      }
      if (!isRetryable(err)) {
        await this.finish(record, parent, 'failed', { error: toPublicError(err), startedAt });
        return;
      }
      if (message.attempt < this.o.maxAttempts) {
        logger.warn('job_retry', { attempt: message.attempt, max_attempts: this.o.maxAttempts, err: err as Error });
        await store.update(job.id, { status: 'queued' }).catch(() => {});
        await store.appendEvent(job.id, 'queued', { retry: true, attempt: message.attempt, error: toPublicError(err) }).catch(() => {});
      }
      // Last attempt: the queue dead-letters it and onDeadLetter marks it failed.
      throw err;
    }
    watch.stop();
    await this.finish(record, parent, 'succeeded', { outputs, startedAt, result });
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

  /** Terminal status once (store.finish decides), then the event, the log line and the completion message. */
  private async finish(
    record: GenerationRecord,
    parent: Context,
    status: Terminal,
    extra: { error?: { code: string; message: string }; outputs?: string[]; startedAt?: number; result?: GenerateResult },
  ): Promise<void> {
    const { store, logger } = this.o;
    const finishedAt = Date.now();
    const queueMs = extra.startedAt !== undefined ? Math.max(0, extra.startedAt - record.createdAt) : undefined;
    const inferenceMs = extra.result
      ? Math.round(extra.result.timings.totalMs)
      : extra.startedAt !== undefined
        ? finishedAt - extra.startedAt
        : undefined;
    const totalMs = finishedAt - record.createdAt;
    const patch: Partial<GenerationRecord> = {
      finishedAt,
      totalMs,
      ...(queueMs !== undefined ? { queueMs } : {}),
      ...(inferenceMs !== undefined ? { inferenceMs } : {}),
      ...(extra.outputs ? { outputs: extra.outputs } : {}),
      ...(extra.error ? { error: extra.error } : {}),
      ...(extra.result ? { modelVersion: extra.result.modelVersion } : {}),
    };
    const won = await store.finish(record.id, status, patch);
    if (!won) {
      logger.info('job_duplicate', { reason: 'another delivery finished this generation first', status });
      return;
    }
    await store.appendEvent(record.id, status, {
      status,
      ...(extra.outputs ? { output_locations: extra.outputs } : {}),
      ...(extra.error ? { error: extra.error } : {}),
      timings: { queue_ms: queueMs ?? null, inference_ms: inferenceMs ?? null, total_ms: totalMs },
    });
    const p = record.params;
    const fields = {
      status,
      model_id: p.model,
      model_version: extra.result?.modelVersion,
      prompt_hash: record.promptHash,
      sampler: p.sampler,
      steps: p.steps,
      cfg_scale: p.cfgScale,
      seed: p.seed,
      width: p.width,
      height: p.height,
      n: p.n,
      queue_ms: queueMs,
      inference_time_ms: inferenceMs,
      total_ms: totalMs,
      output_location: extra.outputs?.[0],
      device: extra.result?.device,
      peak_memory_mb: extra.result?.peakMemoryMb,
      peak_gpu_memory_mb: extra.result?.peakGpuMemoryMb,
    };
    this.metrics.finished(status, p.model, p.sampler, queueMs, inferenceMs);
    if (status === 'failed') logger.error('request_failed', { ...fields, 'error.type': extra.error?.code, 'error.message': extra.error?.message });
    else logger.info(status === 'succeeded' ? 'request_complete' : 'request_canceled', fields);
    await this.publishCompletion(parent, { id: record.id, status, finishedAt });
  }

  private async publishCompletion(parent: Context, event: CompletionEvent): Promise<void> {
    try {
      const producer = await this.o.completions();
      await producer.publish(`${event.id}:${event.status}`, event, injectMessageHeaders({ context: parent, requestId: event.id }));
    } catch (err) {
      // The generation is done either way; only its webhook is at stake.
      this.o.logger.error('completion_publish_failed', { err: err as Error });
    }
  }

  /** Called by the queue when a job exhausted its attempts (or kept killing its workers). */
  async deadLetter(message: DeliveredMessage, error: Error): Promise<void> {
    const { context: parent } = extractMessageHeaders(message.headers);
    await context.with(parent, async () => {
      const record = await this.o.store.get(message.id);
      if (!record || TERMINAL_STATUSES.includes(record.status)) return;
      this.o.logger.warn('job_dead_lettered', { attempt: message.attempt, max_attempts: this.o.maxAttempts, reason: error.message });
      await this.finish(record, parent, 'failed', {
        error: { code: 'DSC_ERR_INFER_FAILED', message: `failed after ${message.attempt} attempts: ${error.message}` },
        startedAt: record.startedAt,
      });
    });
  }
}
