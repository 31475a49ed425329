import { lookbackRange, readTimeRange, timeRangeToQuery, type TimeRangeValue } from '../../components/time-range.js';
import type { TraceQuery } from '../../api/client.js';

/** The search form lives in the URL so a result list can be shared. */
export interface SearchParams extends TimeRangeValue {
  service: string;
  operation: string;
  minDuration: string;
  maxDuration: string;
  errorsOnly: boolean;
  requestId: string;
  tags: string;
  limit: number;
  sort: 'recent' | 'longest' | 'errors';
}

export function readSearchParams(q: URLSearchParams): SearchParams {
  const sort = q.get('sort');
  return {
    service: q.get('service') ?? '',
    operation: q.get('operation') ?? '',
    minDuration: q.get('minDuration') ?? '',
    maxDuration: q.get('maxDuration') ?? '',
    errorsOnly: q.get('error') === '1',
    ...readTimeRange(q),
    requestId: q.get('request_id') ?? '',
    tags: q.get('tags') ?? '',
    limit: Number(q.get('limit')) > 0 ? Number(q.get('limit')) : 20,
    sort: sort === 'longest' || sort === 'errors' ? sort : 'recent',
  };
}

export function searchParamsToQuery(p: SearchParams): Record<string, string | number | boolean | undefined> {
  return {
    service: p.service,
    operation: p.operation,
    minDuration: p.minDuration,
    maxDuration: p.maxDuration,
    error: p.errorsOnly ? '1' : undefined,
    ...timeRangeToQuery(p),
    request_id: p.requestId,
    tags: p.tags,
    limit: p.limit,
    sort: p.sort === 'recent' ? undefined : p.sort,
    go: '1',
  };
}

/** "k=v k2=v2" (Jaeger UI's logfmt tags box) → tag object; the status filter adds error=true. */
export function parseTags(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([^\s=]+)=("([^"]*)"|\S*)/g)) out[m[1]] = m[3] ?? m[2];
  return out;
}

export function toTraceQuery(p: SearchParams, nowMs = Date.now()): TraceQuery {
  const tags = parseTags(p.tags);
  if (p.errorsOnly) tags.error = 'true';
  return {
    service: p.service || undefined,
    operation: p.operation || undefined,
    tags,
    minDuration: p.minDuration || undefined,
    maxDuration: p.maxDuration || undefined,
    ...lookbackRange(p.lookback, nowMs, p),
    limit: p.limit,
  };
}
