/**
 * Spans and log records the exporters lost, as prom-client counters. The OpenTelemetry SDK's
 * batch processors report every record they finish with through the semantic conventions'
 * SDK self-observability counters (`otel.sdk.processor.span.processed`,
 * `otel.sdk.processor.log.processed`; `error.type` set when the record was dropped: `queue_full`
 * when the processor's queue overflowed, the exporter's error name when the export failed).
 * The processors take that meter as their public `selfObsMeterProvider` option
 * (src/telemetry/export-pipeline.ts passes this one), so no SDK internals are touched.
 */
import { createNoopMeter, type Attributes, type Counter as OtelCounter, type Meter, type MeterProvider } from '@opentelemetry/api';
import { Counter, type Registry, type RegistryContentType } from 'prom-client';
import { metricsRegistry } from './metrics.js';
import { registeredMetric } from './registered-metric.js';

const PROCESSED: Record<string, 'spans' | 'logs'> = {
  'otel.sdk.processor.span.processed': 'spans',
  'otel.sdk.processor.log.processed': 'logs',
};

/** A MeterProvider that feeds the processors' outcome counters into the process's /metrics. */
export function exportOutcomeMeterProvider(registry: Registry<RegistryContentType> = metricsRegistry()): MeterProvider {
  const registers = [registry];
  const dropped = registeredMetric(
    registry,
    'diffscope_telemetry_dropped_total',
    () =>
      new Counter({
        name: 'diffscope_telemetry_dropped_total',
        help: 'Spans and log records the OpenTelemetry exporters lost: reason queue_full (the batch queue overflowed) or export_failed',
        labelNames: ['signal', 'reason'] as const,
        registers,
      }),
  );
  const exported = registeredMetric(
    registry,
    'diffscope_telemetry_exported_total',
    () =>
      new Counter({
        name: 'diffscope_telemetry_exported_total',
        help: 'Spans and log records exported',
        labelNames: ['signal'] as const,
        registers,
      }),
  );
  // Both series exist from the start, so a rate over them is defined before the first loss.
  for (const signal of ['spans', 'logs']) {
    exported.inc({ signal }, 0);
    for (const reason of ['queue_full', 'export_failed']) dropped.inc({ signal, reason }, 0);
  }
  const outcomeCounter = (signal: 'spans' | 'logs'): OtelCounter => ({
    add(value: number, attributes?: Attributes) {
      const error = attributes?.['error.type'];
      if (error === undefined) exported.inc({ signal }, value);
      else dropped.inc({ signal, reason: error === 'queue_full' ? 'queue_full' : 'export_failed' }, value);
    },
  });
  // Everything else the processors ask for (queue size gauges) is the API's no-op meter. That
  // meter is a shared singleton: delegated to, never modified.
  const noop = createNoopMeter();
  const meter: Meter = Object.assign(Object.create(noop) as Meter, {
    createCounter: (name: string) => (PROCESSED[name] ? outcomeCounter(PROCESSED[name]) : noop.createCounter(name)),
  });
  return { getMeter: () => meter };
}
