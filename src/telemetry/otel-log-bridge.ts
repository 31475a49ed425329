/**
 * Mirrors each written JSON line as an OpenTelemetry log record when the SDK started a
 * LoggerProvider (OTLP logs configured). Built from the final, already-redacted line, so the
 * OTLP record can never carry more than stdout did (no raw prompt, no secrets).
 */
import { context } from '@opentelemetry/api';
import { logs, SeverityNumber, type Logger as OtelLogger, type AnyValueMap } from '@opentelemetry/api-logs';
import { telemetryState } from './state.js';

const SEVERITY: Record<string, SeverityNumber> = {
  TRACE: SeverityNumber.TRACE,
  DEBUG: SeverityNumber.DEBUG,
  INFO: SeverityNumber.INFO,
  WARN: SeverityNumber.WARN,
  ERROR: SeverityNumber.ERROR,
  FATAL: SeverityNumber.FATAL,
};

let otelLogger: OtelLogger | undefined;

export function otelLogsEnabled(): boolean {
  return telemetryState().otelLogsEnabled;
}

export function emitOtelLogRecord(line: string): void {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  otelLogger ??= logs.getLogger('diffscope', telemetryState().version);
  const { timestamp, level, trace_id: _t, span_id: _s, ...attributes } = record;
  const levelText = typeof level === 'string' ? level : 'INFO';
  const event = typeof record.event === 'string' ? record.event : undefined;
  otelLogger.emit({
    timestamp: typeof timestamp === 'string' ? new Date(timestamp) : undefined,
    severityNumber: SEVERITY[levelText] ?? SeverityNumber.INFO,
    severityText: levelText,
    body: event,
    eventName: event,
    attributes: attributes as AnyValueMap,
    // The active context gives the record its trace_id/span_id/flags.
    context: context.active(),
  });
}
