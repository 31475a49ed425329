/**
 * Jaeger query-service HTTP API (the JSON one Jaeger's UI and Grafana's Jaeger data source
 * call): services, operations, trace search, trace by id, dependencies.
 */
import type { FastifyInstance } from 'fastify';
import type { ExplorerStore } from '../store/explorer-store.js';
import { SPAN_KIND_NAMES } from '../otlp/model.js';
import {
  dependencies,
  findTraceIds,
  getResources,
  getSpansOfTraces,
  listOperations,
  listServices,
  spanKindNumber,
} from '../store/span-queries.js';
import type { JaegerOperation, JaegerTrace } from '../../contract/index.js';
import { envelope, errorEnvelope, toJaegerTraces } from './jaeger-format.js';
import {
  BadParamError,
  firstString,
  normalizeTraceId,
  parseGoDurationUs,
  parseLimit,
  parseLookbackUs,
  parseTags,
  parseTimeUs,
} from './params.js';
import { rawFlag, sendJson, wantsPrettyPrint, withoutDuplicateSpans } from './trace-output.js';

type Query = Record<string, string | string[] | undefined>;

const DEFAULT_SEARCH_LIMIT = 20;
const MAX_SEARCH_LIMIT = 1500;

/** `raw`: the spans exactly as stored, without removing duplicate copies (Jaeger's `raw=true`). */
export function loadTraces(store: ExplorerStore, traceIds: string[], raw = false): JaegerTrace[] {
  const stored = getSpansOfTraces(store.db, traceIds);
  const spans = raw ? stored : withoutDuplicateSpans(stored);
  const resources = getResources(store.db, new Set(spans.map((s) => s.resource_id)));
  const traces = toJaegerTraces(spans, resources);
  const order = new Map(traceIds.map((id, i) => [id, i]));
  return traces.sort((a, b) => (order.get(a.traceID) ?? 0) - (order.get(b.traceID) ?? 0));
}

export function registerJaegerRoutes(app: FastifyInstance, store: ExplorerStore): void {
  app.get('/api/services', async () => {
    const services = listServices(store.db);
    return envelope(services, services.length);
  });

  app.get<{ Params: { service: string } }>('/api/services/:service/operations', async (request) => {
    const names = [...new Set(listOperations(store.db, request.params.service).map((o) => o.name))];
    return envelope(names, names.length);
  });

  app.get<{ Querystring: Query }>('/api/operations', async (request, reply) => {
    const service = firstString(request.query.service);
    if (!service) return reply.code(400).send(errorEnvelope(400, 'parameter "service" is required'));
    const kindName = firstString(request.query.spanKind);
    let kind: number | undefined;
    if (kindName) {
      kind = spanKindNumber(kindName);
      if (kind === undefined) return reply.code(400).send(errorEnvelope(400, `unsupported spanKind "${kindName}"`));
    }
    const ops = listOperations(store.db, service, kind).map((o): JaegerOperation => ({
      name: o.name,
      spanKind: o.kind === 0 ? '' : (SPAN_KIND_NAMES[o.kind] ?? ''),
    }));
    return envelope(ops, ops.length);
  });

  app.get<{ Querystring: Query }>('/api/traces', async (request, reply) => {
    const q = request.query;
    try {
      const raw = rawFlag(q, ['raw']);
      const pretty = wantsPrettyPrint(q);
      const explicitIds = firstString(q.traceID);
      if (explicitIds) {
        const ids = (Array.isArray(q.traceID) ? q.traceID : explicitIds.split(','))
          .map((id) => normalizeTraceId(String(id)))
          .filter((id): id is string => id !== undefined);
        const traces = loadTraces(store, ids, raw);
        // eslint-disable-next-line @typescript-eslint/return-await -- a FastifyReply is thenable; returning it is Fastify's "already sent" signal, awaiting it would wait for the socket
        return sendJson(reply, envelope(traces, traces.length), pretty);
      }
      const endUs = parseTimeUs(firstString(q.end), 'end');
      let startUs = parseTimeUs(firstString(q.start), 'start');
      const lookbackUs = parseLookbackUs(firstString(q.lookback));
      if (startUs === undefined && lookbackUs !== undefined) startUs = (endUs ?? Date.now() * 1000) - lookbackUs;
      const minD = firstString(q.minDuration);
      const maxD = firstString(q.maxDuration);
      const operation = firstString(q.operation);
      const limit = parseLimit(firstString(q.limit), DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT);
      const ids = findTraceIds(store.db, {
        service: firstString(q.service) || undefined,
        operation: operation && operation !== 'all' ? operation : undefined,
        tags: parseTags(q.tags),
        minDurationUs: minD ? parseGoDurationUs(minD, 'minDuration') : undefined,
        maxDurationUs: maxD ? parseGoDurationUs(maxD, 'maxDuration') : undefined,
        startUs,
        endUs,
        limit,
      });
      const traces = loadTraces(store, ids, raw);
      // eslint-disable-next-line @typescript-eslint/return-await -- a FastifyReply is thenable; returning it is Fastify's "already sent" signal, awaiting it would wait for the socket
      return sendJson(reply, { data: traces, total: traces.length, limit, offset: 0, errors: null }, pretty);
    } catch (err) {
      if (err instanceof BadParamError) return reply.code(400).send(errorEnvelope(400, err.message));
      throw err;
    }
  });

  app.get<{ Params: { traceID: string }; Querystring: Query }>('/api/traces/:traceID', async (request, reply) => {
    const ids = request.params.traceID.split(',').map(normalizeTraceId);
    if (ids.some((id) => id === undefined)) {
      return reply.code(400).send(errorEnvelope(400, `malformed trace id "${request.params.traceID}"`));
    }
    let raw: boolean;
    try {
      raw = rawFlag(request.query, ['raw']);
    } catch (err) {
      if (err instanceof BadParamError) return reply.code(400).send(errorEnvelope(400, err.message));
      throw err;
    }
    const traces = loadTraces(store, ids as string[], raw);
    if (traces.length === 0) return reply.code(404).send(errorEnvelope(404, 'trace not found'));
    return sendJson(reply, envelope(traces, traces.length), wantsPrettyPrint(request.query));
  });

  app.get<{ Querystring: Query }>('/api/dependencies', async (request, reply) => {
    const endTsMs = Number(firstString(request.query.endTs) ?? Date.now());
    const lookbackMs = Number(firstString(request.query.lookback) ?? 24 * 3600 * 1000);
    if (!Number.isFinite(endTsMs) || !Number.isFinite(lookbackMs)) {
      return reply.code(400).send(errorEnvelope(400, 'endTs and lookback are milliseconds'));
    }
    const links = dependencies(store.db, (endTsMs - lookbackMs) * 1000, endTsMs * 1000);
    return envelope(links, links.length);
  });
}
