import type { JaegerTrace, LogEntry, StageAnalysis, TraceComparison } from '../model/types.js';
import type { SamplingStatus } from '../../../src/contract/index.js';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { signal, headers: { accept: 'application/json' } });
  if (!res.ok) {
    let detail = '';
    try {
      // Jaeger's envelope, or diffscope's own { error: { message } } (ApiErrorBody)
      const body = (await res.json()) as { errors?: { msg?: string }[]; error?: { message?: string }; message?: string };
      detail = body.errors?.[0]?.msg ?? body.error?.message ?? body.message ?? '';
    } catch {
      // body was not JSON; the status says enough
    }
    throw new ApiError(`${res.status} ${res.statusText}${detail ? `: ${detail}` : ''}`, res.status);
  }
  return (await res.json()) as T;
}

function qs(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export async function fetchServices(signal?: AbortSignal): Promise<string[]> {
  return (await getJson<{ data: string[] | null }>('/api/services', signal)).data ?? [];
}

export async function fetchOperations(service: string, signal?: AbortSignal): Promise<string[]> {
  return (await getJson<{ data: string[] | null }>(`/api/services/${encodeURIComponent(service)}/operations`, signal)).data ?? [];
}

export interface TraceQuery {
  service?: string;
  operation?: string;
  /** Jaeger's tags parameter: a JSON object of key → value. */
  tags?: Record<string, string>;
  minDuration?: string;
  maxDuration?: string;
  /** µs since epoch */
  start?: number;
  end?: number;
  limit?: number;
}

export async function searchTraces(q: TraceQuery, signal?: AbortSignal): Promise<JaegerTrace[]> {
  const tags = q.tags && Object.keys(q.tags).length > 0 ? JSON.stringify(q.tags) : undefined;
  const path = `/api/traces${qs({ service: q.service, operation: q.operation, tags, minDuration: q.minDuration, maxDuration: q.maxDuration, start: q.start, end: q.end, limit: q.limit })}`;
  return (await getJson<{ data: JaegerTrace[] | null }>(path, signal)).data ?? [];
}

export async function fetchTrace(traceID: string, signal?: AbortSignal): Promise<JaegerTrace | undefined> {
  const body = await getJson<{ data: JaegerTrace[] | null }>(`/api/traces/${encodeURIComponent(traceID)}`, signal);
  return body.data?.[0];
}

export interface LogQuery {
  trace_id?: string;
  request_id?: string;
  span_id?: string;
  service?: string;
  level?: string;
  event?: string;
  q?: string;
  start?: number;
  end?: number;
  limit?: number;
}

export async function searchLogs(q: LogQuery, signal?: AbortSignal): Promise<{ data: LogEntry[]; total: number }> {
  const body = await getJson<{ data: LogEntry[] | null; total?: number }>(`/api/logs${qs({ ...q })}`, signal);
  const data = body.data ?? [];
  return { data, total: body.total ?? data.length };
}

export async function fetchStages(limit: number, signal?: AbortSignal): Promise<StageAnalysis> {
  return (await getJson<{ data: StageAnalysis }>(`/api/analysis/stages${qs({ limit })}`, signal)).data;
}

/** GET /api/compare: the first id is the baseline. */
export async function fetchComparison(traceIDs: readonly string[], signal?: AbortSignal): Promise<TraceComparison> {
  const q = new URLSearchParams();
  for (const id of traceIDs) q.append('trace_id', id);
  return (await getJson<{ data: TraceComparison }>(`/api/compare?${q.toString()}`, signal)).data;
}

/** GET /api/sampling: tail sampling's settings, counts and buffer. */
export async function fetchSampling(signal?: AbortSignal): Promise<SamplingStatus> {
  return (await getJson<{ data: SamplingStatus }>('/api/sampling', signal)).data;
}

export function imageUrl(traceID: string, k: number): string {
  return `/api/traces/${encodeURIComponent(traceID)}/image/${k}`;
}
