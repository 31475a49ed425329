/**
 * The span and log record processors NodeSDK would build from the OTEL_* variables, built here
 * instead so that each batch processor reports what it dropped (src/telemetry/export-drops.ts)
 * through its public `selfObsMeterProvider` option. Same rules as NodeSDK 0.223
 * (sdk-node's getSpanProcessorsFromEnv / configureLoggerProviderFromEnv): OTEL_TRACES_EXPORTER
 * and OTEL_LOGS_EXPORTER lists (default otlp; `none`), OTLP protocol per signal
 * (http/protobuf default, http/json), zipkin, console (simple processor), OTEL_BSP_* and
 * OTEL_BLRP_* batch settings. For what is not built here (the grpc protocol, whose exporter is
 * not a dependency of this package) undefined is returned and NodeSDK builds the processors
 * itself, without drop counts.
 */
import type { MeterProvider } from '@opentelemetry/api';
import { getNumberFromEnv, getStringFromEnv, getStringListFromEnv } from '@opentelemetry/core';
import { OTLPLogExporter as OTLPLogExporterJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OTLPLogExporterProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as OTLPTraceExporterJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import {
  BatchLogRecordProcessor,
  ConsoleLogRecordExporter,
  SimpleLogRecordProcessor,
  type LogRecordExporter,
  type LogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type BufferConfig,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

function protocol(signal: 'TRACES' | 'LOGS'): string {
  return (
    (getStringFromEnv(`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`) ?? getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL'))?.trim() ||
    'http/protobuf'
  );
}

/** The exporter names of a list variable, as NodeSDK reads them; [] for `none`. */
function exporterNames(variable: string): string[] {
  let names = Array.from(new Set(getStringListFromEnv(variable) ?? [])).filter((s) => s !== 'null');
  if (names[0] === 'none') return [];
  if (names.length === 0 || (names.length > 1 && names.includes('none'))) names = ['otlp'];
  return names;
}

/** Span processors for OTEL_TRACES_EXPORTER; undefined when NodeSDK must build them. */
export function spanProcessorsFromEnv(meterProvider: MeterProvider): SpanProcessor[] | undefined {
  const names = exporterNames('OTEL_TRACES_EXPORTER');
  if (names.includes('otlp') && !['http/protobuf', 'http/json'].includes(protocol('TRACES'))) return undefined;
  const processors: SpanProcessor[] = [];
  for (const name of names) {
    if (name === 'console') {
      processors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
      continue;
    }
    let exporter: SpanExporter;
    if (name === 'otlp') exporter = protocol('TRACES') === 'http/json' ? new OTLPTraceExporterJson() : new OTLPTraceExporterProto();
    else if (name === 'zipkin') exporter = new ZipkinExporter();
    else return undefined; // NodeSDK warns about a name it does not know
    // The shim reads OTEL_BSP_* and hands every option, selfObsMeterProvider included, to the
    // BatchSpanProcessor of @opentelemetry/sdk-trace, where that option is public.
    processors.push(new BatchSpanProcessor(exporter, { selfObsMeterProvider: meterProvider } as BufferConfig));
  }
  return processors;
}

/** Log record processors for OTEL_LOGS_EXPORTER; undefined when NodeSDK must build them. */
export function logRecordProcessorsFromEnv(meterProvider: MeterProvider): LogRecordProcessor[] | undefined {
  const names = exporterNames('OTEL_LOGS_EXPORTER');
  if (names.includes('otlp') && !['http/protobuf', 'http/json'].includes(protocol('LOGS'))) return undefined;
  const processors: LogRecordProcessor[] = [];
  for (const name of names) {
    if (name === 'console') {
      processors.push(new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter(), selfObsMeterProvider: meterProvider }));
      continue;
    }
    if (name !== 'otlp') return undefined;
    const exporter: LogRecordExporter = protocol('LOGS') === 'http/json' ? new OTLPLogExporterJson() : new OTLPLogExporterProto();
    processors.push(
      new BatchLogRecordProcessor({
        exporter,
        selfObsMeterProvider: meterProvider,
        maxQueueSize: getNumberFromEnv('OTEL_BLRP_MAX_QUEUE_SIZE'),
        scheduledDelayMillis: getNumberFromEnv('OTEL_BLRP_SCHEDULE_DELAY'),
        exportTimeoutMillis: getNumberFromEnv('OTEL_BLRP_EXPORT_TIMEOUT'),
        maxExportBatchSize: getNumberFromEnv('OTEL_BLRP_MAX_EXPORT_BATCH_SIZE'),
      }),
    );
  }
  return processors;
}
