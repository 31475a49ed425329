/**
 * Request counters, latency histograms and the queue-depth gauge, registered on the
 * process's telemetry registry (served at /metrics). Registration is idempotent so several
 * servers can be built in one process (tests, benchmarks). The latency histogram carries a
 * `trace_id` exemplar per bucket (the latest sampled request that fell in it), which Grafana
 * follows to the trace in the explorer.
 */
import { Counter, Gauge, Histogram, type Registry, type RegistryContentType } from 'prom-client';
import { observeWithExemplar, registeredMetric, type TraceExemplar } from '../telemetry/index.js';

const QUEUE_DEPTH_DEADLINE_MS = 1_000;

export interface HttpMetrics {
  observe(method: string, route: string, statusCode: number, seconds: number, exemplar?: TraceExemplar): void;
}

export function createHttpMetrics(registry: Registry<RegistryContentType>, queueDepth: () => Promise<number>): HttpMetrics {
  const requests = registeredMetric(
    registry,
    'diffscope_http_requests',
    () =>
      new Counter({
        name: 'diffscope_http_requests',
        help: 'HTTP requests answered by the api-server',
        labelNames: ['method', 'route', 'status_code'] as const,
        registers: [registry],
      }),
  );
  const duration = registeredMetric(
    registry,
    'diffscope_http_request_duration_seconds',
    () =>
      new Histogram({
        name: 'diffscope_http_request_duration_seconds',
        help: 'HTTP request latency of the api-server',
        labelNames: ['method', 'route'] as const,
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
        enableExemplars: true,
        registers: [registry],
      }),
  );
  const existingGauge = registry.getSingleMetric('diffscope_queue_depth');
  if (existingGauge) registry.removeSingleMetric('diffscope_queue_depth');
  new Gauge({
    name: 'diffscope_queue_depth',
    help: 'Generation jobs waiting in the queue (not in flight)',
    registers: [registry],
    async collect() {
      // A scrape must not wait out a queue outage: past the deadline the gauge keeps its last value.
      let timer: NodeJS.Timeout | undefined;
      try {
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('queue depth: no answer')), QUEUE_DEPTH_DEADLINE_MS);
        });
        this.set(await Promise.race([queueDepth(), deadline]));
      } catch {
        // Queue unreachable: leave the last value; /readyz reports the outage.
      } finally {
        clearTimeout(timer);
      }
    },
  });
  return {
    observe(method, route, statusCode, seconds, exemplar) {
      requests.inc({ method, route, status_code: String(statusCode) });
      observeWithExemplar(duration, { method, route }, seconds, exemplar);
    },
  };
}
