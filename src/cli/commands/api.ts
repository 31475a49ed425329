import type { Config } from '../../config/index.js';
import { buildApiServer } from '../../api/index.js';
import { RetentionSweeper } from '../../generation/index.js';
import { scanModels } from './model-catalog.js';
import { openSharedResources, startServiceRuntime } from './service-runtime.js';

/** `diffscope api`: the HTTP API alone. */
export async function runApi(config: Config): Promise<void> {
  const runtime = startServiceRuntime(config, 'api-server');
  const { logger } = runtime;
  const { queue, store, objectStore } = await openSharedResources(config, runtime);
  // The API only reads the model registry (ids, sizes) to validate requests: ONNX Runtime is
  // never loaded in this process.
  const models = await scanModels(config, logger);
  const app = await buildApiServer({ config, logger, queue, store, objectStore, models: () => models.list() });
  await app.listen({ host: config.DIFFSCOPE_API_HOST, port: config.DIFFSCOPE_API_PORT });
  runtime.onShutdown(() => app.close());
  // Every api-server sweeps (leader-free: several at once is harmless), unless told not to.
  const retentionMs = Math.round(config.DIFFSCOPE_RETENTION_HOURS * 3_600_000);
  if (retentionMs > 0 && config.DIFFSCOPE_RETENTION_SWEEP_INTERVAL_MS > 0) {
    const sweeping = new RetentionSweeper({ store, objectStore, retentionMs, logger }).start(config.DIFFSCOPE_RETENTION_SWEEP_INTERVAL_MS);
    runtime.onShutdown(() => sweeping.stop());
  }
  logger.info('api_listening', {
    url: `http://${config.DIFFSCOPE_API_HOST}:${config.DIFFSCOPE_API_PORT}`,
    queue_backend: queue.kind,
    state_backend: store.kind,
    storage_backend: objectStore.kind,
    models: models.list().map((m) => m.id),
  });
}
