/**
 * The receiver's normalized view of OTLP data, shared by the protobuf and JSON decoders
 * and by the store. Times are integer microseconds since the epoch (what Jaeger's API
 * speaks); ids are lowercase hex.
 */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };
export type Attributes = Record<string, AttrValue>;

/**
 * Sets an attribute whatever its key: `__proto__` becomes an own property like any other key
 * instead of replacing the object's prototype (plain objects stay fast for JSON.stringify).
 */
export function setAttr(out: Attributes, key: string, value: AttrValue): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, configurable: true, writable: true });
  else out[key] = value;
}

export interface ResourceInfo {
  service: string;
  attributes: Attributes;
  /** Canonical JSON of `attributes`: the dedup key of the resources table. */
  key: string;
}

export interface SpanEvent {
  timeUs: number;
  name: string;
  attributes: Attributes;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

export interface SpanRecord {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  traceState: string;
  resource: ResourceInfo;
  scopeName: string;
  scopeVersion: string;
  name: string;
  /** OTLP SpanKind number: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startUs: number;
  durationUs: number;
  flags: number;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
  attributes: Attributes;
  events: SpanEvent[];
  links: SpanLink[];
}

export interface LogRecordData {
  timeUs: number;
  severityNumber: number;
  /** Upper-case level: TRACE, DEBUG, INFO, WARN, ERROR, FATAL. */
  level: string;
  resource: ResourceInfo;
  scopeName: string;
  event: string;
  traceId: string;
  spanId: string;
  requestId: string;
  body: string;
  attributes: Attributes;
}

export interface DecodedBatch<T> {
  records: T[];
  /** Records dropped as invalid (bad ids); reported back as OTLP partial success. */
  rejected: number;
  rejectReason?: string;
  /** What the ingest limits dropped or cut (partial_success.error_message, with 0 rejected). */
  warnings?: string[];
}

export const SPAN_KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;

export function buildResource(attributes: Attributes, key: string = JSON.stringify(attributes)): ResourceInfo {
  const service = attributes['service.name'];
  return {
    service: typeof service === 'string' && service !== '' ? service : 'unknown_service',
    attributes,
    key,
  };
}

const LEVEL_BY_SEVERITY = [
  'INFO',
  'TRACE',
  'TRACE',
  'TRACE',
  'TRACE',
  'DEBUG',
  'DEBUG',
  'DEBUG',
  'DEBUG',
  'INFO',
  'INFO',
  'INFO',
  'INFO',
  'WARN',
  'WARN',
  'WARN',
  'WARN',
  'ERROR',
  'ERROR',
  'ERROR',
  'ERROR',
  'FATAL',
  'FATAL',
  'FATAL',
  'FATAL',
];
const KNOWN_LEVELS = new Set(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']);

export function levelOf(severityNumber: number, severityText: string): string {
  if (severityText) {
    const upper = severityText.toUpperCase();
    if (KNOWN_LEVELS.has(upper)) return upper;
    if (upper === 'WARNING') return 'WARN';
  }
  return LEVEL_BY_SEVERITY[severityNumber] ?? 'INFO';
}

/**
 * Our services' log lines carry `event`, `request_id`, `trace_id` and `span_id` as fields;
 * other SDKs put the event in LogRecord.event_name or nowhere. Pull the correlation keys
 * out so they can be indexed, whichever way they came.
 */
export function finishLogRecord(
  base: Omit<LogRecordData, 'event' | 'requestId' | 'level'> & { eventName: string; severityText: string },
): LogRecordData {
  const attrs = base.attributes;
  let event = base.eventName;
  if (!event && typeof attrs.event === 'string') event = attrs.event;
  if (!event && typeof attrs['event.name'] === 'string') event = attrs['event.name'];
  let requestId = '';
  const rid = attrs.request_id ?? attrs['diffscope.request_id'];
  if (typeof rid === 'string') requestId = rid;
  let traceId = base.traceId;
  if (!traceId && typeof attrs.trace_id === 'string' && /^[0-9a-f]{32}$/.test(attrs.trace_id)) traceId = attrs.trace_id;
  let spanId = base.spanId;
  if (!spanId && typeof attrs.span_id === 'string' && /^[0-9a-f]{16}$/.test(attrs.span_id)) spanId = attrs.span_id;
  return {
    timeUs: base.timeUs,
    severityNumber: base.severityNumber,
    level: levelOf(base.severityNumber, base.severityText),
    resource: base.resource,
    scopeName: base.scopeName,
    event,
    traceId,
    spanId,
    requestId,
    body: base.body,
    attributes: attrs,
  };
}

export function bodyToText(value: AttrValue | undefined): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function isZeroId(hex: string): boolean {
  for (let i = 0; i < hex.length; i++) if (hex.charCodeAt(i) !== 48) return false;
  return true;
}
