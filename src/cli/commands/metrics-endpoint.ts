/**
 * The worker and notifier have no HTTP API of their own; when DIFFSCOPE_METRICS_PORT is set
 * they answer scrapes (and /healthz) on a tiny server (the api-server serves /metrics on its API port).
 */
import type { Config } from '../../config/index.js';
import { startMetricsServer } from '../../worker/index.js';
import type { ServiceRuntime } from './service-runtime.js';

export async function serveMetricsIfConfigured(config: Config, runtime: ServiceRuntime): Promise<void> {
  const { logger } = runtime;
  const port = config.DIFFSCOPE_METRICS_PORT;
  if (port === undefined) return;
  const server = await startMetricsServer({ host: config.DIFFSCOPE_METRICS_HOST, port, logger });
  logger.info('metrics_listening', { url: `http://${config.DIFFSCOPE_METRICS_HOST}:${port}/metrics` });
  runtime.onShutdown(() => server.close());
}
