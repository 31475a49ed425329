/**
 * Checks one printed log line (parsed JSON, in the default `seed` format) against the contract:
 * the always-present fields of the log schema (docs/telemetry.md) and their formats, a catalogued
 * event at its level from a service allowed to write it, every required field with its type,
 * optional fields with theirs, no undeclared field, and the request fields wherever the event is
 * written inside a request.
 */
import { LOG_EVENTS, type LogEventSpec } from './log-events.js';
import { BASE_LOG_FIELDS, LOG_LEVELS, REQUEST_LOG_FIELDS, logFieldTypes, matchesLogFieldType, type LogFieldSpec } from './log-fields.js';

export interface ValidateLogRecordOptions {
  /** Override the event's scope: true = must carry the request fields, false = need not. */
  inRequest?: boolean;
  /**
   * Services run without the OpenTelemetry SDK (OTEL_SDK_DISABLED) have no active span: then
   * `trace_id`/`span_id` are not required inside a request. Default true.
   */
  tracing?: boolean;
}

const ISO_MS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const LEVELS: ReadonlySet<string> = new Set(LOG_LEVELS);
const ENVELOPE: ReadonlySet<string> = new Set([...BASE_LOG_FIELDS, ...REQUEST_LOG_FIELDS]);

function describeType(spec: LogFieldSpec): string {
  return logFieldTypes(spec).join(' | ');
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isInteger(value)) return 'integer';
  return typeof value;
}

function checkType(problems: string[], key: string, value: unknown, spec: LogFieldSpec): void {
  if (!logFieldTypes(spec).some((t) => matchesLogFieldType(value, t))) {
    problems.push(`${key} is ${typeOf(value)}, expected ${describeType(spec)}`);
  }
}

/** A field's value in a problem message: a string as it is, anything else as JSON. */
function shown(value: unknown): string {
  return typeof value === 'string' ? value : String(JSON.stringify(value));
}

function checkBase(record: Record<string, unknown>, problems: string[]): void {
  for (const key of BASE_LOG_FIELDS) {
    if (record[key] === undefined) problems.push(`missing ${key}`);
    else if (key !== 'level' && (typeof record[key] !== 'string' || record[key] === '')) problems.push(`${key} is not a non-empty string`);
  }
  if (typeof record.timestamp === 'string' && !ISO_MS_UTC.test(record.timestamp)) problems.push('timestamp is not ISO-8601 UTC with ms');
  if (record.level !== undefined && (typeof record.level !== 'string' || !LEVELS.has(record.level)))
    problems.push(`bad level ${shown(record.level)}`);
  if (typeof record.event === 'string' && !SNAKE_CASE.test(record.event)) problems.push('event is not snake_case');
}

function checkRequestFields(record: Record<string, unknown>, problems: string[], tracing: boolean): void {
  for (const key of REQUEST_LOG_FIELDS) {
    if (!tracing && (key === 'trace_id' || key === 'span_id')) continue;
    if (record[key] === undefined) problems.push(`missing ${key}`);
  }
}

function checkRequestFormats(record: Record<string, unknown>, problems: string[]): void {
  for (const key of ['request_id', 'client_id'] as const) {
    if (record[key] !== undefined && (typeof record[key] !== 'string' || record[key] === ''))
      problems.push(`${key} is not a non-empty string`);
  }
  if (record.trace_id !== undefined && (typeof record.trace_id !== 'string' || !HEX32.test(record.trace_id)))
    problems.push('trace_id is not 32 hex');
  if (record.span_id !== undefined && (typeof record.span_id !== 'string' || !HEX16.test(record.span_id)))
    problems.push('span_id is not 16 hex');
}

/** Problems with one parsed log line (empty array = valid). */
export function validateLogRecord(record: Record<string, unknown>, options: ValidateLogRecordOptions = {}): string[] {
  const problems: string[] = [];
  checkBase(record, problems);
  checkRequestFormats(record, problems);
  const tracing = options.tracing ?? true;
  const spec: LogEventSpec | undefined =
    typeof record.event === 'string' && Object.hasOwn(LOG_EVENTS, record.event)
      ? (LOG_EVENTS as Record<string, LogEventSpec>)[record.event]
      : undefined;
  if (spec === undefined) {
    if (record.event !== undefined) problems.push(`unknown event ${shown(record.event)}`);
    if (options.inRequest === true) checkRequestFields(record, problems, tracing);
    return problems;
  }
  if (record.level !== spec.level) problems.push(`level ${shown(record.level)} != ${spec.level}`);
  if (spec.services !== 'any' && !(spec.services as readonly string[]).includes(String(record.service))) {
    problems.push(`service ${shown(record.service)} does not write ${shown(record.event)} (${spec.services.join(', ')})`);
  }
  for (const [key, type] of Object.entries(spec.fields)) {
    if (record[key] === undefined) problems.push(`missing ${key}`);
    else checkType(problems, key, record[key], type);
  }
  const optional = spec.optional ?? {};
  for (const key of Object.keys(record)) {
    if (ENVELOPE.has(key) || Object.hasOwn(spec.fields, key)) continue;
    if (Object.hasOwn(optional, key)) checkType(problems, key, record[key], optional[key]);
    else problems.push(`undeclared field ${key}`);
  }
  // An `either` line is in a request when it names one: trace ids alone are a span outside any
  // request (a batch, a worker's model preload).
  const inRequest =
    options.inRequest ??
    (spec.scope === 'request' || (spec.scope === 'either' && (record.request_id !== undefined || record.client_id !== undefined)));
  if (inRequest) checkRequestFields(record, problems, tracing);
  return problems;
}
