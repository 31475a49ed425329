/**
 * Starts the OpenTelemetry NodeSDK from the standard OTEL_* variables. Loaded by register.ts
 * through a dynamic import, after the ESM loader hook is in place, so that the instrumented
 * modules (node:http, …) are patched when the app imports them.
 *
 * What NodeSDK 0.223 already honours by itself (checked in its source, proven by
 * test/telemetry/sdk-*.test.ts): OTEL_SDK_DISABLED, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_TRACES_EXPORTER (otlp, zipkin, console, none), OTEL_EXPORTER_OTLP_[TRACES_|LOGS_]ENDPOINT /
 * _PROTOCOL (http/protobuf, http/json, grpc), OTEL_EXPORTER_ZIPKIN_ENDPOINT, OTEL_TRACES_SAMPLER /
 * _ARG, OTEL_LOGS_EXPORTER, OTEL_BSP_* / OTEL_BLRP_*, OTEL_LOG_LEVEL. What this module adds:
 * OTEL_PROPAGATORS with xray and Google's header besides NodeSDK's own names, and a strict W3C
 * tracestate (propagators/from-env.ts), the X-Ray id generator when xray is listed (X-Ray wants
 * the trace id's first 4 bytes to be the start time in seconds), service.version and service.instance.id
 * in the resource, a service.name default taken from the CLI's service argument, metrics off
 * unless OTEL_METRICS_EXPORTER asks (metrics are Prometheus text at /metrics), OTLP log records
 * only when a logs exporter or an OTLP endpoint is configured (NodeSDK would otherwise send logs
 * to localhost:4318 by default), the HTTP instrumentation, and a flush when the process runs out of
 * work, and the span/log processors built by export-pipeline.ts so that what the exporters drop is
 * counted on /metrics (diffscope_telemetry_dropped_total). Signals are the service runtime's (src/cli/service-lifecycle.ts): it flushes through
 * shutdownTelemetry() after its own hooks.
 */
import { diag } from '@opentelemetry/api';
import { getBooleanFromEnv, getStringFromEnv, getStringListFromEnv } from '@opentelemetry/core';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { loadConfig } from '../config/index.js';
import { exportOutcomeMeterProvider } from './export-drops.js';
import { logRecordProcessorsFromEnv, spanProcessorsFromEnv } from './export-pipeline.js';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { shutdownTelemetry } from './lifecycle.js';
import { configuredPropagator } from './propagation.js';
import { telemetryState } from './state.js';

/** CLI arguments → seed service names; the first one found in argv becomes the default service.name. */
const KNOWN_SERVICES: Record<string, string> = {
  'api-server': 'api-server',
  api: 'api-server',
  'inference-worker': 'inference-worker',
  worker: 'inference-worker',
  notifier: 'notifier',
  explorer: 'explorer',
};

const IGNORED_INCOMING_PATHS = new Set(['/metrics', '/healthz', '/readyz', '/v1/traces', '/v1/logs', '/v1/metrics']);

export interface TelemetrySdkOptions {
  /** Default: OTEL_SERVICE_NAME, else a known service name in argv, else 'diffscope'. */
  serviceName?: string;
  /** Default: DIFFSCOPE_INSTANCE_ID, else service.instance.id from OTEL_RESOURCE_ATTRIBUTES, else hostname-pid. */
  instanceId?: string;
  argv?: string[];
}

function instanceIdFromConfig(): string | undefined {
  // The one DIFFSCOPE_* value telemetry needs before the app has parsed its config. A bad
  // config is not reported here: the service reports it properly when it loads its config.
  try {
    return loadConfig().DIFFSCOPE_INSTANCE_ID;
  } catch {
    return undefined;
  }
}

/** OTLP log records only when asked for: an explicit logs exporter, or an OTLP endpoint. */
function otelLogsRequested(): boolean {
  const exporters = getStringListFromEnv('OTEL_LOGS_EXPORTER');
  if (exporters !== undefined && exporters.length > 0) return !exporters.includes('none');
  return (
    getStringFromEnv('OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined || getStringFromEnv('OTEL_EXPORTER_OTLP_LOGS_ENDPOINT') !== undefined
  );
}

export function startTelemetrySdk(options: TelemetrySdkOptions = {}): boolean {
  const state = telemetryState();
  if (state.sdkShutdown !== undefined) return true;
  if (getBooleanFromEnv('OTEL_SDK_DISABLED')) return false;

  const argv = options.argv ?? process.argv;
  const envResource = detectResources({ detectors: [envDetector] }).attributes;
  const envService = envResource['service.name'];
  const cliService = KNOWN_SERVICES[argv.slice(2).find((a) => Object.hasOwn(KNOWN_SERVICES, a)) ?? ''];
  const serviceName = options.serviceName ?? (typeof envService === 'string' ? envService : undefined) ?? cliService ?? 'diffscope';
  // The api-server draws span A itself (src/api/request-context.ts): it continues the caller's
  // traceparent and names the span after the route. A second, generic SERVER span from
  // instrumentation-http per request cost 11–45 % of its throughput (bench/serve, measured
  // 0.55–0.89 of telemetry-off with it, 0.93–1.03 without), so its incoming side is off there.
  const ownServerSpans = cliService === 'api-server';
  const envInstance = envResource['service.instance.id'];
  const instanceId =
    options.instanceId ?? instanceIdFromConfig() ?? (typeof envInstance === 'string' ? envInstance : undefined) ?? state.instanceId;
  state.instanceId = instanceId;
  state.serviceName = serviceName;

  const logsOn = otelLogsRequested();
  // After state.serviceName: the metrics registry takes its `service` label from it.
  const exportOutcomes = exportOutcomeMeterProvider();
  const spanProcessors = spanProcessorsFromEnv(exportOutcomes);
  const logRecordProcessors = logsOn ? logRecordProcessorsFromEnv(exportOutcomes) : [];
  const metricsExporters = getStringListFromEnv('OTEL_METRICS_EXPORTER');

  const propagator = configuredPropagator();
  const xray = state.propagation?.names.includes('xray') === true;
  const sdk = new NodeSDK({
    textMapPropagator: propagator,
    ...(xray ? { idGenerator: new AWSXRayIdGenerator() } : {}),
    // NodeSDK merges the env detector over this, so OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME still win.
    resource: defaultResource().merge(
      resourceFromAttributes({
        'service.name': serviceName,
        'service.version': state.version,
        'service.instance.id': instanceId,
        'service.namespace': 'diffscope',
      }),
    ),
    instrumentations: [
      new HttpInstrumentation({
        disableIncomingRequestInstrumentation: ownServerSpans,
        // Scrapes and health checks would otherwise make one trace each.
        // OTLP exports arriving at an explorer traced by this SDK would be exported back to it, in a loop.
        ignoreIncomingRequestHook: (req) => IGNORED_INCOMING_PATHS.has((req.url ?? '').split('?')[0]),
      }),
    ],
    ...(metricsExporters === undefined || metricsExporters.length === 0 ? { metricReaders: [] } : {}),
    ...(spanProcessors ? { spanProcessors } : {}),
    ...(logRecordProcessors ? { logRecordProcessors } : {}),
  });
  try {
    sdk.start();
  } catch (err) {
    diag.error('diffscope: OpenTelemetry SDK failed to start; continuing without tracing', err);
    return false;
  }
  state.otelLogsEnabled = logsOn;
  state.sdkShutdown = () => sdk.shutdown();
  // A process that simply runs out of work exits without a signal: flush then too (the batch
  // processors' timers are unref'd and would not keep it alive).
  process.once('beforeExit', () => void shutdownTelemetry());
  return true;
}
