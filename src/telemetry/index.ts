/**
 * diffscope telemetry: structured logs, tracing helpers, propagation, privacy, metrics and
 * shutdown. The only folder that imports OpenTelemetry and pino; everything else goes through here.
 */
export {
  createLogger,
  errorFields,
  noopLogger,
  type LogFields,
  type Logger,
  type LoggerOptions,
  type LogLevel,
} from './logger.js';
export { currentRequestScope, runWithRequestScope, type RequestScope } from './request-scope.js';
export { configurePromptHashing, loggableParams, promptHash, promptHashKeyIsRandom } from './privacy.js';
export { generationAttributes, type GenerationAttributeInput } from './generation-attributes.js';
export { redactSecrets, REDACTED, isSecretKey, isPromptKey } from './redaction.js';

export { trace, context, propagation, SpanKind, SpanStatusCode, ROOT_CONTEXT } from '@opentelemetry/api';
export type { Span, Context, Tracer, Attributes, Link } from '@opentelemetry/api';
export { currentSpanId, currentTraceId, getTracer, setServerRoute, withSpan, type WithSpanOptions } from './tracing.js';

export {
  extractHttpContext,
  extractMessageHeaders,
  injectMessageHeaders,
  injectTraceHeaders,
  type ExtractedMessageContext,
  type InjectMessageHeadersOptions,
} from './propagation.js';

export { ATTR, type AttributeKey } from './attributes.js';

export {
  metricsContentType,
  metricsRegistry,
  renderMetrics,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  type MetricsRegistryOptions,
} from './metrics.js';

export {
  configureShutdown,
  installSignalHandlers,
  onShutdown,
  runShutdown,
  shutdownTelemetry,
  type ShutdownOptions,
} from './lifecycle.js';
export { defaultInstanceId, serviceVersion } from './state.js';
export {
  BASE_LOG_FIELDS,
  LOG_EVENTS,
  REQUEST_LOG_FIELDS,
  validateLogRecord,
  type LogEventName,
  type LogEventSpec,
} from './log-events.js';
