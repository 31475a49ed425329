/** GET /api/logs: log search by correlation ids, service, level, event, text and time, newest first. */
import type { FastifyInstance } from 'fastify';
import type { ApiErrorBody, LogEntry, LogSearchResponse } from '../../contract/index.js';
import type { ExplorerStore } from '../store/explorer-store.js';
import { searchLogs, type StoredLog } from '../store/log-queries.js';
import { BadParamError, firstString, normalizeTraceId, parseLimit, parseTimeUs } from './params.js';

type Query = Record<string, string | string[] | undefined>;

/** A stored log row as the API shows it (the contract's LogEntry): ISO timestamp added, attributes parsed. */
export function toLogEntry(row: StoredLog): LogEntry {
  return {
    id: row.id,
    timestamp: new Date(Math.floor(row.time_us / 1000)).toISOString(),
    time_us: row.time_us,
    level: row.level,
    service: row.service,
    event: row.event,
    trace_id: row.trace_id,
    span_id: row.span_id,
    request_id: row.request_id,
    body: row.body,
    attributes: JSON.parse(row.attributes) as Record<string, unknown>,
  };
}

export function registerLogRoutes(app: FastifyInstance, store: ExplorerStore): void {
  app.get<{ Querystring: Query; Reply: LogSearchResponse | ApiErrorBody }>('/api/logs', async (request, reply) => {
    const q = request.query;
    try {
      const traceParam = firstString(q.trace_id);
      let traceId: string | undefined;
      if (traceParam) {
        traceId = normalizeTraceId(traceParam);
        if (!traceId) throw new BadParamError('trace_id', 'trace_id: expected up to 32 hex digits');
      }
      const level = firstString(q.level);
      const { rows, total } = searchLogs(store.db, {
        traceId,
        spanId: firstString(q.span_id)?.toLowerCase() || undefined,
        requestId: firstString(q.request_id) || undefined,
        service: firstString(q.service) || undefined,
        levels: level
          ? level
              .split(',')
              .map((l) => l.trim().toUpperCase())
              .filter(Boolean)
          : undefined,
        event: firstString(q.event) || undefined,
        text: firstString(q.q) || undefined,
        startUs: parseTimeUs(firstString(q.start), 'start'),
        endUs: parseTimeUs(firstString(q.end), 'end'),
        limit: parseLimit(firstString(q.limit), 100, 5000),
      });
      return { data: rows.map(toLogEntry), total };
    } catch (err) {
      if (err instanceof BadParamError)
        return reply.code(400).send({ error: { code: 'DSC_ERR_API_VALIDATION', message: err.message, field: err.param } });
      throw err;
    }
  });
}
