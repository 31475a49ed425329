/**
 * The worker and notifier have no HTTP API of their own; when DIFFSCOPE_METRICS_PORT is set
 * (`diffscope start` sets it) they answer scrapes, /healthz and /readyz on a tiny server (the
 * api-server serves them on its API port, the explorer on its UI port).
 */
import type { Config } from '../../config/index.js';
import { startMetricsServer, type ReadinessCheck } from '../../worker/index.js';
import type { ServiceRuntime } from './service-runtime.js';

export async function serveMetricsIfConfigured(
  config: Config,
  runtime: ServiceRuntime,
  readiness?: Record<string, ReadinessCheck>,
): Promise<void> {
  const { logger } = runtime;
  const port = config.DIFFSCOPE_METRICS_PORT;
  if (port === undefined) return;
  const server = await startMetricsServer({ host: config.DIFFSCOPE_METRICS_HOST, port, logger, readiness });
  logger.info('metrics_listening', { url: `http://${config.DIFFSCOPE_METRICS_HOST}:${port}/metrics` });
  runtime.onShutdown(() => server.close());
}
