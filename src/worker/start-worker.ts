/**
 * The inference-worker: consumes the generation queue with DIFFSCOPE_WORKER_CONCURRENCY,
 * runs each job through GenerationProcessor and publishes completion events for the
 * notifier. On SIGTERM it stops taking jobs, lets running ones finish within the grace
 * period and hands the rest back to the queue.
 */
import { deadLetteredJob, generationQueueName, type GenerationJob } from '../generation/index.js';
import { promptHash } from '../telemetry/index.js';
import { completionQueueName } from '../notifier/index.js';
import { GenerationProcessor } from './generation-processor.js';
import { withBatching } from './batching/batcher.js';
import { registerGpuMetrics } from './worker-metrics.js';
import { preloadDefaultModel } from './model-preload.js';
import { canPreload } from '../inference/types.js';
// Not through inference/index.js: that loads onnxruntime-node, and the notifier imports this folder too.
import { processGpuMemoryMb, queryGpus } from '../inference/gpu/nvidia-smi.js';
import type { WorkerDeps, WorkerHandle } from './worker-deps.js';

/** Time kept from the shutdown grace for flushing spans and logs after the jobs. */
const FLUSH_MARGIN_MS = 1_500;

export async function startWorker(deps: WorkerDeps): Promise<WorkerHandle> {
  const { config, logger, queue } = deps;
  const queueName = generationQueueName(config);
  // GPU gauges whenever a GPU may be in use; they stay empty when nvidia-smi is not there.
  if (config.DIFFSCOPE_EXECUTION_PROVIDER !== 'cpu')
    registerGpuMetrics(config.DIFFSCOPE_GPU_INDEX, { queryGpus, processGpuMemoryMb: () => processGpuMemoryMb() });
  const batchMax = config.DIFFSCOPE_BATCH_MAX;
  // Batching needs the compatible requests in flight together: at least BATCH_MAX deliveries at once.
  const concurrency = Math.max(deps.concurrency ?? config.DIFFSCOPE_WORKER_CONCURRENCY, batchMax);
  const pipeline = withBatching(deps.pipeline, { maxImages: batchMax, windowMs: config.DIFFSCOPE_BATCH_WINDOW_MS, logger });
  // Started before the consumer: a job for the default model that arrives meanwhile shares the load.
  const preloaded =
    config.DIFFSCOPE_WORKER_PRELOAD && canPreload(deps.pipeline)
      ? preloadDefaultModel(deps.pipeline, config.DIFFSCOPE_DEFAULT_MODEL, logger)
      : undefined;
  const processor = new GenerationProcessor({
    queueName,
    queueKind: queue.kind,
    maxAttempts: config.DIFFSCOPE_QUEUE_MAX_ATTEMPTS,
    cancelPollMs: deps.cancelPollMs ?? 200,
    logger,
    store: deps.store,
    objectStore: deps.objectStore,
    pipeline,
    completions: () => queue.producer(completionQueueName(config)),
    deadLetterRetry: deps.deadLetterRetry,
  });
  const consumer = await queue.consume<GenerationJob>(queueName, (message, signal) => processor.process(message, signal), {
    concurrency,
    maxAttempts: config.DIFFSCOPE_QUEUE_MAX_ATTEMPTS,
    backoffMs: config.DIFFSCOPE_QUEUE_BACKOFF_MS,
    maxBackoffMs: config.DIFFSCOPE_QUEUE_MAX_BACKOFF_MS,
    // Dead letters stay for operators: without the prompt (docs/queues.md, "Where the prompt lives").
    deadLetterPayload: (payload) => deadLetteredJob(payload as GenerationJob, promptHash),
    onDeadLetter: (message, error) => processor.deadLetter(message, error),
  });
  logger.info('worker_started', {
    queue: queueName,
    queue_backend: queue.kind,
    concurrency,
    models: deps.pipeline.listModels().map((m) => m.id),
    ...(pipeline !== deps.pipeline ? { batch_max: batchMax, batch_window_ms: config.DIFFSCOPE_BATCH_WINDOW_MS } : {}),
  });

  let closing: Promise<void> | undefined;
  const handle: WorkerHandle = {
    preloaded: preloaded ?? Promise.resolve(),
    close(options = {}) {
      closing ??= (async () => {
        const graceMs = options.graceMs ?? Math.max(0, config.DIFFSCOPE_SHUTDOWN_GRACE_MS - FLUSH_MARGIN_MS);
        logger.info('worker_stopping', { grace_ms: graceMs });
        // Drain within the grace period; whatever still runs is aborted and handed back.
        await consumer.close({ drain: true, timeoutMs: graceMs });
        logger.info('worker_stopped', {});
      })();
      return closing;
    },
  };
  return handle;
}
