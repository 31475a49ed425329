/**
 * The vocabulary of the log-line contract: which fields every line carries, which a line
 * written inside a request carries, and the JSON types an event's own fields may take.
 */

/** On every line, in every log format (the log schema in docs/telemetry.md). */
export const BASE_LOG_FIELDS = ['timestamp', 'level', 'service', 'instance_id', 'version', 'event'] as const;
/** On every line written inside a request (injected from the request scope and the active span). */
export const REQUEST_LOG_FIELDS = ['request_id', 'client_id', 'trace_id', 'span_id'] as const;

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/**
 * JSON types, as the parsed line holds them: `integer` is a number with no fraction, `null`
 * an explicit JSON null, `any` a value whose shape the caller controls (a raw request field).
 */
export type LogFieldType = 'string' | 'integer' | 'number' | 'boolean' | 'null' | 'string[]' | 'object' | 'any';
/** One type, or any of several. */
export type LogFieldSpec = LogFieldType | readonly LogFieldType[];
export type LogFieldSpecs = Readonly<Record<string, LogFieldSpec>>;

/** `fields.err` (an Error) flattened by the logger; `error.type` + `error.message` are always there. */
export const ERROR_FIELDS = { 'error.type': 'string', 'error.message': 'string' } as const satisfies LogFieldSpecs;
/** Present when the error had them (a stack, a code, a cause). */
export const ERROR_DETAIL_FIELDS = {
  'error.stack': 'string',
  'error.code': ['string', 'integer'],
  'error.cause.type': 'string',
  'error.cause.message': 'string',
} as const satisfies LogFieldSpecs;

/** Generation parameters under their log field names (docs/telemetry.md, "Log events"). */
export const GENERATION_PARAM_FIELDS = {
  model_id: 'string',
  sampler: 'string',
  steps: 'integer',
  cfg_scale: 'number',
  seed: 'integer',
  width: 'integer',
  height: 'integer',
  n: 'integer',
} as const satisfies LogFieldSpecs;

/** True when `value` (from JSON.parse) has type `type`. */
export function matchesLogFieldType(value: unknown, type: LogFieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'any':
      return true;
  }
}

export function logFieldTypes(spec: LogFieldSpec): readonly LogFieldType[] {
  return typeof spec === 'string' ? [spec] : spec;
}
