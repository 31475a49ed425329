/** Read side of the span tables: what the Jaeger-compatible API and the analysis need. */
import type Database from 'better-sqlite3';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from '../limits.js';
import { capAttributesJson, capEntriesJson, receiptWarnings } from './served-values.js';

export interface StoredSpan {
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  service: string;
  name: string;
  kind: number;
  start_us: number;
  duration_us: number;
  status_code: number;
  status_message: string | null;
  flags: number;
  trace_state: string | null;
  resource_id: number;
  scope: string | null;
  attributes: string;
  events: string | null;
  links: string | null;
  /** What the explorer cut or dropped in this span (Jaeger's span `warnings`). */
  warnings?: string[];
  /** On the first span of a trace cut to the span limit: what was left out (Jaeger's trace `warnings`). */
  traceWarnings?: string[];
}

/** A query asked for more than the explorer serves in one answer: the client's 400. */
export class QueryLimitError extends Error {
  readonly statusCode = 400;
  constructor(message: string) {
    super(message);
    this.name = 'QueryLimitError';
  }
}

const limitsByDb = new WeakMap<Database.Database, QueryLimits>();

/** The limits every query on this connection applies (set by the query side's ExplorerStore). */
export function setQueryLimits(db: Database.Database, limits: QueryLimits): void {
  limitsByDb.set(db, limits);
}

export function queryLimitsOf(db: Database.Database): QueryLimits {
  return limitsByDb.get(db) ?? DEFAULT_QUERY_LIMITS;
}

export interface StoredResource {
  id: number;
  service: string;
  attributes: string;
}

export interface TraceSearch {
  service?: string;
  operation?: string;
  /** Attribute (span or resource) equality filters; `error`, `span.kind`, `otel.status_code` map to columns. */
  tags?: Record<string, string>;
  minDurationUs?: number;
  maxDurationUs?: number;
  startUs?: number;
  endUs?: number;
  limit: number;
}

const KIND_BY_NAME: Record<string, number> = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const STATUS_BY_NAME: Record<string, number> = { UNSET: 0, OK: 1, ERROR: 2 };

const SPAN_COLUMNS = `trace_id, span_id, parent_span_id, service, name, kind, start_us, duration_us, status_code, status_message,
  flags, trace_state, resource_id, scope, attributes, events, links`;

export function listServices(db: Database.Database): string[] {
  return db.prepare('SELECT DISTINCT service FROM operations ORDER BY service').pluck().all() as string[];
}

export function listOperations(db: Database.Database, service: string, kind?: number): { name: string; kind: number }[] {
  if (kind === undefined) {
    return db.prepare('SELECT name, kind FROM operations WHERE service = ? ORDER BY name, kind').all(service) as {
      name: string;
      kind: number;
    }[];
  }
  return db.prepare('SELECT name, kind FROM operations WHERE service = ? AND kind = ? ORDER BY name').all(service, kind) as {
    name: string;
    kind: number;
  }[];
}

export function spanKindNumber(name: string): number | undefined {
  return KIND_BY_NAME[name.toLowerCase()];
}

/** Values cut to the served length; warnings for what was cut, and for what was dropped on receipt. */
function capSpan(s: StoredSpan, max: number): StoredSpan {
  const warnings: string[] = [];
  receiptWarnings(s.attributes, warnings);
  s.attributes = capAttributesJson(s.attributes, max, '', warnings);
  s.events = capEntriesJson(s.events, max, 'event', warnings);
  s.links = capEntriesJson(s.links, max, 'link', warnings);
  if (s.status_message && s.status_message.length > max) {
    warnings.push(`status message cut to ${max} of ${s.status_message.length} characters`);
    s.status_message = `${s.status_message.slice(0, max)}… [cut by the explorer: ${s.status_message.length} characters]`;
  }
  if (warnings.length) s.warnings = warnings;
  return s;
}

/**
 * The spans of each trace (in the order the ids are given; within a trace, by start time), at
 * most the per-trace and per-answer span limits: a cut trace's first span carries a trace
 * warning saying how many spans were left out. Values are capped to the served length.
 */
export function getSpansOfTraces(db: Database.Database, traceIds: string[]): StoredSpan[] {
  const limits = queryLimitsOf(db);
  const ids = [...new Set(traceIds)];
  if (ids.length > limits.maxTraceIdsPerRequest) {
    throw new QueryLimitError(`at most ${limits.maxTraceIdsPerRequest} trace ids per request (got ${ids.length})`);
  }
  const select = db.prepare(`SELECT ${SPAN_COLUMNS} FROM spans WHERE trace_id = ? ORDER BY start_us, id LIMIT ?`);
  const count = db.prepare('SELECT COUNT(*) FROM spans WHERE trace_id = ?').pluck();
  const out: StoredSpan[] = [];
  let budget = limits.maxSpansPerResponse;
  for (const traceId of ids) {
    // every trace asked for gets at least its first span, however much the others took
    const cap = Math.max(1, Math.min(limits.maxSpansPerTrace, budget));
    const rows = select.all(traceId, cap + 1) as StoredSpan[];
    if (rows.length > cap) {
      rows.length = cap;
      const total = count.get(traceId) as number;
      const why =
        cap < limits.maxSpansPerTrace
          ? `the answer's limit of ${limits.maxSpansPerResponse} spans`
          : `the limit of ${limits.maxSpansPerTrace} spans per trace`;
      rows[0].traceWarnings = [`trace cut by the explorer: the first ${cap} of ${total} spans (by start time) are shown, ${why}`];
      rows[0].warnings = [...rows[0].traceWarnings];
    }
    budget -= rows.length;
    for (const row of rows) out.push(capSpan(row, limits.maxServedValueLength));
  }
  return out;
}

