/**
 * OTLP/JSON decoding (the protobuf JSON mapping as OTLP profiles it: lowerCamelCase keys,
 * hex trace/span ids, int64 as decimal strings or numbers, enums as integers or names).
 * Anything structurally wrong throws OtlpFormatError → 400. Values go through the request's
 * DecodeContext, which applies the ingest limits while converting.
 */
import { DecodeContext, DROP, type Dropped } from './decode-context.js';
import { finishLogTime, finishSpan, firstN } from './record-limits.js';
import {
  bodyToText,
  finishLogRecord,
  isZeroId,
  setAttr,
  type AttrValue,
  type Attributes,
  type DecodedBatch,
  type LogRecordData,
  type ResourceInfo,
  type SpanRecord,
} from './model.js';
import { internResource } from './resource-cache.js';

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
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) return Number(value);
  throw new OtlpFormatError(`${what} must be an integer`);
}

/** A count field (dropped_*_count): a non-negative integer, 0 when absent. */
function count(value: unknown, what: string): number {
  const n = num(value, what);
  if (!Number.isInteger(n) || n < 0) throw new OtlpFormatError(`${what} must be a non-negative integer`);
  return n;
}

/** ns as a JSON string keeps full precision: cut the last three digits instead of dividing. */
function nanosToMicros(value: unknown, what: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'string') {
    if (!/^\d{1,20}$/.test(value)) throw new OtlpFormatError(`${what} must be an unsigned 64-bit integer`);
    return value.length <= 3 ? 0 : Number(value.slice(0, -3));
  }
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.floor(value / 1000);
  throw new OtlpFormatError(`${what} must be an unsigned integer`);
}

const HEX_ID = /^[0-9a-fA-F]*$/;

function id(value: unknown, what: string): string {
  const s = str(value, what);
  // longer than any id: invalid, and not worth a regex over a megabyte
  if (s.length > 64 || !HEX_ID.test(s)) throw new OtlpFormatError(`${what} must be hex`);
  return s.toLowerCase();
}

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };
const SEVERITIES: Record<string, number> = Object.fromEntries(
  [
    'UNSPECIFIED',
    'TRACE',
    'TRACE2',
    'TRACE3',
    'TRACE4',
    'DEBUG',
    'DEBUG2',
    'DEBUG3',
    'DEBUG4',
    'INFO',
    'INFO2',
    'INFO3',
    'INFO4',
    'WARN',
    'WARN2',
    'WARN3',
    'WARN4',
    'ERROR',
    'ERROR2',
    'ERROR3',
    'ERROR4',
    'FATAL',
    'FATAL2',
    'FATAL3',
    'FATAL4',
  ].map((n, i) => [`SEVERITY_NUMBER_${n}`, i]),
);

function enumValue(value: unknown, names: Record<string, number>, what: string): number {
  if (typeof value === 'string' && Object.hasOwn(names, value)) return names[value];
  return num(value, what);
}

/** AnyValue → a stored value, or DROP when it nests deeper or holds more elements than allowed. */
function anyValue(raw: unknown, ctx: DecodeContext, depth: number): AttrValue | Dropped {
  const v = obj(raw, 'AnyValue');
  if ('stringValue' in v) return ctx.text(str(v.stringValue, 'stringValue'));
  if ('boolValue' in v) return v.boolValue === true;
  if ('intValue' in v) return num(v.intValue, 'intValue');
  if ('doubleValue' in v) {
    const d = v.doubleValue;
    if (typeof d === 'number') return d;
    // the JSON mapping spells non-finite doubles as strings; stored JSON has no such numbers
    if (d === 'NaN' || d === 'Infinity' || d === '-Infinity') return d;
    if (typeof d === 'string' && d !== '' && !Number.isNaN(Number(d))) return Number(d);
    throw new OtlpFormatError('doubleValue must be a number');
  }
  if ('arrayValue' in v) {
    const values = arr(obj(v.arrayValue, 'arrayValue').values, 'arrayValue.values');
    if (ctx.tooDeep(depth)) return DROP;
    const out: AttrValue[] = [];
    for (const item of values) {
      if (!ctx.takeElement()) return DROP;
      const x = anyValue(item, ctx, depth + 1);
      if (x === DROP) return DROP;
      out.push(x);
    }
    return out;
  }
  if ('kvlistValue' in v) {
    const values = arr(obj(v.kvlistValue, 'kvlistValue').values, 'kvlistValue.values');
    if (ctx.tooDeep(depth)) return DROP;
    const out: Attributes = {};
    for (const item of values) {
      if (!ctx.takeElement()) return DROP;
      const kv = obj(item, 'KeyValue');
      const x = anyValue(kv.value, ctx, depth + 1);
      if (x === DROP) return DROP;
      setAttr(out, ctx.text(str(kv.key, 'key')), x);
    }
    return out;
  }
  if ('bytesValue' in v) return ctx.text(str(v.bytesValue, 'bytesValue'));
  return null;
}

