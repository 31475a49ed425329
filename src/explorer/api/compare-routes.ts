/**
 * GET /api/compare?trace_id=a&trace_id=b[&trace_id=c&trace_id=d] → `{ data: TraceComparison }`.
 * Ids may also come comma-separated (`trace_id=a,b`), as Jaeger's `traceID` does. 2–4 ids, else
 * 400; an id with no stored span is a 404 naming it. Behind the explorer token like every /api route.
 */
import type { FastifyInstance } from 'fastify';
import { MAX_COMPARED_TRACES, MIN_COMPARED_TRACES, type ApiErrorBody, type TraceComparisonResponse } from '../../contract/index.js';
import type { ExplorerStore } from '../store/explorer-store.js';
import { getResources, getSpansOfTraces, type StoredSpan } from '../store/span-queries.js';
import { compareTraces, type ComparableSpan, type ComparableTrace } from './compare.js';
import { normalizeTraceId } from './params.js';
import { withoutDuplicateSpans } from './trace-output.js';

type Query = Record<string, string | string[] | undefined>;

function parseJsonObject(text: string | null): Record<string, unknown> {
  if (!text) return {};
  const parsed: unknown = JSON.parse(text);
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}

/** The ids asked for, in order, or the reason they cannot be compared. */
export function parseCompareIds(query: Query): { ids: string[] } | { error: string } {
  const raw = query.trace_id;
  const parts = (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw])
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (parts.length < MIN_COMPARED_TRACES || parts.length > MAX_COMPARED_TRACES) {
    return { error: `trace_id: compare ${MIN_COMPARED_TRACES} to ${MAX_COMPARED_TRACES} traces, got ${parts.length}` };
  }
  const ids: string[] = [];
  for (const p of parts) {
    const id = normalizeTraceId(p);
    if (id === undefined) return { error: `trace_id: malformed trace id "${p.slice(0, 64)}" (expected up to 32 hex digits)` };
    ids.push(id);
  }
  return { ids };
}

function loadComparable(store: ExplorerStore, ids: string[]): Map<string, ComparableTrace> {
  const spans = withoutDuplicateSpans(getSpansOfTraces(store.db, [...new Set(ids)]));
  const resources = getResources(store.db, new Set(spans.map((s) => s.resource_id)));
  const resourceAttrs = new Map<number, Record<string, unknown>>();
  for (const [id, r] of resources) resourceAttrs.set(id, parseJsonObject(r.attributes));
  const byTrace = new Map<string, ComparableTrace>();
  const toComparable = (s: StoredSpan): ComparableSpan => ({
    spanId: s.span_id,
    parentSpanId: s.parent_span_id,
    name: s.name,
    service: s.service,
    startUs: s.start_us,
    durationUs: s.duration_us,
    statusCode: s.status_code,
    attributes: parseJsonObject(s.attributes),
    resource: resourceAttrs.get(s.resource_id) ?? {},
  });
  for (const s of spans) {
    let t = byTrace.get(s.trace_id);
    if (!t) byTrace.set(s.trace_id, (t = { traceId: s.trace_id, spans: [] }));
    t.spans.push(toComparable(s));
  }
  return byTrace;
}

export function registerCompareRoutes(app: FastifyInstance, store: ExplorerStore): void {
  app.get<{ Querystring: Query; Reply: TraceComparisonResponse | ApiErrorBody }>('/api/compare', async (request, reply) => {
    const parsed = parseCompareIds(request.query);
    if ('error' in parsed)
      return reply.code(400).send({ error: { code: 'DSC_ERR_API_VALIDATION', message: parsed.error, field: 'trace_id' } });
    const traces = loadComparable(store, parsed.ids);
    const missing = parsed.ids.filter((id) => !traces.has(id));
    if (missing.length > 0) {
      return reply.code(404).send({
        error: { code: 'DSC_ERR_API_NOT_FOUND', message: `trace not found: ${[...new Set(missing)].join(', ')}`, field: 'trace_id' },
      });
    }
    return { data: compareTraces(parsed.ids.map((id) => traces.get(id) as ComparableTrace)) };
  });
}
