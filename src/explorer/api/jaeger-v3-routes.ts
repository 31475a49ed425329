/**
 * Jaeger v2's api_v3 over HTTP/JSON (the routes of Jaeger's apiv3 HTTP gateway), which Jaeger
 * UI 2.20 calls for its search page: services, operations, trace summaries, find traces, and
 * trace by id with traces in OTLP JSON. Errors use the gateway's `{error: {httpCode, message}}`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ExplorerStore } from '../store/explorer-store.js';
import { SPAN_KIND_NAMES } from '../otlp/model.js';
import {
  findTraceIds,
  getResources,
  getSpansOfTraces,
  listOperations,
  listServices,
  spanKindNumber,
  type StoredSpan,
} from '../store/span-queries.js';
import { summarizeTrace, toOtlpTracesData, v3Error } from './jaeger-v3-format.js';
import { parseFindTracesQuery, parseGetTraceQuery, spanKindParam } from './jaeger-v3-query.js';
import { BadParamError, firstString, normalizeTraceId } from './params.js';
import { sendJson, wantsPrettyPrint, withoutDuplicateSpans } from './trace-output.js';

type Query = Record<string, string | string[] | undefined>;

/** Kind 0 (unspecified) is listed as "internal", as Jaeger's gateway lists operations without a kind. */
function v3SpanKindName(kind: number): string {
  return kind === 0 ? 'internal' : (SPAN_KIND_NAMES[kind] ?? 'internal');
}

/** A 128-bit trace id as hex (leading zeros optional) or, as Jaeger also accepts, base64 of its 16 bytes. */
export function parseV3TraceId(input: string): string | undefined {
  const hex = normalizeTraceId(input);
  if (hex) return hex;
  if (!/^[A-Za-z0-9+/_-]{22}(?:==)?$/.test(input)) return undefined;
  const bytes = Buffer.from(input.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === 16 ? bytes.toString('hex') : undefined;
}

/** Spans of `traceIds`, grouped trace by trace in the order given, duplicates removed unless raw. */
function loadSpans(store: ExplorerStore, traceIds: string[], raw: boolean): StoredSpan[] {
  const order = new Map(traceIds.map((id, i) => [id, i]));
  const spans = getSpansOfTraces(store.db, traceIds);
  // Array.prototype.sort is stable: within a trace the store's start-time order is kept.
  spans.sort((a, b) => (order.get(a.trace_id) ?? 0) - (order.get(b.trace_id) ?? 0));
  return raw ? spans : withoutDuplicateSpans(spans);
}

function sendTraces(store: ExplorerStore, reply: FastifyReply, spans: StoredSpan[], pretty: boolean): FastifyReply {
  if (spans.length === 0) return reply.code(404).send(v3Error(404, 'No traces found'));
  const resources = getResources(store.db, new Set(spans.map((s) => s.resource_id)));
  return sendJson(reply, { result: toOtlpTracesData(spans, resources) }, pretty);
}

function badRequest(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof BadParamError) return reply.code(400).send(v3Error(400, err.message));
  throw err;
}

export function registerJaegerV3Routes(app: FastifyInstance, store: ExplorerStore): void {
  app.get('/api/v3/services', async () => {
    return { services: listServices(store.db) };
  });

  app.get<{ Querystring: Query }>('/api/v3/operations', async (request, reply) => {
    const service = firstString(request.query.service);
    if (!service) return reply.code(400).send(v3Error(400, 'parameter "service" is required'));
    const kindName = spanKindParam(request.query);
    let kind: number | undefined;
    if (kindName) {
      kind = spanKindNumber(kindName);
      if (kind === undefined) return reply.code(400).send(v3Error(400, `unsupported spanKind "${kindName}"`));
    }
    const seen = new Set<string>();
    const operations: { name: string; spanKind: string }[] = [];
    for (const op of listOperations(store.db, service, kind)) {
      const entry = { name: op.name, spanKind: v3SpanKindName(op.kind) };
      const key = `${entry.name}\u0000${entry.spanKind}`;
      if (seen.has(key)) continue;
      seen.add(key);
      operations.push(entry);
    }
    return { operations };
  });

  app.get<{ Querystring: Query }>('/api/v3/trace-summaries', async (request, reply) => {
    try {
      const { search, raw } = parseFindTracesQuery(request.query);
      const ids = findTraceIds(store.db, search);
      const byTrace = new Map<string, StoredSpan[]>(ids.map((id) => [id, []]));
      for (const s of loadSpans(store, ids, raw)) byTrace.get(s.trace_id)?.push(s);
      const summaries = [...byTrace.values()].filter((spans) => spans.length > 0).map(summarizeTrace);
      // eslint-disable-next-line @typescript-eslint/return-await -- a FastifyReply is thenable; returning it is Fastify's "already sent" signal, awaiting it would wait for the socket
      return sendJson(reply, { summaries }, wantsPrettyPrint(request.query));
    } catch (err) {
      return badRequest(reply, err);
    }
  });

  app.get<{ Querystring: Query }>('/api/v3/traces', async (request, reply) => {
    try {
      const { search, raw } = parseFindTracesQuery(request.query);
      const ids = findTraceIds(store.db, search);
      // eslint-disable-next-line @typescript-eslint/return-await -- a FastifyReply is thenable; returning it is Fastify's "already sent" signal, awaiting it would wait for the socket
      return sendTraces(store, reply, loadSpans(store, ids, raw), wantsPrettyPrint(request.query));
    } catch (err) {
      return badRequest(reply, err);
    }
  });

  app.get<{ Params: { traceId: string }; Querystring: Query }>('/api/v3/traces/:traceId', async (request, reply) => {
    const traceId = parseV3TraceId(request.params.traceId);
    if (!traceId) return reply.code(400).send(v3Error(400, `malformed parameter trace_id: "${request.params.traceId}"`));
    try {
      const { startUs, endUs, raw } = parseGetTraceQuery(request.query);
      const spans = loadSpans(store, [traceId], raw);
      // The window narrows where the trace is looked for: it is found when one of its spans
      // starts inside it, and then returned whole.
      const inWindow = spans.some((s) => (startUs === undefined || s.start_us >= startUs) && (endUs === undefined || s.start_us <= endUs));
      // eslint-disable-next-line @typescript-eslint/return-await -- a FastifyReply is thenable; returning it is Fastify's "already sent" signal, awaiting it would wait for the socket
      return sendTraces(store, reply, inWindow ? spans : [], wantsPrettyPrint(request.query));
    } catch (err) {
      return badRequest(reply, err);
    }
  });
}
