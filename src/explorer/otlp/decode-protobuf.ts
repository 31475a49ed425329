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
import {
  bodyToText,
  buildResource,
  finishLogRecord,
  isZeroId,
  type AttrValue,
  type Attributes,
  type DecodedBatch,
  type LogRecordData,
  type ResourceInfo,
  type SpanRecord,
} from './model.js';

const root = new protobuf.Root();
for (const source of [OTLP_PROTO, OTLP_RESOURCE_PROTO, OTLP_TRACE_PROTO, OTLP_LOGS_PROTO, OTLP_COLLECTOR_PROTO, OTLP_COLLECTOR_LOGS_PROTO, RPC_STATUS_PROTO]) {
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

/* eslint-disable @typescript-eslint/no-explicit-any -- protobufjs reflection messages are untyped */
type Msg = any;

interface LongLike { low: number; high: number; toNumber(): number }

/** Exact µs from an unsigned 64-bit ns value without BigInt: hi·2³² + lo, divided by 1000. */
function nanosToMicros(value: LongLike | number | null | undefined): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return Math.floor(value / 1000);
  const hi = value.high >>> 0;
  const lo = value.low >>> 0;
  return hi * 4294967 + Math.floor((hi * 296 + lo) / 1000);
}

function hex(bytes: Uint8Array | null | undefined): string {
  if (!bytes || bytes.length === 0) return '';
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function anyValue(v: Msg): AttrValue {
  if (!v) return null;
  switch (v.value) {
    case 'stringValue': return v.stringValue;
    case 'boolValue': return v.boolValue;
    case 'intValue': {
      const n = v.intValue;
      return typeof n === 'number' ? n : (n as LongLike).toNumber();
    }
    case 'doubleValue': return v.doubleValue;
    case 'arrayValue': return (v.arrayValue.values as Msg[]).map(anyValue);
    case 'kvlistValue': return keyValues(v.kvlistValue.values);
    case 'bytesValue': return Buffer.from(v.bytesValue).toString('base64');
    default: return null;
  }
}

function keyValues(list: Msg[] | undefined): Attributes {
  const out: Attributes = {};
  if (!list) return out;
  for (let i = 0; i < list.length; i++) out[list[i].key] = anyValue(list[i].value);
  return out;
}

const resourceCache = new Map<string, ResourceInfo>();

/** Resources repeat in every export; share one ResourceInfo per distinct attribute set. */
export function internResource(attributes: Attributes): ResourceInfo {
  const key = JSON.stringify(attributes);
  let cached = resourceCache.get(key);
  if (!cached) {
    if (resourceCache.size > 10_000) resourceCache.clear();
    cached = buildResource(attributes);
    resourceCache.set(key, cached);
  }
  return cached;
}

export function decodeTracesProtobuf(body: Uint8Array): DecodedBatch<SpanRecord> {
  const request = TraceRequest.decode(body) as Msg;
  const records: SpanRecord[] = [];
  let rejected = 0;
  for (const rs of request.resourceSpans as Msg[]) {
    const resource = internResource(keyValues(rs.resource?.attributes));
    for (const ss of rs.scopeSpans as Msg[]) {
      const scopeName: string = ss.scope?.name ?? '';
      const scopeVersion: string = ss.scope?.version ?? '';
      for (const s of ss.spans as Msg[]) {
        const traceId = hex(s.traceId);
        const spanId = hex(s.spanId);
        if (traceId.length !== 32 || spanId.length !== 16 || isZeroId(traceId) || isZeroId(spanId)) {
          rejected++;
          continue;
        }
        const startUs = nanosToMicros(s.startTimeUnixNano);
        const endUs = nanosToMicros(s.endTimeUnixNano);
        records.push({
          traceId,
          spanId,
          parentSpanId: hex(s.parentSpanId),
          traceState: s.traceState,
          resource,
          scopeName,
          scopeVersion,
          name: s.name,
          kind: s.kind,
          startUs,
          durationUs: endUs > startUs ? endUs - startUs : 0,
          flags: s.flags,
          statusCode: s.status ? s.status.code : 0,
          statusMessage: s.status ? s.status.message : '',
          attributes: keyValues(s.attributes),
          events: (s.events as Msg[]).map((e) => ({ timeUs: nanosToMicros(e.timeUnixNano), name: e.name, attributes: keyValues(e.attributes) })),
          links: (s.links as Msg[]).map((l) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId), attributes: keyValues(l.attributes) })),
        });
      }
    }
  }
  return { records, rejected, rejectReason: rejected ? 'spans with an invalid trace_id or span_id were dropped' : undefined };
}

export function decodeLogsProtobuf(body: Uint8Array): DecodedBatch<LogRecordData> {
  const request = LogsRequest.decode(body) as Msg;
  const records: LogRecordData[] = [];
  for (const rl of request.resourceLogs as Msg[]) {
    const resource = internResource(keyValues(rl.resource?.attributes));
    for (const sl of rl.scopeLogs as Msg[]) {
      const scopeName: string = sl.scope?.name ?? '';
      for (const r of sl.logRecords as Msg[]) {
        let timeUs = nanosToMicros(r.timeUnixNano);
        if (timeUs === 0) timeUs = nanosToMicros(r.observedTimeUnixNano);
        const traceId = hex(r.traceId);
        const spanId = hex(r.spanId);
        records.push(finishLogRecord({
          timeUs,
          severityNumber: r.severityNumber,
          severityText: r.severityText,
          resource,
          scopeName,
          eventName: r.eventName,
          traceId: traceId.length === 32 && !isZeroId(traceId) ? traceId : '',
          spanId: spanId.length === 16 && !isZeroId(spanId) ? spanId : '',
          body: bodyToText(r.body ? anyValue(r.body) : undefined),
          attributes: keyValues(r.attributes),
        }));
      }
    }
  }
  return { records, rejected: 0 };
}

export function encodeTraceResponse(rejected: number, message?: string): Uint8Array {
  const payload = rejected > 0 ? { partialSuccess: { rejectedSpans: rejected, errorMessage: message ?? '' } } : {};
  return TraceResponse.encode(TraceResponse.create(payload)).finish();
}

export function encodeLogsResponse(rejected: number, message?: string): Uint8Array {
  const payload = rejected > 0 ? { partialSuccess: { rejectedLogRecords: rejected, errorMessage: message ?? '' } } : {};
  return LogsResponse.encode(LogsResponse.create(payload)).finish();
}

export function encodeRpcStatus(code: number, message: string): Uint8Array {
  return RpcStatus.encode(RpcStatus.create({ code, message })).finish();
}
