/**
 * Query-string parsing for Jaeger's api_v3 HTTP gateway, with its names: the proto3 JSON
 * (camelCase) spellings Jaeger UI v2.20 sends (`query.serviceName`, `query.startTimeMin`, …)
 * and the older snake_case ones (`query.service_name`, `query.start_time_min`, …), the
 * canonical name winning when both are given — as Jaeger's apiv3/query_parser.go does.
 */
import type { TraceSearch } from '../store/span-queries.js';
import { BadParamError, firstString, parseGoDurationUs, parseTags } from './params.js';
import { rawFlag } from './trace-output.js';

type Query = Record<string, string | string[] | undefined>;

/** Jaeger's api_v3 default when `query.searchDepth` is absent. */
export const DEFAULT_SEARCH_DEPTH = 100;
/** Same ceiling as the v1 search: bounds what one request can make the store read. */
export const MAX_SEARCH_DEPTH = 1500;

/** [canonical, deprecated alias] */
const P = {
  service: ['query.serviceName', 'query.service_name'],
  operation: ['query.operationName', 'query.operation_name'],
  timeMin: ['query.startTimeMin', 'query.start_time_min'],
  timeMax: ['query.startTimeMax', 'query.start_time_max'],
  depth: ['query.searchDepth', 'query.search_depth', 'query.num_traces'],
  durationMin: ['query.durationMin', 'query.duration_min'],
  durationMax: ['query.durationMax', 'query.duration_max'],
  raw: ['query.rawTraces', 'query.raw_traces'],
  startTime: ['startTime', 'start_time'],
  endTime: ['endTime', 'end_time'],
  getRaw: ['rawTraces', 'raw_traces'],
  spanKind: ['spanKind', 'span_kind'],
} as const;

/** The value and the name it came under: the first non-empty of `names`. */
export function pick(query: Query, names: readonly string[]): { value: string; name: string } | undefined {
  for (const name of names) {
    const value = firstString(query[name]);
    if (value !== undefined && value !== '') return { value, name };
  }
  return undefined;
}

// RFC 3339 with up to nanosecond fractions (Go's time.RFC3339Nano, what Jaeger parses).
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

/** RFC 3339 timestamp → µs since the epoch (fractions below a microsecond are dropped). */
export function parseRfc3339Us(input: string, param: string): number {
  const m = RFC3339.exec(input);
  const ms = m ? Date.parse(`${m[1]}${m[3].toUpperCase()}`) : NaN;
  if (!m || Number.isNaN(ms))
    throw new BadParamError(param, `${param}: expected an RFC 3339 time like 2026-01-02T15:04:05.123Z, got "${input}"`);
  const fractionUs = m[2] ? Number(m[2].padEnd(9, '0').slice(0, 6)) : 0;
  return ms * 1000 + fractionUs;
}

export interface FindTracesQuery {
  search: TraceSearch;
  raw: boolean;
}

/** `GET /api/v3/traces` and `/api/v3/trace-summaries` parameters → a store search. */
export function parseFindTracesQuery(query: Query): FindTracesQuery {
  if (pick(query, ['query.filter'])) {
    throw new BadParamError('query.filter', 'query.filter (expression search) is not supported by this explorer; use query.attributes');
  }
  const timeMin = pick(query, P.timeMin);
  const timeMax = pick(query, P.timeMax);
  if (!timeMin || !timeMax) throw new BadParamError('query.startTimeMin', 'query.startTimeMin and query.startTimeMax are required');
  const startUs = parseRfc3339Us(timeMin.value, timeMin.name);
  const endUs = parseRfc3339Us(timeMax.value, timeMax.name);
  if (startUs >= endUs) throw new BadParamError(timeMin.name, 'query.startTimeMin must be before query.startTimeMax');

  let limit = DEFAULT_SEARCH_DEPTH;
  const depth = pick(query, P.depth);
  if (depth) {
    if (!/^\d+$/.test(depth.value) || Number(depth.value) === 0)
      throw new BadParamError(depth.name, `${depth.name}: expected a positive integer`);
    limit = Math.min(Number(depth.value), MAX_SEARCH_DEPTH);
  }
  const durationMin = pick(query, P.durationMin);
  const durationMax = pick(query, P.durationMax);
  const attributes = pick(query, ['query.attributes']);
  return {
    search: {
      service: pick(query, P.service)?.value,
      operation: pick(query, P.operation)?.value,
      // Jaeger sends a JSON object of strings; logfmt is accepted as the v1 search accepts it.
      tags: attributes ? parseTags(attributes.value) : undefined,
      minDurationUs: durationMin ? parseGoDurationUs(durationMin.value, durationMin.name) : undefined,
      maxDurationUs: durationMax ? parseGoDurationUs(durationMax.value, durationMax.name) : undefined,
      startUs,
      endUs,
      limit,
    },
    raw: rawFlag(query, P.raw),
  };
}

export interface GetTraceQuery {
  startUs?: number;
  endUs?: number;
  raw: boolean;
}

/** `GET /api/v3/traces/{trace_id}`: the optional time window and rawTraces. */
export function parseGetTraceQuery(query: Query): GetTraceQuery {
  const start = pick(query, P.startTime);
  const end = pick(query, P.endTime);
  return {
    startUs: start ? parseRfc3339Us(start.value, start.name) : undefined,
    endUs: end ? parseRfc3339Us(end.value, end.name) : undefined,
    raw: rawFlag(query, P.getRaw),
  };
}

export function spanKindParam(query: Query): string | undefined {
  return pick(query, P.spanKind)?.value;
}
