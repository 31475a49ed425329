/**
 * Records → the exact values the insert statements bind. Pure (no database), so the decode
 * thread builds rows and the write thread only binds them; the one value that needs the
 * database, the resource id, travels as an index into the batch's own resource list.
 */
import type { LogRecordData, ResourceInfo, SpanRecord } from '../otlp/model.js';

/** A span as a row: the values the insert statement binds, in column order. */
export type SpanRow = [
  traceId: string,
  spanId: string,
  parentSpanId: string,
  service: string,
  name: string,
  kind: number,
  startUs: number,
  durationUs: number,
  statusCode: number,
  statusMessage: string | null,
  flags: number,
  traceState: string | null,
  resourceId: number,
  scope: string | null,
  attributes: string,
  events: string | null,
  links: string | null,
];

/** A log record as a row; body (8) and attributes (9) also go to the full-text index. */
export type LogRow = [
  timeUs: number,
  severity: number,
  level: string,
  service: string,
  event: string | null,
  traceId: string | null,
  spanId: string | null,
  requestId: string | null,
  body: string,
  attributes: string,
  resourceId: number,
  scope: string | null,
];

export const SPAN_RESOURCE_COLUMN = 12;
export const LOG_RESOURCE_COLUMN = 10;

export function spanRowOf(s: SpanRecord, resourceId: number): SpanRow {
  return [
    s.traceId,
    s.spanId,
    s.parentSpanId,
    s.resource.service,
    s.name,
    s.kind,
    s.startUs,
    s.durationUs,
    s.statusCode,
    s.statusMessage || null,
    s.flags,
    s.traceState || null,
    resourceId,
    s.scopeName ? (s.scopeVersion ? `${s.scopeName}@${s.scopeVersion}` : s.scopeName) : null,
    JSON.stringify(s.attributes),
    s.events.length ? JSON.stringify(s.events) : null,
    s.links.length ? JSON.stringify(s.links) : null,
  ];
}

export function logRowOf(l: LogRecordData, resourceId: number): LogRow {
  return [
    l.timeUs,
    l.severityNumber,
    l.level,
    l.resource.service,
    l.event || null,
    l.traceId || null,
    l.spanId || null,
    l.requestId || null,
    l.body,
    JSON.stringify(l.attributes),
    resourceId,
    l.scopeName || null,
  ];
}

/** A resource as the write thread needs it to find or create its row. */
export interface ResourceRef {
  service: string;
  key: string;
}

/** Rows of one export request, ready to insert; resource columns index `resources`. */
export interface PreparedBatch {
  resources: ResourceRef[];
  spans: SpanRow[];
  logs: LogRow[];
}

/** Builds a PreparedBatch; a record whose row cannot be built is left out and counted, alone. */
export class BatchBuilder {
  readonly batch: PreparedBatch = { resources: [], spans: [], logs: [] };
  /** Records that could not become rows (should the limits ever let one through). */
  unbuildable = 0;
  private readonly refs = new Map<ResourceInfo, number>();

  private ref(resource: ResourceInfo): number {
    let i = this.refs.get(resource);
    if (i === undefined) {
      i = this.batch.resources.push({ service: resource.service, key: resource.key }) - 1;
      this.refs.set(resource, i);
    }
    return i;
  }

  addSpans(records: SpanRecord[]): this {
    for (const s of records) {
      try {
        this.batch.spans.push(spanRowOf(s, this.ref(s.resource)));
      } catch {
        this.unbuildable++;
      }
    }
    return this;
  }

  addLogs(records: LogRecordData[]): this {
    for (const l of records) {
      try {
        this.batch.logs.push(logRowOf(l, this.ref(l.resource)));
      } catch {
        this.unbuildable++;
      }
    }
    return this;
  }
}
