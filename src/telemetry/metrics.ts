/**
 * Prometheus/OpenMetrics metrics with prom-client: one registry per process, default Node
 * metrics on, every series labelled with `service`.
 */
import { telemetryState } from './state.js';
import { collectDefaultMetrics, Registry, type Histogram, type LabelValues, type OpenMetricsContentType } from 'prom-client';
import type { TraceExemplar } from './exemplars.js';

const KEY = Symbol.for('diffscope.telemetry.metrics');

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

export interface MetricsRegistryOptions {
  /** Value of the `service` default label; only used on first call. Default 'diffscope'. */
  service?: string;
}

/** One registry per process (OpenMetrics format); first call decides the `service` label. */
export function metricsRegistry(options: MetricsRegistryOptions = {}): Registry<OpenMetricsContentType> {
  const g = globalThis as unknown as Record<symbol, Registry<OpenMetricsContentType> | undefined>;
  let registry = g[KEY];
  if (registry === undefined) {
    registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    registry.setDefaultLabels({ service: options.service ?? telemetryState().serviceName ?? 'diffscope' });
    collectDefaultMetrics({ register: registry });
    g[KEY] = registry;
  }
  return registry;
}

/**
 * Content type for a /metrics response: OpenMetrics when the scraper accepts it (Prometheus
 * sends `application/openmetrics-text` in Accept), else the registry's type.
 */
export function metricsContentType(registry: Registry<OpenMetricsContentType> = metricsRegistry()): string {
  return registry.contentType;
}

/** Body + content type for a /metrics handler. */
export async function renderMetrics(
  registry: Registry<OpenMetricsContentType> = metricsRegistry(),
): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/**
 * Observe on a histogram made with `enableExemplars: true`, with the trace's exemplar when
 * there is one (prom-client types exemplar labels as the metric's own label names).
 */
export function observeWithExemplar<T extends string>(
  histogram: Histogram<T>,
  labels: LabelValues<T>,
  value: number,
  exemplar: TraceExemplar | undefined,
): void {
  histogram.observe(exemplar ? { labels, value, exemplarLabels: exemplar as unknown as LabelValues<T> } : { labels, value });
}
