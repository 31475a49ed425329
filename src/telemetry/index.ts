/**
 * diffscope telemetry: structured logs, tracing helpers, propagation, privacy, metrics and
 * the telemetry flush. The only folder that imports OpenTelemetry and pino; everything else goes through here.
 */
export { createLogger, noopLogger, type LogFields, type Logger, type LoggerOptions, type LogLevel } from './logger.js';
import { ensureContextManager } from './request-scope.js';

// Without the SDK (tests, libraries, OTEL_SDK_DISABLED) the API's default context manager drops
// everything passed to context.with(), so request scopes and extracted message contexts would
// vanish in code that calls context.with() directly. Register an AsyncLocalStorage manager then;
// with register.js the SDK's own manager is already in place and this is a no-op.
ensureContextManager();

export { currentRequestScope, runWithRequestScope, type RequestScope } from './request-scope.js';
export { configurePromptHashing, loggableParams, promptHash, promptHashKeyIsRandom, PromptHasher } from './privacy.js';
export { generationAttributes, type GenerationAttributeInput } from './generation-attributes.js';
export { redactSecrets, REDACTED } from './redaction.js';

export { trace, context, SpanKind, SpanStatusCode, ROOT_CONTEXT } from '@opentelemetry/api';
export type { Span, Context, Tracer, Attributes, Link } from '@opentelemetry/api';
export { currentTraceId, getTracer, withSpan, withTracingSuppressed, type WithSpanOptions } from './tracing.js';

export {
  extractHttpContext,
  extractMessageHeaders,
  injectMessageHeaders,
  injectTraceHeaders,
  type ExtractedMessageContext,
  type InjectMessageHeadersOptions,
} from './propagation.js';

// The contract's names, re-exported so services keep one import for everything telemetry.
export { ATTR, type AttributeKey } from '../contract/index.js';

export {
  metricsContentType,
  metricsRegistry,
  observeWithExemplar,
  renderMetrics,
  OPENMETRICS_CONTENT_TYPE,
  type MetricsRegistryOptions,
} from './metrics.js';
export { exemplarOf, traceExemplar, type TraceExemplar } from './exemplars.js';
export { registeredMetric } from './registered-metric.js';

// Flush/stop only: signals, hooks and exit are the service runtime's (src/cli/service-lifecycle.ts).
export { shutdownTelemetry } from './lifecycle.js';
export { defaultInstanceId, serviceVersion } from './state.js';
export type { LogEventName } from '../contract/index.js';

// Log line formats (DIFFSCOPE_LOG_FORMAT) and the way back to the seed's field names.
export { LOG_FORMATS, formatOfLine, toSeedRecord, type LogFormat } from './log-formats/index.js';
