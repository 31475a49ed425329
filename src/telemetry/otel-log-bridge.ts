/**
 * Mirrors each log call as an OpenTelemetry log record when the SDK started a LoggerProvider
 * (OTLP logs configured). Built from the same fields the JSON line is built from, after the
 * same redaction (error flattening and the deep pass happen before; top-level secret/prompt keys
 * — pino's redact paths on the stdout side — are masked here), so the OTLP record never carries
 * more than stdout does. Not re-parsing the JSON line made mirroring about twice as cheap.
 */
import { context, isSpanContextValid, trace, type Context } from '@opentelemetry/api';
import { logs, SeverityNumber, type AnyValueMap, type Logger as OtelLogger } from '@opentelemetry/api-logs';
import { REQUEST_SCOPE_KEY, type RequestScope } from './request-scope.js';
import { isPromptKey, isSecretKey, REDACTED } from './redaction.js';
import { telemetryState } from './state.js';

const SEVERITY: Record<string, SeverityNumber> = {
  DEBUG: SeverityNumber.DEBUG,
  INFO: SeverityNumber.INFO,
  WARN: SeverityNumber.WARN,
  ERROR: SeverityNumber.ERROR,
};

let otelLogger: OtelLogger | undefined;

export function otelLogsEnabled(): boolean {
  return telemetryState().otelLogsEnabled;
}

/** Key → masked? Keys repeat endlessly, so classify each spelling once. */
const maskedKeys = new Map<string, boolean>();
function isMasked(key: string): boolean {
  let masked = maskedKeys.get(key);
  if (masked === undefined) {
    masked = isSecretKey(key) || isPromptKey(key);
    if (maskedKeys.size < 10_000) maskedKeys.set(key, masked);
  }
  return masked;
}

/** OTel attribute values: primitives and plain JSON structures (Dates, Buffers, Errors… as in the JSON line). */
function attributeValue(v: unknown): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'bigint':
      return v.toString();
    case 'object':
      return v === null ? null : (JSON.parse(JSON.stringify(v)) as unknown);
    default:
      return undefined;
  }
}

/** Copies fields into attrs (masking top-level secret/prompt keys); `from` wins over what attrs has. */
export function addAttributes(attrs: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const key in from) {
    const v = from[key];
    if (v === undefined) continue;
    if (isMasked(key)) {
      attrs[key] = REDACTED;
      continue;
    }
    const value = attributeValue(v);
    if (value !== undefined) attrs[key] = value;
  }
}

/**
 * @param levelLabel DEBUG/INFO/WARN/ERROR
 * @param timestampMs the line's timestamp (same millisecond as the JSON line)
 * @param bindings base + child bindings, already masked (see addAttributes)
 * @param fields the call's fields after error flattening and the deep redaction pass
 */
export function emitOtelLogRecord(
  levelLabel: string,
  timestampMs: number,
  event: string,
  bindings: Record<string, unknown>,
  fields: Record<string, unknown>,
): void {
  otelLogger ??= logs.getLogger('diffscope', telemetryState().version);
  const ctx: Context = context.active();
  // Not `{ ...bindings }`: an object cloned by spread and then grown key by key gets a fresh
  // hidden-class chain every time in V8 (measured 78 µs per record against 0.4 µs for this loop).
  const attributes: Record<string, unknown> = {};
  for (const key in bindings) attributes[key] = bindings[key];
  addAttributes(attributes, fields);
  attributes.event = event;
  const scope = ctx.getValue(REQUEST_SCOPE_KEY) as RequestScope | undefined;
  if (scope !== undefined) {
    if (attributes.request_id === undefined) attributes.request_id = scope.requestId;
    if (attributes.client_id === undefined && scope.clientId !== undefined) attributes.client_id = scope.clientId;
  }
  const sc = trace.getSpan(ctx)?.spanContext();
  const hasSpan = sc !== undefined && isSpanContextValid(sc);
  // Explicit trace_id/span_id fields (rare) are kept as attributes only when no span is active.
  if (hasSpan) {
    delete attributes.trace_id;
    delete attributes.span_id;
  }
  otelLogger.emit({
    timestamp: timestampMs,
    severityNumber: SEVERITY[levelLabel] ?? SeverityNumber.INFO,
    severityText: levelLabel,
    body: event,
    eventName: event,
    attributes: attributes as AnyValueMap,
    context: ctx,
  });
}
