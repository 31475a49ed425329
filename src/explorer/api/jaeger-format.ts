/**
 * Stored spans → Jaeger query-service JSON (the `model/json` shapes Jaeger's UI and
 * Grafana's Jaeger data source read), following Jaeger's own OTLP translation: span kind,
 * status and scope become tags, events become logs, parent → CHILD_OF, links → FOLLOWS_FROM.
 */
import type { AttrValue, Attributes, SpanEvent, SpanLink } from '../otlp/model.js';
import { SPAN_KIND_NAMES } from '../otlp/model.js';
import type { StoredResource, StoredSpan } from '../store/span-queries.js';
import type { JaegerEnvelope, JaegerErrorEnvelope, JaegerReference, JaegerTag, JaegerTrace } from '../../contract/index.js';

export function toTag(key: string, value: AttrValue): JaegerTag {
  switch (typeof value) {
    case 'string':
      return { key, type: 'string', value };
    case 'boolean':
      return { key, type: 'bool', value };
    case 'number':
      return Number.isInteger(value) ? { key, type: 'int64', value } : { key, type: 'float64', value };
    default:
      return { key, type: 'string', value: JSON.stringify(value) };
  }
}

function tagsOf(attributes: Attributes): JaegerTag[] {
  const out: JaegerTag[] = [];
  for (const key of Object.keys(attributes)) out.push(toTag(key, attributes[key]));
  return out;
}

function spanTags(s: StoredSpan): JaegerTag[] {
  const tags = tagsOf(JSON.parse(s.attributes) as Attributes);
  if (s.scope) {
    const at = s.scope.lastIndexOf('@');
    tags.push({ key: 'otel.scope.name', type: 'string', value: at > 0 ? s.scope.slice(0, at) : s.scope });
    if (at > 0) tags.push({ key: 'otel.scope.version', type: 'string', value: s.scope.slice(at + 1) });
  }
  if (s.kind > 0) tags.push({ key: 'span.kind', type: 'string', value: SPAN_KIND_NAMES[s.kind] ?? 'unspecified' });
  if (s.status_code === 1) tags.push({ key: 'otel.status_code', type: 'string', value: 'OK' });
  if (s.status_code === 2) {
    tags.push({ key: 'otel.status_code', type: 'string', value: 'ERROR' });
    tags.push({ key: 'error', type: 'bool', value: true });
  }
  if (s.status_message) tags.push({ key: 'otel.status_description', type: 'string', value: s.status_message });
  if (s.trace_state) tags.push({ key: 'w3c.tracestate', type: 'string', value: s.trace_state });
  return tags;
}

/** Group spans (any order, several traces) into Jaeger traces, one process per distinct resource. */
export function toJaegerTraces(spans: StoredSpan[], resources: Map<number, StoredResource>): JaegerTrace[] {
  const traces = new Map<string, { trace: JaegerTrace; processIds: Map<number, string> }>();
  for (const s of spans) {
    let entry = traces.get(s.trace_id);
    if (!entry) {
      entry = { trace: { traceID: s.trace_id, spans: [], processes: {}, warnings: null }, processIds: new Map() };
      traces.set(s.trace_id, entry);
    }
    let processID = entry.processIds.get(s.resource_id);
    if (!processID) {
      processID = `p${entry.processIds.size + 1}`;
      entry.processIds.set(s.resource_id, processID);
      const resource = resources.get(s.resource_id);
      const attrs = resource ? (JSON.parse(resource.attributes) as Attributes) : {};
      const tags = tagsOf(attrs).filter((t) => t.key !== 'service.name');
      entry.trace.processes[processID] = { serviceName: resource?.service ?? s.service, tags };
    }
    const references: JaegerReference[] = [];
    if (s.parent_span_id) references.push({ refType: 'CHILD_OF', traceID: s.trace_id, spanID: s.parent_span_id });
    if (s.links) {
      for (const link of JSON.parse(s.links) as SpanLink[]) {
        references.push({ refType: 'FOLLOWS_FROM', traceID: link.traceId, spanID: link.spanId });
      }
    }
    const logs = s.events
      ? (JSON.parse(s.events) as SpanEvent[]).map((e) => ({
          timestamp: e.timeUs,
          fields: [{ key: 'event', type: 'string' as const, value: e.name }, ...tagsOf(e.attributes)],
        }))
      : [];
    entry.trace.spans.push({
      traceID: s.trace_id,
      spanID: s.span_id,
      // OTLP keeps W3C trace flags in the low byte (bits 8–9 say whether the parent was remote)
      flags: s.flags & 0xff,
      operationName: s.name,
      references,
      startTime: s.start_us,
      duration: s.duration_us,
      tags: spanTags(s),
      logs,
      processID,
      // what the explorer cut or dropped (span-queries.ts): shown by Jaeger's UI in the span's detail
      warnings: s.warnings?.length ? s.warnings : null,
    });
    if (s.traceWarnings?.length) entry.trace.warnings = [...(entry.trace.warnings ?? []), ...s.traceWarnings];
  }
  return [...traces.values()].map((e) => e.trace);
}

/** Jaeger's response envelope. */
export function envelope<T>(data: T, total?: number): JaegerEnvelope<T> {
  return { data, total: total ?? (Array.isArray(data) ? data.length : 0), limit: 0, offset: 0, errors: null };
}

export function errorEnvelope(code: number, msg: string): JaegerErrorEnvelope {
  return { data: null, total: 0, limit: 0, offset: 0, errors: [{ code, msg }] };
}
