/**
 * OTLP/JSON decoding (the protobuf JSON mapping as OTLP profiles it: lowerCamelCase keys,
 * hex trace/span ids, int64 as decimal strings or numbers, enums as integers).
 * Anything structurally wrong throws OtlpFormatError → 400.
 */
import {
  bodyToText,
  finishLogRecord,
  isZeroId,
  type AttrValue,
  type Attributes,
  type DecodedBatch,
  type LogRecordData,
  type SpanRecord,
} from './model.js';
import { internResource } from './decode-protobuf.js';

export class OtlpFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OtlpFormatError';
  }
}

type Json = Record<string, unknown>;

function obj(value: unknown, what: string): Json {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new OtlpFormatError(`${what} must be an object`);
  return value as Json;
}

function arr(value: unknown, what: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpFormatError(`${what} must be an array`);
  return value;
}

function str(value: unknown, what: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new OtlpFormatError(`${what} must be a string`);
  return value;
}

function num(value: unknown, what: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  throw new OtlpFormatError(`${what} must be an integer`);
}

/** ns as a JSON string keeps full precision: cut the last three digits instead of dividing. */
function nanosToMicros(value: unknown, what: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'string') {
    if (!/^\d+$/.test(value)) throw new OtlpFormatError(`${what} must be an unsigned integer`);
    return value.length <= 3 ? 0 : Number(value.slice(0, -3));
  }
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.floor(value / 1000);
  throw new OtlpFormatError(`${what} must be an unsigned integer`);
}

const HEX_ID = /^[0-9a-fA-F]*$/;

function id(value: unknown, what: string): string {
  const s = str(value, what);
  if (!HEX_ID.test(s)) throw new OtlpFormatError(`${what} must be hex`);
  return s.toLowerCase();
}

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0, SPAN_KIND_INTERNAL: 1, SPAN_KIND_SERVER: 2, SPAN_KIND_CLIENT: 3, SPAN_KIND_PRODUCER: 4, SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };
const SEVERITIES: Record<string, number> = Object.fromEntries(
  ['UNSPECIFIED', 'TRACE', 'TRACE2', 'TRACE3', 'TRACE4', 'DEBUG', 'DEBUG2', 'DEBUG3', 'DEBUG4', 'INFO', 'INFO2', 'INFO3', 'INFO4',
    'WARN', 'WARN2', 'WARN3', 'WARN4', 'ERROR', 'ERROR2', 'ERROR3', 'ERROR4', 'FATAL', 'FATAL2', 'FATAL3', 'FATAL4'].map((n, i) => [`SEVERITY_NUMBER_${n}`, i]),
);

function enumValue(value: unknown, names: Record<string, number>, what: string): number {
  if (typeof value === 'string' && value in names) return names[value];
  return num(value, what);
}

function anyValue(raw: unknown): AttrValue {
  const v = obj(raw, 'AnyValue');
  if ('stringValue' in v) return str(v.stringValue, 'stringValue');
  if ('boolValue' in v) return v.boolValue === true;
  if ('intValue' in v) return num(v.intValue, 'intValue');
  if ('doubleValue' in v) {
    const d = v.doubleValue;
    if (typeof d === 'number') return d;
    if (typeof d === 'string' && d !== '' && !Number.isNaN(Number(d))) return Number(d);
    throw new OtlpFormatError('doubleValue must be a number');
  }
  if ('arrayValue' in v) return arr(obj(v.arrayValue, 'arrayValue').values, 'arrayValue.values').map(anyValue);
  if ('kvlistValue' in v) return keyValues(obj(v.kvlistValue, 'kvlistValue').values);
  if ('bytesValue' in v) return str(v.bytesValue, 'bytesValue');
  return null;
}

function keyValues(raw: unknown): Attributes {
  const out: Attributes = {};
  for (const item of arr(raw, 'attributes')) {
    const kv = obj(item, 'KeyValue');
    out[str(kv.key, 'key')] = anyValue(kv.value);
  }
  return out;
}

function parseJson(body: Uint8Array): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    throw new OtlpFormatError('body is not valid JSON');
  }
  return obj(parsed, 'request');
}

