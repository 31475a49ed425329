import type { Config } from '../../config/index.js';
import { createInferencePipeline, inferenceOptionsFromConfig } from '../../inference/index.js';
import { createQueueBackend } from '../../queue/index.js';
import { createGenerationStore } from '../../state/index.js';
import { createObjectStore } from '../../storage/index.js';
import { startWorker } from '../../worker/index.js';
import { serveMetricsIfConfigured } from './metrics-endpoint.js';
import { startServiceRuntime } from './service-runtime.js';

/** `diffscope worker`: one inference worker. */
export async function runWorker(config: Config): Promise<void> {
  const { logger, closeOnShutdown } = startServiceRuntime(config, 'inference-worker');
  const queue = await createQueueBackend(config);
  closeOnShutdown('queue', () => queue.close());
  const store = await createGenerationStore(config);
  closeOnShutdown('state', () => store.close());
  const objectStore = createObjectStore(config);
  closeOnShutdown('storage', () => objectStore.close());
  const pipeline = await createInferencePipeline(inferenceOptionsFromConfig(config, logger));
  closeOnShutdown('pipeline', () => pipeline.close());
  await startWorker({ config, logger, queue, store, objectStore, pipeline });
  await serveMetricsIfConfigured(config, logger);
}
