import type { Config } from '../../config/index.js';
import { createInferencePipeline, inferenceOptionsFromConfig } from '../../inference/index.js';
import { startWorker } from '../../worker/index.js';
import { serveMetricsIfConfigured } from './metrics-endpoint.js';
import { openSharedResources, startServiceRuntime } from './service-runtime.js';

/** `diffscope worker`: one inference worker. */
export async function runWorker(config: Config): Promise<void> {
  const runtime = startServiceRuntime(config, 'inference-worker');
  const { logger } = runtime;
  const { queue, store, objectStore } = await openSharedResources(config, runtime);
  const pipeline = await createInferencePipeline(inferenceOptionsFromConfig(config, logger));
  runtime.closeOnShutdown('pipeline', () => pipeline.close());
  const worker = await startWorker({ config, logger, queue, store, objectStore, pipeline });
  runtime.onShutdown(() => worker.close());
  await serveMetricsIfConfigured(config, runtime);
}