export function decodeTracesJson(body: Uint8Array): DecodedBatch<SpanRecord> {
  const request = parseJson(body);
  const records: SpanRecord[] = [];
  let rejected = 0;
  for (const rsRaw of arr(request.resourceSpans, 'resourceSpans')) {
    const rs = obj(rsRaw, 'ResourceSpans');
    const resource = internResource(keyValues(obj(rs.resource, 'resource').attributes));
    for (const ssRaw of arr(rs.scopeSpans, 'scopeSpans')) {
      const ss = obj(ssRaw, 'ScopeSpans');
      const scope = obj(ss.scope, 'scope');
      const scopeName = str(scope.name, 'scope.name');
      const scopeVersion = str(scope.version, 'scope.version');
      for (const sRaw of arr(ss.spans, 'spans')) {
        const s = obj(sRaw, 'Span');
        const traceId = id(s.traceId, 'traceId');
        const spanId = id(s.spanId, 'spanId');
        if (traceId.length !== 32 || spanId.length !== 16 || isZeroId(traceId) || isZeroId(spanId)) {
          rejected++;
          continue;
        }
        const startUs = nanosToMicros(s.startTimeUnixNano, 'startTimeUnixNano');
        const endUs = nanosToMicros(s.endTimeUnixNano, 'endTimeUnixNano');
        const status = obj(s.status, 'status');
        records.push({
          traceId,
          spanId,
          parentSpanId: id(s.parentSpanId, 'parentSpanId'),
          traceState: str(s.traceState, 'traceState'),
          resource,
          scopeName,
          scopeVersion,
          name: str(s.name, 'name'),
          kind: enumValue(s.kind, SPAN_KINDS, 'kind'),
          startUs,
          durationUs: endUs > startUs ? endUs - startUs : 0,
          flags: num(s.flags, 'flags'),
          statusCode: enumValue(status.code, STATUS_CODES, 'status.code'),
          statusMessage: str(status.message, 'status.message'),
          attributes: keyValues(s.attributes),
          events: arr(s.events, 'events').map((eRaw) => {
            const e = obj(eRaw, 'Event');
            return { timeUs: nanosToMicros(e.timeUnixNano, 'timeUnixNano'), name: str(e.name, 'event.name'), attributes: keyValues(e.attributes) };
          }),
          links: arr(s.links, 'links').map((lRaw) => {
            const l = obj(lRaw, 'Link');
            return { traceId: id(l.traceId, 'link.traceId'), spanId: id(l.spanId, 'link.spanId'), attributes: keyValues(l.attributes) };
          }),
        });
      }
    }
  }
  return { records, rejected, rejectReason: rejected ? 'spans with an invalid traceId or spanId were dropped' : undefined };
}

export function decodeLogsJson(body: Uint8Array): DecodedBatch<LogRecordData> {
  const request = parseJson(body);
  const records: LogRecordData[] = [];
  for (const rlRaw of arr(request.resourceLogs, 'resourceLogs')) {
    const rl = obj(rlRaw, 'ResourceLogs');
    const resource = internResource(keyValues(obj(rl.resource, 'resource').attributes));
    for (const slRaw of arr(rl.scopeLogs, 'scopeLogs')) {
      const sl = obj(slRaw, 'ScopeLogs');
      const scopeName = str(obj(sl.scope, 'scope').name, 'scope.name');
      for (const rRaw of arr(sl.logRecords, 'logRecords')) {
        const r = obj(rRaw, 'LogRecord');
        let timeUs = nanosToMicros(r.timeUnixNano, 'timeUnixNano');
        if (timeUs === 0) timeUs = nanosToMicros(r.observedTimeUnixNano, 'observedTimeUnixNano');
        const traceId = id(r.traceId, 'traceId');
        const spanId = id(r.spanId, 'spanId');
        records.push(finishLogRecord({
          timeUs,
          severityNumber: enumValue(r.severityNumber, SEVERITIES, 'severityNumber'),
          severityText: str(r.severityText, 'severityText'),
          resource,
          scopeName,
          eventName: str(r.eventName, 'eventName'),
          traceId: traceId.length === 32 && !isZeroId(traceId) ? traceId : '',
          spanId: spanId.length === 16 && !isZeroId(spanId) ? spanId : '',
          body: bodyToText(r.body === undefined ? undefined : anyValue(r.body)),
          attributes: keyValues(r.attributes),
        }));
      }
    }
  }
  return { records, rejected: 0 };
}
