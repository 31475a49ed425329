import type { Config } from '../../config/index.js';
import { buildApiServer } from '../../api/index.js';
import { createInferencePipeline, inferenceOptionsFromConfig } from '../../inference/index.js';
import { createQueueBackend } from '../../queue/index.js';
import { createGenerationStore } from '../../state/index.js';
import { createObjectStore } from '../../storage/index.js';
import { onShutdown } from '../../telemetry/index.js';
import { startServiceRuntime } from './service-runtime.js';

/** `diffscope api`: the HTTP API alone. */
export async function runApi(config: Config): Promise<void> {
  const { logger, closeOnShutdown } = startServiceRuntime(config, 'api-server');
  const queue = await createQueueBackend(config);
  closeOnShutdown('queue', () => queue.close());
  const store = await createGenerationStore(config);
  closeOnShutdown('state', () => store.close());
  const objectStore = createObjectStore(config);
  closeOnShutdown('storage', () => objectStore.close());
  // The API only reads the model registry (ids, sizes) to validate requests; sessions are
  // never loaded in this process.
  const models = await createInferencePipeline(inferenceOptionsFromConfig(config, logger));
  const app = await buildApiServer({ config, logger, queue, store, objectStore, models: () => models.listModels() });
  await app.listen({ host: config.DIFFSCOPE_API_HOST, port: config.DIFFSCOPE_API_PORT });
  onShutdown(() => app.close());
  logger.info('api_listening', {
    url: `http://${config.DIFFSCOPE_API_HOST}:${config.DIFFSCOPE_API_PORT}`,
    queue_backend: queue.kind,
    state_backend: store.kind,
    storage_backend: objectStore.kind,
    models: models.listModels().map((m) => m.id),
  });
}
