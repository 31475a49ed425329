import type { Config } from '../../config/index.js';
import { startNotifier } from '../../notifier/index.js';
import { createQueueBackend } from '../../queue/index.js';
import { createGenerationStore } from '../../state/index.js';
import { serveMetricsIfConfigured } from './metrics-endpoint.js';
import { startServiceRuntime } from './service-runtime.js';

/** `diffscope notifier`: webhook delivery alone. */
export async function runNotifier(config: Config): Promise<void> {
  const { logger, closeOnShutdown } = startServiceRuntime(config, 'notifier');
  const queue = await createQueueBackend(config);
  closeOnShutdown('queue', () => queue.close());
  const store = await createGenerationStore(config);
  closeOnShutdown('state', () => store.close());
  await startNotifier({ config, logger, queue, store });
  await serveMetricsIfConfigured(config, logger);
}
