/**
 * The small HTTP server of a service without an API of its own (worker, notifier):
 * `GET /metrics` (OpenMetrics from the process registry, exemplars included), `GET /healthz`
 * (the event loop answers) and `GET /readyz` (every readiness check passed within 2 s: for a
 * worker, its default model is loaded and the queue and store answer). Inference runs in a
 * thread (src/inference/thread), so all three answer while a step runs;
 * test/worker/slow-model.test.ts measures that with a model whose steps take seconds.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderMetrics, type Logger } from '../telemetry/index.js';

/** A readiness check: resolves (ready) or throws/rejects with the reason it is not. */
export type ReadinessCheck = () => unknown;

export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  logger: Logger;
  /** Named readiness checks of GET /readyz (none: ready as soon as it listens). */
  readiness?: Record<string, ReadinessCheck>;
}

export interface MetricsServer {
  /** Base URL, e.g. http://127.0.0.1:9464 */
  url: string;
  close(): Promise<void>;
}

const startedAt = Date.now();
const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(check),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return 'ok';
  } catch (err) {
    return `error: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    clearTimeout(timer);
  }
}

/** The same shape as the api-server's /readyz: `{ status: ready|unavailable, checks: { name: ok | error: … } }`. */
export async function readiness(
  checks: Record<string, ReadinessCheck>,
): Promise<{ ready: boolean; body: { status: string; checks: Record<string, string> } }> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => runCheck(checks[name])));
  const ready = results.every((r) => r === 'ok');
  return { ready, body: { status: ready ? 'ready' : 'unavailable', checks: Object.fromEntries(names.map((n, i) => [n, results[i]])) } };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { logger } = options;
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      json(res, 200, { status: 'ok', uptime_s: Math.round((Date.now() - startedAt) / 1000) });
      return;
    }
    if (req.method === 'GET' && path === '/readyz') {
      void readiness(options.readiness ?? {}).then(({ ready, body }) => json(res, ready ? 200 : 503, body));
      return;
    }
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics, /healthz and /readyz here\n');
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
