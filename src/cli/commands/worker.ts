import type { Config } from '../../config/index.js';
import { createThreadedInferencePipeline, inferenceOptionsFromConfig } from '../../inference/index.js';
import { startWorker, workerReadiness } from '../../worker/index.js';
import { serveMetricsIfConfigured } from './metrics-endpoint.js';
import { openSharedResources, startServiceRuntime } from './service-runtime.js';

/** `diffscope worker`: one inference worker. */
export async function runWorker(config: Config): Promise<void> {
  const runtime = startServiceRuntime(config, 'inference-worker');
  const { logger } = runtime;
  const { queue, store, objectStore } = await openSharedResources(config, runtime);
  // Inference runs in a worker thread: a long step never blocks leases, cancel, progress or /metrics.
  const pipeline = await createThreadedInferencePipeline(inferenceOptionsFromConfig(config, logger));
  runtime.closeOnShutdown('pipeline', () => pipeline.close());
  const worker = await startWorker({ config, logger, queue, store, objectStore, pipeline });
  runtime.onShutdown(() => worker.close());
  await serveMetricsIfConfigured(config, runtime, workerReadiness(config, queue, store, pipeline));
}
