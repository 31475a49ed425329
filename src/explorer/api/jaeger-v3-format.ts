/**
 * Stored spans → the JSON Jaeger v2's api_v3 HTTP gateway answers with: traces as OTLP
 * `TracesData` in the protobuf JSON mapping (hex ids, int64 nanoseconds as decimal strings,
 * enums as numbers, lowerCamelCase keys) wrapped in `{result: …}`, and `TraceSummary` messages
 * for the search list. Field names follow `jaeger.api_v3` (query_service.proto) and
 * opentelemetry-proto's trace.proto.
 */
import type { AttrValue, Attributes, SpanEvent, SpanLink } from '../otlp/model.js';
import type { StoredResource, StoredSpan } from '../store/span-queries.js';

export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values: OtlpAnyValue[] };
  kvlistValue?: { values: OtlpKeyValue[] };
}

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  traceState?: string;
  parentSpanId?: string;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  events: { timeUnixNano: string; name: string; attributes: OtlpKeyValue[] }[];
  links: { traceId: string; spanId: string; attributes: OtlpKeyValue[] }[];
  status: { code: number; message?: string };
}

export interface OtlpScopeSpans {
  scope: { name?: string; version?: string };
  spans: OtlpSpan[];
}

export interface OtlpResourceSpans {
  resource: { attributes: OtlpKeyValue[] };
  scopeSpans: OtlpScopeSpans[];
}

export interface OtlpTracesData {
  resourceSpans: OtlpResourceSpans[];
}

export interface TraceSummary {
  traceId: string;
  rootServiceName: string;
  rootOperationName: string;
  minStartTimeUnixNano: string;
  maxEndTimeUnixNano: string;
  spanCount: number;
  errorSpanCount: number;
  orphanSpanCount: number;
  services: { name: string; spanCount: number; errorSpanCount: number }[];
}

const STATUS_ERROR = 2;

/**
 * The store keeps attribute values decoded (bytes as base64 text), so the OTLP type is
 * recovered from the JS type: an integral number was an intValue (a double that happened to
 * be integral cannot be told apart and comes back as one).
 */
export function anyValue(v: AttrValue): OtlpAnyValue {
  if (v === null) return {};
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'number':
      return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
    default:
      if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
      return { kvlistValue: { values: keyValues(v) } };
  }
}

export function keyValues(attributes: Attributes): OtlpKeyValue[] {
  return Object.keys(attributes).map((key) => ({ key, value: anyValue(attributes[key]) }));
}

/** µs (what the store keeps) → the decimal nanosecond string of the OTLP JSON mapping. */
export function usToNanoString(us: number): string {
  return (BigInt(us) * 1000n).toString();
}

/** The store keeps the scope as `name@version`; a leading `@` belongs to an npm scope, not a version. */
function splitScope(scope: string | null): { name?: string; version?: string } {
  if (!scope) return {};
  const at = scope.lastIndexOf('@');
  return at > 0 ? { name: scope.slice(0, at), version: scope.slice(at + 1) } : { name: scope };
}

function toOtlpSpan(s: StoredSpan): OtlpSpan {
  const span: OtlpSpan = {
    traceId: s.trace_id,
    spanId: s.span_id,
    flags: s.flags,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: usToNanoString(s.start_us),
    endTimeUnixNano: usToNanoString(s.start_us + s.duration_us),
    attributes: keyValues(JSON.parse(s.attributes) as Attributes),
    events: s.events
      ? (JSON.parse(s.events) as SpanEvent[]).map((e) => ({
          timeUnixNano: usToNanoString(e.timeUs),
          name: e.name,
          attributes: keyValues(e.attributes),
        }))
      : [],
    links: s.links
      ? (JSON.parse(s.links) as SpanLink[]).map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: keyValues(l.attributes) }))
      : [],
    status: s.status_message ? { code: s.status_code, message: s.status_message } : { code: s.status_code },
  };
  if (s.trace_state) span.traceState = s.trace_state;
  if (s.parent_span_id) span.parentSpanId = s.parent_span_id;
  return span;
}

/**
 * Spans of one or more traces → resourceSpans, one entry per (trace, resource) in order of
 * first appearance, each with one scopeSpans per instrumentation scope. Jaeger's gateway
 * likewise appends every trace's resourceSpans to one TracesData.
 */
export function toOtlpTracesData(spans: StoredSpan[], resources: Map<number, StoredResource>): OtlpTracesData {
  const byTraceResource = new Map<string, { resource: OtlpResourceSpans; scopes: Map<string, OtlpScopeSpans> }>();
  for (const s of spans) {
    const key = `${s.trace_id}/${s.resource_id}`;
    let entry = byTraceResource.get(key);
    if (!entry) {
      const stored = resources.get(s.resource_id);
      const attrs: Attributes = stored ? (JSON.parse(stored.attributes) as Attributes) : { 'service.name': s.service };
      entry = { resource: { resource: { attributes: keyValues(attrs) }, scopeSpans: [] }, scopes: new Map() };
      byTraceResource.set(key, entry);
    }
    const scopeKey = s.scope ?? '';
    let scope = entry.scopes.get(scopeKey);
    if (!scope) {
      scope = { scope: splitScope(s.scope), spans: [] };
      entry.scopes.set(scopeKey, scope);
      entry.resource.scopeSpans.push(scope);
    }
    scope.spans.push(toOtlpSpan(s));
  }
  return { resourceSpans: [...byTraceResource.values()].map((e) => e.resource) };
}

/**
 * One trace's spans → its summary, with the rules of Jaeger's query service
 * (querysvc/summary.go): the root is the earliest span without a parent, an orphan is a span
 * whose parent is not in the trace, errors are spans with status ERROR, services sorted by name.
 */
export function summarizeTrace(spans: StoredSpan[]): TraceSummary {
  const ids = new Set(spans.map((s) => s.span_id));
  const services = new Map<string, { spanCount: number; errorSpanCount: number }>();
  let root: StoredSpan | undefined;
  let minStart = Infinity;
  let maxEnd = -Infinity;
  let errors = 0;
  let orphans = 0;
  for (const s of spans) {
    const perService = services.get(s.service) ?? { spanCount: 0, errorSpanCount: 0 };
    services.set(s.service, perService);
    perService.spanCount++;
    if (s.status_code === STATUS_ERROR) {
      perService.errorSpanCount++;
      errors++;
    }
    minStart = Math.min(minStart, s.start_us);
    maxEnd = Math.max(maxEnd, s.start_us + s.duration_us);
    if (!s.parent_span_id) {
      if (!root || s.start_us < root.start_us) root = s;
    } else if (!ids.has(s.parent_span_id)) {
      orphans++;
    }
  }
  return {
    traceId: spans[0]?.trace_id ?? '',
    rootServiceName: root?.service ?? '',
    rootOperationName: root?.name ?? '',
    minStartTimeUnixNano: spans.length ? usToNanoString(minStart) : '0',
    maxEndTimeUnixNano: spans.length ? usToNanoString(maxEnd) : '0',
    spanCount: spans.length,
    errorSpanCount: errors,
    orphanSpanCount: orphans,
    services: [...services].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, c]) => ({ name, ...c })),
  };
}

/** Jaeger's api_v3 gateway error body (`GRPCGatewayError`). */
export function v3Error(httpCode: number, message: string): { error: { httpCode: number; message: string } } {
  return { error: { httpCode, message } };
}
