// Turns the recorded Jaeger-shaped fixtures into OTLP/JSON export requests, so the browser tests
// load the real explorer the way every service does: through its OTLP/HTTP endpoint.
import type { JaegerSpan, JaegerTag, JaegerTrace, LogEntry } from '../../../web/src/model/types.js';

type OtlpValue = Record<string, unknown>;
const KIND: Record<string, number> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const NOT_ATTRIBUTES = new Set(['span.kind', 'otel.status_code', 'otel.status_description', 'error']);

function anyValue(v: unknown): OtlpValue {
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  if (typeof v === 'string' && v.startsWith('[')) {
    try {
      const parsed = JSON.parse(v) as unknown;
      if (Array.isArray(parsed)) return anyValue(parsed);
    } catch {
      // a string that merely starts with '['
    }
  }
  if (v && typeof v === 'object') return { stringValue: JSON.stringify(v) };
  return { stringValue: String(v) };
}

const kv = (entries: [string, unknown][]): { key: string; value: OtlpValue }[] => entries.map(([key, v]) => ({ key, value: anyValue(v) }));
const nanos = (us: number): string => (BigInt(Math.round(us)) * 1000n).toString();

/** Moves every timestamp so the newest lands at `nowUs` (the UI's default lookback is the last hour). */
export function shiftTrace(t: JaegerTrace, deltaUs: number): JaegerTrace {
  return {
    ...t,
    spans: t.spans.map((s) => ({
      ...s,
      startTime: s.startTime + deltaUs,
      logs: (s.logs ?? []).map((l) => ({ ...l, timestamp: l.timestamp + deltaUs })),
    })),
  };
}

export function shiftLogs(logs: LogEntry[], deltaUs: number): LogEntry[] {
  return logs.map((l) => ({ ...l, time_us: l.time_us + deltaUs, timestamp: new Date((l.time_us + deltaUs) / 1000).toISOString() }));
}

export function latestUs(traces: JaegerTrace[], logs: LogEntry[]): number {
  let max = 0;
  for (const t of traces) for (const s of t.spans) max = Math.max(max, s.startTime + s.duration);
  for (const l of logs) max = Math.max(max, l.time_us);
  return max;
}

function tagValue(tags: JaegerTag[] | undefined, key: string): unknown {
  return tags?.find((t) => t.key === key)?.value;
}

/** A tag that holds text (span.kind, event, a status description), or `absent`. */
function tagText(tags: JaegerTag[] | undefined, key: string, absent: string): string {
  const value = tagValue(tags, key);
  return typeof value === 'string' ? value : absent;
}

function toOtlpSpan(s: JaegerSpan, rewrite: (key: string, value: unknown) => unknown): Record<string, unknown> {
  const parent = s.references?.find((r) => r.refType === 'CHILD_OF');
  const failed = tagValue(s.tags, 'error') === true || tagValue(s.tags, 'otel.status_code') === 'ERROR';
  return {
    traceId: s.traceID,
    spanId: s.spanID,
    parentSpanId: parent?.spanID ?? '',
    name: s.operationName,
    kind: KIND[tagText(s.tags, 'span.kind', 'internal')] ?? 1,
    startTimeUnixNano: nanos(s.startTime),
    endTimeUnixNano: nanos(s.startTime + s.duration),
    attributes: kv((s.tags ?? []).filter((t) => !NOT_ATTRIBUTES.has(t.key)).map((t) => [t.key, rewrite(t.key, t.value)])),
    events: (s.logs ?? []).map((l) => ({
      timeUnixNano: nanos(l.timestamp),
      name: tagText(l.fields, 'event', 'event'),
      attributes: kv(l.fields.filter((f) => f.key !== 'event').map((f) => [f.key, f.value])),
    })),
    status: failed ? { code: 2, message: tagText(s.tags, 'otel.status_description', '') } : { code: 0 },
  };
}

/** One ExportTraceServiceRequest per trace, a resource per process. `rewrite` edits attribute values (e.g. output locations). */
export function tracesToOtlp(t: JaegerTrace, rewrite: (key: string, value: unknown) => unknown = (_k, v) => v): string {
  const byProcess = new Map<string, JaegerSpan[]>();
  for (const s of t.spans) byProcess.set(s.processID, [...(byProcess.get(s.processID) ?? []), s]);
  return JSON.stringify({
    resourceSpans: [...byProcess].map(([pid, spans]) => {
      const proc = t.processes[pid];
      return {
        resource: {
          attributes: kv([
            ['service.name', proc?.serviceName ?? 'unknown'],
            ...(proc?.tags ?? []).map((tg): [string, unknown] => [tg.key, tg.value]),
          ]),
        },
        scopeSpans: [{ scope: { name: 'diffscope' }, spans: spans.map((s) => toOtlpSpan(s, rewrite)) }],
      };
    }),
  });
}

/** Log lines as our services export them: event, request_id and the rest as attributes. */
export function logsToOtlp(logs: LogEntry[]): string {
  const byService = new Map<string, LogEntry[]>();
  for (const l of logs) byService.set(l.service, [...(byService.get(l.service) ?? []), l]);
  const severity: Record<string, number> = { DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17 };
  return JSON.stringify({
    resourceLogs: [...byService].map(([service, list]) => ({
      resource: { attributes: kv([['service.name', service]]) },
      scopeLogs: [
        {
          scope: { name: 'diffscope' },
          logRecords: list.map((l) => ({
            timeUnixNano: nanos(l.time_us),
            observedTimeUnixNano: nanos(l.time_us),
            severityNumber: severity[l.level.toUpperCase()] ?? 9,
            severityText: l.level.toUpperCase(),
            body: { stringValue: l.body ?? l.event },
            traceId: l.trace_id ?? '',
            spanId: l.span_id ?? '',
            attributes: kv([['event', l.event], ['request_id', l.request_id ?? ''], ...Object.entries(l.attributes ?? {})]),
          })),
        },
      ],
    })),
  });
}
