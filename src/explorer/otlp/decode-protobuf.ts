/**
 * OTLP/HTTP protobuf decoding with protobufjs (reflection, codegen'd decoders) over the
 * OTLP .proto definitions in proto-schema.ts. No hand-written wire parsing here.
 */
import protobuf from 'protobufjs';
import {
  OTLP_COLLECTOR_LOGS_PROTO,
  OTLP_COLLECTOR_PROTO,
  OTLP_LOGS_PROTO,
  OTLP_PROTO,
  OTLP_RESOURCE_PROTO,
  OTLP_TRACE_PROTO,
  RPC_STATUS_PROTO,
} from './proto-schema.js';
import { DecodeContext, DROP, type Dropped } from './decode-context.js';
import { finishLogTime, finishSpan, firstN } from './record-limits.js';
import { internResource } from './resource-cache.js';
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
import type {
  AnyValueMsg,
  Bytes,
  ExportLogsServiceRequestMsg,
  ExportTraceServiceRequestMsg,
  Int64,
  KeyValueMsg,
  SpanMsg,
} from './protobuf-messages.js';

const root = new protobuf.Root();
for (const source of [
  OTLP_PROTO,
  OTLP_RESOURCE_PROTO,
  OTLP_TRACE_PROTO,
  OTLP_LOGS_PROTO,
  OTLP_COLLECTOR_PROTO,
  OTLP_COLLECTOR_LOGS_PROTO,
  RPC_STATUS_PROTO,
]) {
  protobuf.parse(source, root, { keepCase: false });
}
root.resolveAll();

const TraceRequest = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const LogsRequest = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest');
const TraceResponse = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
const LogsResponse = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse');
const RpcStatus = root.lookupType('google.rpc.Status');

/** The protobufjs Types, for tests and benchmarks that need to encode requests themselves. */
export const otlpTypes = { TraceRequest, LogsRequest, TraceResponse, LogsResponse, RpcStatus };

/** Exact µs from an unsigned 64-bit ns value without BigInt: hi·2³² + lo, divided by 1000. */
function nanosToMicros(value: Int64): number {
  if (typeof value === 'number') return Math.floor(value / 1000);
  const hi = value.high >>> 0;
  const lo = value.low >>> 0;
  return hi * 4294967 + Math.floor((hi * 296 + lo) / 1000);
}

function hex(bytes: Bytes): string {
  if (bytes.length === 0) return '';
  return (bytes instanceof Uint8Array ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : Buffer.from(bytes)).toString('hex');
}

/** AnyValue → a stored value, or DROP when it nests deeper or holds more elements than allowed. */
function anyValue(v: AnyValueMsg | null, ctx: DecodeContext, depth: number): AttrValue | Dropped {
  if (!v) return null;
  switch (v.value) {
    case 'stringValue':
      return ctx.text(v.stringValue);
    case 'boolValue':
      return v.boolValue;
    case 'intValue': {
      const n = v.intValue;
      return typeof n === 'number' ? n : n.toNumber();
    }
    case 'doubleValue': {
      const d = v.doubleValue;
      // JSON (the stored form) has no NaN/Infinity: keep them as the JSON mapping spells them
      return Number.isFinite(d) ? d : String(d);
    }
    case 'arrayValue': {
      if (ctx.tooDeep(depth)) return DROP;
      const values = v.arrayValue?.values ?? [];
      const out: AttrValue[] = [];
      for (let i = 0; i < values.length; i++) {
        if (!ctx.takeElement()) return DROP;
        const x = anyValue(values[i], ctx, depth + 1);
        if (x === DROP) return DROP;
        out.push(x);
      }
      return out;
    }
    case 'kvlistValue': {
      if (ctx.tooDeep(depth)) return DROP;
      const values = v.kvlistValue?.values ?? [];
      const out: Attributes = {};
      for (let i = 0; i < values.length; i++) {
        if (!ctx.takeElement()) return DROP;
        const x = anyValue(values[i].value, ctx, depth + 1);
        if (x === DROP) return DROP;
        setAttr(out, ctx.text(values[i].key), x);
      }
      return out;
    }
    case 'bytesValue':
      return ctx.text(Buffer.from(v.bytesValue).toString('base64'));
    default:
      return null; // no field of the oneof set
  }
}

/** A KeyValue list under the count limit (absent: none). */
function keyValues(list: KeyValueMsg[] | undefined, ctx: DecodeContext, max: number): { attributes: Attributes; dropped: number } {
  return ctx.attributes(list ?? [], max, (value) => anyValue(value, ctx, 0));
}

function resourceOf(resource: { attributes: KeyValueMsg[] } | null, ctx: DecodeContext): ResourceInfo {
  return internResource(keyValues(resource?.attributes, ctx, ctx.limits.maxAttributesPerResource).attributes);
}

