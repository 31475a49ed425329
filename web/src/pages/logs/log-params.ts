import { lookbackRange, readTimeRange, timeRangeToQuery, type TimeRangeValue } from '../../components/time-range.js';
import type { LogQuery } from '../../api/client.js';

export interface LogParams extends TimeRangeValue {
  level: string;
  service: string;
  event: string;
  q: string;
  requestId: string;
  traceId: string;
  limit: number;
}

export function readLogParams(q: URLSearchParams): LogParams {
  return {
    level: q.get('level') ?? '',
    service: q.get('service') ?? '',
    event: q.get('event') ?? '',
    q: q.get('q') ?? '',
    requestId: q.get('request_id') ?? '',
    traceId: q.get('trace_id') ?? '',
    ...readTimeRange(q),
    limit: Number(q.get('limit')) > 0 ? Number(q.get('limit')) : 200,
  };
}

export function logParamsToQuery(p: LogParams): Record<string, string | number | undefined> {
  return {
    level: p.level,
    service: p.service,
    event: p.event,
    q: p.q,
    request_id: p.requestId,
    trace_id: p.traceId,
    ...timeRangeToQuery(p),
    limit: p.limit,
  };
}

export function toLogQuery(p: LogParams, nowMs = Date.now()): LogQuery {
  return {
    level: p.level || undefined,
    service: p.service || undefined,
    event: p.event || undefined,
    q: p.q || undefined,
    request_id: p.requestId || undefined,
    trace_id: p.traceId || undefined,
    ...lookbackRange(p.lookback, nowMs, p),
    limit: p.limit,
  };
}
