/**
 * The explorer's own probes and metrics on its query port: `GET /metrics` (OpenMetrics: process
 * metrics, spans and log records stored, query latency), `GET /healthz` (the process answers)
 * and `GET /readyz` (the store answers a read). Like the api-server's, they answer without the
 * explorer token, so probes and Prometheus need no secret; they show counts, never data. The
 * explorer does not trace itself (its spans would come back to it), so its histogram has no
 * exemplars.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram } from 'prom-client';
import { metricsRegistry, registeredMetric } from '../telemetry/index.js';
import type { ExplorerStore } from './store/explorer-store.js';
import { PUBLIC_ROUTE } from './security.js';

const PROBE_ROUTES = new Set(['/metrics', '/healthz', '/readyz']);

export function registerExplorerMetrics(app: FastifyInstance, store: ExplorerStore): void {
  const registry = metricsRegistry({ service: 'explorer' });
  const registers = [registry];
  // Follows the ingest counters at scrape time. Re-registered per explorer, so the series
  // reads this explorer's store (tests start several in one process).
  if (registry.getSingleMetric('diffscope_explorer_records_stored_total'))
    registry.removeSingleMetric('diffscope_explorer_records_stored_total');
  let seen = { spans: 0, logs: 0 };
  new Counter({
    name: 'diffscope_explorer_records_stored_total',
    help: 'Spans and log records committed to the explorer store since start',
    labelNames: ['signal'] as const,
    registers,
    collect() {
      const now = { spans: store.spansWritten, logs: store.logsWritten };
      this.inc({ signal: 'spans' }, Math.max(0, now.spans - seen.spans));
      this.inc({ signal: 'logs' }, Math.max(0, now.logs - seen.logs));
      seen = now;
    },
  });
  const queries = registeredMetric(
    registry,
    'diffscope_explorer_request_duration_seconds',
    () =>
      new Histogram({
        name: 'diffscope_explorer_request_duration_seconds',
        help: 'Query API and UI requests of the explorer',
        labelNames: ['method', 'route', 'status_code'] as const,
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      }),
  );

  const started = new WeakMap<object, bigint>();
  app.addHook('onRequest', async (request) => {
    started.set(request, process.hrtime.bigint());
  });
  app.addHook('onResponse', async (request, reply) => {
    const t0 = started.get(request);
    const route = request.routeOptions.url ?? 'unmatched';
    if (t0 === undefined || PROBE_ROUTES.has(route)) return;
    queries.observe({ method: request.method, route, status_code: String(reply.statusCode) }, Number(process.hrtime.bigint() - t0) / 1e9);
  });

  app.get('/healthz', { config: PUBLIC_ROUTE }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: PUBLIC_ROUTE }, async (_request, reply) => {
    let check = 'ok';
    try {
      store.db.prepare('SELECT 1').get();
    } catch (err) {
      check = `error: ${(err as Error).message}`;
    }
    reply.code(check === 'ok' ? 200 : 503);
    return { status: check === 'ok' ? 'ready' : 'unavailable', checks: { store: check } };
  });
  app.get('/metrics', { config: PUBLIC_ROUTE }, async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