function decodeSpan(
  s: SpanMsg,
  traceId: string,
  spanId: string,
  ctx: DecodeContext,
  resource: ResourceInfo,
  scopeName: string,
  scopeVersion: string,
): SpanRecord {
  const l = ctx.limits;
  const attrs = keyValues(s.attributes, ctx, l.maxAttributesPerSpan);
  const rawEvents = s.events;
  const rawLinks = s.links;
  const events = firstN(rawEvents, l.maxEventsPerSpan, (n) => ctx.dropEvents(n)).map((e) => {
    const ea = keyValues(e.attributes, ctx, l.maxAttributesPerEvent);
    ctx.recordAttributes(ea.attributes, ea.dropped + e.droppedAttributesCount);
    return { timeUs: nanosToMicros(e.timeUnixNano), name: ctx.text(e.name), attributes: ea.attributes };
  });
  const links = firstN(rawLinks, l.maxLinksPerSpan, (n) => ctx.dropLinks(n)).map((k) => {
    const la = keyValues(k.attributes, ctx, l.maxAttributesPerLink);
    ctx.recordAttributes(la.attributes, la.dropped + k.droppedAttributesCount);
    return { traceId: hex(k.traceId), spanId: hex(k.spanId), attributes: la.attributes };
  });
  return finishSpan(ctx, {
    traceId,
    spanId,
    parentSpanId: hex(s.parentSpanId),
    traceState: ctx.text(s.traceState),
    resource,
    scopeName,
    scopeVersion,
    name: ctx.text(s.name),
    kind: s.kind,
    startUs: nanosToMicros(s.startTimeUnixNano),
    endUs: nanosToMicros(s.endTimeUnixNano),
    flags: s.flags,
    statusCode: s.status ? s.status.code : 0,
    statusMessage: s.status ? ctx.text(s.status.message) : '',
    attributes: attrs.attributes,
    droppedAttributes: attrs.dropped + s.droppedAttributesCount,
    events,
    droppedEvents: rawEvents.length - events.length + s.droppedEventsCount,
    links,
    droppedLinks: rawLinks.length - links.length + s.droppedLinksCount,
  });
}

export function decodeTracesProtobuf(body: Uint8Array, ctx: DecodeContext = new DecodeContext()): DecodedBatch<SpanRecord> {
  // The one cast: protobufjs types decode() as a generic Message; the schema fixes the shape (protobuf-messages.ts).
  const request = TraceRequest.decode(body) as unknown as ExportTraceServiceRequestMsg;
  const records: SpanRecord[] = [];
  let rejected = 0;
  for (const rs of request.resourceSpans) {
    const resource = resourceOf(rs.resource, ctx);
    for (const ss of rs.scopeSpans) {
      const scopeName = ctx.text(ss.scope?.name ?? '');
      const scopeVersion = ctx.text(ss.scope?.version ?? '');
      for (const s of ss.spans) {
        const traceId = hex(s.traceId);
        const spanId = hex(s.spanId);
        if (traceId.length !== 32 || spanId.length !== 16 || isZeroId(traceId) || isZeroId(spanId)) {
          rejected++;
          continue;
        }
        ctx.beginRecord();
        records.push(decodeSpan(s, traceId, spanId, ctx, resource, scopeName, scopeVersion));
      }
    }
  }
  return {
    records,
    rejected,
    rejectReason: rejected ? 'spans with an invalid trace_id or span_id were dropped' : undefined,
    warnings: ctx.warnings(),
  };
}

export function decodeLogsProtobuf(body: Uint8Array, ctx: DecodeContext = new DecodeContext()): DecodedBatch<LogRecordData> {
  const request = LogsRequest.decode(body) as unknown as ExportLogsServiceRequestMsg;
  const records: LogRecordData[] = [];
  for (const rl of request.resourceLogs) {
    const resource = resourceOf(rl.resource, ctx);
    for (const sl of rl.scopeLogs) {
      const scopeName = ctx.text(sl.scope?.name ?? '');
      for (const r of sl.logRecords) {
        ctx.beginRecord();
        let timeUs = nanosToMicros(r.timeUnixNano);
        if (timeUs === 0) timeUs = nanosToMicros(r.observedTimeUnixNano);
        const traceId = hex(r.traceId);
        const spanId = hex(r.spanId);
        let body: AttrValue | undefined;
        if (r.body) {
          ctx.beginValue();
          const value = anyValue(r.body, ctx, 0);
          if (value === DROP) ctx.dropBody();
          else body = value;
        }
        const attrs = keyValues(r.attributes, ctx, ctx.limits.maxAttributesPerLogRecord);
        records.push(
          finishLogRecord({
            timeUs: finishLogTime(ctx, timeUs, attrs.attributes, attrs.dropped + r.droppedAttributesCount),
            severityNumber: r.severityNumber,
            severityText: ctx.text(r.severityText),
            resource,
            scopeName,
            eventName: ctx.text(r.eventName),
            traceId: traceId.length === 32 && !isZeroId(traceId) ? traceId : '',
            spanId: spanId.length === 16 && !isZeroId(spanId) ? spanId : '',
            body: ctx.text(bodyToText(body)),
            attributes: attrs.attributes,
          }),
        );
      }
    }
  }
  return { records, rejected: 0, warnings: ctx.warnings() };
}

/** With rejected = 0 and a message, partial_success carries warnings (as the OTLP spec allows). */
export function encodeTraceResponse(rejected: number, message?: string): Uint8Array {
  const payload = rejected > 0 || message ? { partialSuccess: { rejectedSpans: rejected, errorMessage: message ?? '' } } : {};
  return TraceResponse.encode(TraceResponse.create(payload)).finish();
}

export function encodeLogsResponse(rejected: number, message?: string): Uint8Array {
  const payload = rejected > 0 || message ? { partialSuccess: { rejectedLogRecords: rejected, errorMessage: message ?? '' } } : {};
  return LogsResponse.encode(LogsResponse.create(payload)).finish();
}

export function encodeRpcStatus(code: number, message: string): Uint8Array {
  return RpcStatus.encode(RpcStatus.create({ code, message })).finish();
}