/** A KeyValue list under the count limit; each entry's shape is checked even when the limit drops it. */
function keyValues(raw: unknown, ctx: DecodeContext, max: number): { attributes: Attributes; dropped: number } {
  const entries = arr(raw, 'attributes').map((item) => {
    const kv = obj(item, 'KeyValue');
    return { key: str(kv.key, 'key'), value: obj(kv.value, 'AnyValue') };
  });
  return ctx.attributes(entries, max, (value) => anyValue(value, ctx, 0));
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

function resourceOf(raw: unknown, ctx: DecodeContext): ResourceInfo {
  const r = obj(raw, 'resource');
  const { attributes } = keyValues(r.attributes, ctx, ctx.limits.maxAttributesPerResource);
  return internResource(attributes);
}

interface ScopeInfo {
  resource: ResourceInfo;
  name: string;
  version: string;
}

function decodeSpan(s: Json, ids: { traceId: string; spanId: string }, ctx: DecodeContext, scope: ScopeInfo): SpanRecord {
  const l = ctx.limits;
  const attrs = keyValues(s.attributes, ctx, l.maxAttributesPerSpan);
  const status = obj(s.status, 'status');
  const rawEvents = arr(s.events, 'events');
  const rawLinks = arr(s.links, 'links');
  const events = firstN(rawEvents, l.maxEventsPerSpan, (n) => ctx.dropEvents(n)).map((eRaw) => {
    const e = obj(eRaw, 'Event');
    const ea = keyValues(e.attributes, ctx, l.maxAttributesPerEvent);
    ctx.recordAttributes(ea.attributes, ea.dropped + count(e.droppedAttributesCount, 'event.droppedAttributesCount'));
    return { timeUs: nanosToMicros(e.timeUnixNano, 'timeUnixNano'), name: ctx.text(str(e.name, 'event.name')), attributes: ea.attributes };
  });
  const links = firstN(rawLinks, l.maxLinksPerSpan, (n) => ctx.dropLinks(n)).map((lRaw) => {
    const link = obj(lRaw, 'Link');
    const la = keyValues(link.attributes, ctx, l.maxAttributesPerLink);
    ctx.recordAttributes(la.attributes, la.dropped + count(link.droppedAttributesCount, 'link.droppedAttributesCount'));
    return { traceId: id(link.traceId, 'link.traceId'), spanId: id(link.spanId, 'link.spanId'), attributes: la.attributes };
  });
  return finishSpan(ctx, {
    traceId: ids.traceId,
    spanId: ids.spanId,
    parentSpanId: id(s.parentSpanId, 'parentSpanId'),
    traceState: ctx.text(str(s.traceState, 'traceState')),
    resource: scope.resource,
    scopeName: scope.name,
    scopeVersion: scope.version,
    name: ctx.text(str(s.name, 'name')),
    kind: enumValue(s.kind, SPAN_KINDS, 'kind'),
    startUs: nanosToMicros(s.startTimeUnixNano, 'startTimeUnixNano'),
    endUs: nanosToMicros(s.endTimeUnixNano, 'endTimeUnixNano'),
    flags: num(s.flags, 'flags'),
    statusCode: enumValue(status.code, STATUS_CODES, 'status.code'),
    statusMessage: ctx.text(str(status.message, 'status.message')),
    attributes: attrs.attributes,
    droppedAttributes: attrs.dropped + count(s.droppedAttributesCount, 'droppedAttributesCount'),
    events,
    droppedEvents: rawEvents.length - events.length + count(s.droppedEventsCount, 'droppedEventsCount'),
    links,
    droppedLinks: rawLinks.length - links.length + count(s.droppedLinksCount, 'droppedLinksCount'),
  });
}

export function decodeTracesJson(body: Uint8Array, ctx: DecodeContext = new DecodeContext()): DecodedBatch<SpanRecord> {
  const request = parseJson(body);
  const records: SpanRecord[] = [];
  let rejected = 0;
  for (const rsRaw of arr(request.resourceSpans, 'resourceSpans')) {
    const rs = obj(rsRaw, 'ResourceSpans');
    const resource = resourceOf(rs.resource, ctx);
    for (const ssRaw of arr(rs.scopeSpans, 'scopeSpans')) {
      const ss = obj(ssRaw, 'ScopeSpans');
      const scope = obj(ss.scope, 'scope');
      const names = { resource, name: ctx.text(str(scope.name, 'scope.name')), version: ctx.text(str(scope.version, 'scope.version')) };
      for (const sRaw of arr(ss.spans, 'spans')) {
        const s = obj(sRaw, 'Span');
        const traceId = id(s.traceId, 'traceId');
        const spanId = id(s.spanId, 'spanId');
        if (traceId.length !== 32 || spanId.length !== 16 || isZeroId(traceId) || isZeroId(spanId)) {
          rejected++;
          continue;
        }
        ctx.beginRecord();
        records.push(decodeSpan(s, { traceId, spanId }, ctx, names));
      }
    }
  }
  return {
    records,
    rejected,
    rejectReason: rejected ? 'spans with an invalid traceId or spanId were dropped' : undefined,
    warnings: ctx.warnings(),
  };
}

export function decodeLogsJson(body: Uint8Array, ctx: DecodeContext = new DecodeContext()): DecodedBatch<LogRecordData> {
  const request = parseJson(body);
  const records: LogRecordData[] = [];
  for (const rlRaw of arr(request.resourceLogs, 'resourceLogs')) {
    const rl = obj(rlRaw, 'ResourceLogs');
    const resource = resourceOf(rl.resource, ctx);
    for (const slRaw of arr(rl.scopeLogs, 'scopeLogs')) {
      const sl = obj(slRaw, 'ScopeLogs');
      const scopeName = ctx.text(str(obj(sl.scope, 'scope').name, 'scope.name'));
      for (const rRaw of arr(sl.logRecords, 'logRecords')) {
        const r = obj(rRaw, 'LogRecord');
        ctx.beginRecord();
        let timeUs = nanosToMicros(r.timeUnixNano, 'timeUnixNano');
        if (timeUs === 0) timeUs = nanosToMicros(r.observedTimeUnixNano, 'observedTimeUnixNano');
        const traceId = id(r.traceId, 'traceId');
        const spanId = id(r.spanId, 'spanId');
        let body: AttrValue | undefined;
        if (r.body !== undefined) {
          ctx.beginValue();
          const value = anyValue(r.body, ctx, 0);
          if (value === DROP) ctx.dropBody();
          else body = value;
        }
        const attrs = keyValues(r.attributes, ctx, ctx.limits.maxAttributesPerLogRecord);
        const attributes = attrs.attributes;
        records.push(
          finishLogRecord({
            timeUs: finishLogTime(ctx, timeUs, attributes, attrs.dropped + count(r.droppedAttributesCount, 'droppedAttributesCount')),
            severityNumber: enumValue(r.severityNumber, SEVERITIES, 'severityNumber'),
            severityText: ctx.text(str(r.severityText, 'severityText')),
            resource,
            scopeName,
            eventName: ctx.text(str(r.eventName, 'eventName')),
            traceId: traceId.length === 32 && !isZeroId(traceId) ? traceId : '',
            spanId: spanId.length === 16 && !isZeroId(spanId) ? spanId : '',
            body: ctx.text(bodyToText(body)),
            attributes,
          }),
        );
      }
    }
  }
  return { records, rejected: 0, warnings: ctx.warnings() };
}
