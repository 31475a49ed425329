import type { Config } from '../../config/index.js';
import { completionQueueName, startNotifier } from '../../notifier/index.js';
import { sharedResourceChecks } from '../../worker/index.js';
import { serveMetricsIfConfigured } from './metrics-endpoint.js';
import { openSharedResources, startServiceRuntime } from './service-runtime.js';

/** `diffscope notifier`: webhook delivery alone. */
export async function runNotifier(config: Config): Promise<void> {
  const runtime = startServiceRuntime(config, 'notifier');
  const { queue, store } = await openSharedResources(config, runtime, { objectStore: false });
  const notifier = await startNotifier({ config, logger: runtime.logger, queue, store });
  runtime.onShutdown(() => notifier.close());
  await serveMetricsIfConfigured(config, runtime, sharedResourceChecks(queue, completionQueueName(config), store));
}
