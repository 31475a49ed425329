/**
 * The worker and notifier have no HTTP API of their own; when DIFFSCOPE_METRICS_PORT is set
 * they answer scrapes on a tiny server (the api-server serves /metrics on its API port).
 */
import { createServer } from 'node:http';
import type { Config } from '../../config/index.js';
import { renderMetrics } from '../../telemetry/index.js';
import type { ServiceRuntime } from './service-runtime.js';

export async function serveMetricsIfConfigured(config: Config, runtime: ServiceRuntime): Promise<void> {
  const { logger } = runtime;
  const port = config.DIFFSCOPE_METRICS_PORT;
  if (port === undefined) return;
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    renderMetrics().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (err: unknown) => {
        logger.error('metrics_render_failed', { err: err instanceof Error ? err : new Error(String(err)) });
        res.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, config.DIFFSCOPE_METRICS_HOST, resolve);
  });
  logger.info('metrics_listening', { url: `http://${config.DIFFSCOPE_METRICS_HOST}:${port}/metrics` });
  runtime.onShutdown(() => new Promise<void>((resolve) => server.close(() => resolve())));
}