const resourceCache = new WeakMap<Database.Database, Map<number, StoredResource>>();

export function getResources(db: Database.Database, ids: Iterable<number>): Map<number, StoredResource> {
  let cache = resourceCache.get(db);
  if (!cache) {
    cache = new Map();
    resourceCache.set(db, cache);
  }
  const out = new Map<number, StoredResource>();
  const stmt = db.prepare('SELECT id, service, attributes FROM resources WHERE id = ?');
  const max = queryLimitsOf(db).maxServedValueLength;
  for (const id of ids) {
    let r = cache.get(id);
    if (!r) {
      r = stmt.get(id) as StoredResource | undefined;
      if (!r) continue;
      r.attributes = capAttributesJson(r.attributes, max, '', []);
      cache.set(id, r);
    }
    out.set(id, r);
  }
  return out;
}

/**
 * Trace ids of the newest traces with at least one span matching every criterion. Walks
 * matching spans newest-first through an index and stops at `limit` distinct traces, so a
 * search costs about `limit` traces' worth of rows, not the whole time range.
 */
export function findTraceIds(db: Database.Database, q: TraceSearch): string[] {
  const where: string[] = [];
  const params: unknown[] = [];
  let joinResources = false;
  if (q.service) {
    where.push('s.service = ?');
    params.push(q.service);
  }
  if (q.operation) {
    where.push('s.name = ?');
    params.push(q.operation);
  }
  if (q.startUs !== undefined) {
    where.push('s.start_us >= ?');
    params.push(q.startUs);
  }
  if (q.endUs !== undefined) {
    where.push('s.start_us <= ?');
    params.push(q.endUs);
  }
  if (q.minDurationUs !== undefined) {
    where.push('s.duration_us >= ?');
    params.push(q.minDurationUs);
  }
  if (q.maxDurationUs !== undefined) {
    where.push('s.duration_us <= ?');
    params.push(q.maxDurationUs);
  }
  for (const [key, value] of Object.entries(q.tags ?? {})) {
    if (key === 'error') {
      where.push(value === 'true' ? 's.status_code = 2' : 's.status_code != 2');
    } else if (key === 'span.kind' && KIND_BY_NAME[value.toLowerCase()] !== undefined) {
      where.push('s.kind = ?');
      params.push(KIND_BY_NAME[value.toLowerCase()]);
    } else if (key === 'otel.status_code' && STATUS_BY_NAME[value.toUpperCase()] !== undefined) {
      where.push('s.status_code = ?');
      params.push(STATUS_BY_NAME[value.toUpperCase()]);
    } else {
      // JSON booleans come back from json_extract as 1/0; accept either spelling.
      const alt = value === 'true' ? '1' : value === 'false' ? '0' : value;
      // a JSON string literal is a quoted JSON-path label: any key (quotes, backslashes, dots) addresses itself
      if (key === '' || key.includes('\u0000')) throw new QueryLimitError('tags: a tag key must be non-empty and must not contain NUL');
      const pathExpr = `$.${JSON.stringify(key)}`;
      joinResources = true;
      where.push(`(CAST(json_extract(s.attributes, ?) AS TEXT) IN (?, ?) OR CAST(json_extract(r.attributes, ?) AS TEXT) IN (?, ?))`);
      params.push(pathExpr, value, alt, pathExpr, value, alt);
    }
  }
  const sql = `SELECT s.trace_id FROM spans s ${joinResources ? 'JOIN resources r ON r.id = s.resource_id' : ''}
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY s.start_us DESC`;
  const ids = new Set<string>();
  for (const traceId of db
    .prepare(sql)
    .pluck()
    .iterate(...params) as IterableIterator<string>) {
    ids.add(traceId);
    if (ids.size >= q.limit) break;
  }
  return [...ids];
}

export interface DependencyLink {
  parent: string;
  child: string;
  callCount: number;
}

/** Service → service edges from parent/child spans whose services differ, over a time window. */
export function dependencies(db: Database.Database, startUs: number, endUs: number): DependencyLink[] {
  return db
    .prepare(
      `SELECT p.service AS parent, c.service AS child, COUNT(*) AS callCount
       FROM spans c JOIN spans p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
       WHERE c.start_us BETWEEN ? AND ? AND c.parent_span_id != '' AND p.service != c.service
       GROUP BY p.service, c.service ORDER BY p.service, c.service`,
    )
    .all(startUs, endUs) as DependencyLink[];
}
