/**
 * The small HTTP server of a service without an API of its own (worker, notifier):
 * `GET /metrics` (OpenMetrics from the process registry) and `GET /healthz` (the event loop
 * answers). Inference runs in a thread (src/inference/thread), so both answer while a step
 * runs; test/worker/slow-model.test.ts measures that with a model whose steps take seconds.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderMetrics, type Logger } from '../telemetry/index.js';

export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  logger: Logger;
}

export interface MetricsServer {
  /** Base URL, e.g. http://127.0.0.1:9464 */
  url: string;
  close(): Promise<void>;
}

const startedAt = Date.now();

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { logger } = options;
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', uptime_s: Math.round((Date.now() - startedAt) / 1000) }));
      return;
    }
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics and GET /healthz here\n');
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
    server.listen(options.port, options.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
