/** Read side of the log table, with FTS5 full-text search over body and attributes. */
import type Database from 'better-sqlite3';
import type { LogEntry } from '../../contract/index.js';
import { queryLimitsOf } from './span-queries.js';
import { capAttributesJson, cutText } from './served-values.js';

export interface LogSearch {
  traceId?: string;
  spanId?: string;
  requestId?: string;
  service?: string;
  /** Upper-case levels, any of. */
  levels?: string[];
  event?: string;
  /** Free text: every word must appear (in body or attributes). */
  text?: string;
  startUs?: number;
  endUs?: number;
  limit: number;
}

/** A log row as stored: the contract's LogEntry without the ISO timestamp, attributes still JSON text. */
export interface StoredLog extends Omit<LogEntry, 'timestamp' | 'attributes'> {
  attributes: string;
}

/** Counting every match of a broad search over millions of rows costs more than the page; cap it. */
export const MAX_COUNTED_LOGS = 10_000;

/** User text → an FTS5 query of quoted terms, so punctuation can never be a syntax error. */
export function ftsQuery(text: string): string | undefined {
  const terms = text.match(/[\p{L}\p{N}_]+/gu);
  if (!terms || terms.length === 0) return undefined;
  return terms.map((t) => `"${t}"`).join(' ');
}

export function searchLogs(db: Database.Database, q: LogSearch): { rows: StoredLog[]; total: number } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.traceId) {
    where.push('trace_id = ?');
    params.push(q.traceId);
  }
  if (q.spanId) {
    where.push('span_id = ?');
    params.push(q.spanId);
  }
  if (q.requestId) {
    where.push('request_id = ?');
    params.push(q.requestId);
  }
  if (q.service) {
    where.push('service = ?');
    params.push(q.service);
  }
  if (q.levels && q.levels.length) {
    where.push(`level IN (${q.levels.map(() => '?').join(',')})`);
    params.push(...q.levels);
  }
  if (q.event) {
    where.push('event = ?');
    params.push(q.event);
  }
  if (q.startUs !== undefined) {
    where.push('time_us >= ?');
    params.push(q.startUs);
  }
  if (q.endUs !== undefined) {
    where.push('time_us <= ?');
    params.push(q.endUs);
  }
  if (q.text !== undefined) {
    const match = ftsQuery(q.text);
    if (match) {
      where.push('id IN (SELECT rowid FROM logs_fts WHERE logs_fts MATCH ?)');
      params.push(match);
    }
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const rows = db
    .prepare(
      `SELECT id, time_us, level, service, event, trace_id, span_id, request_id, body, attributes FROM logs ${clause}
       ORDER BY time_us DESC, id DESC LIMIT ?`,
    )
    .all(...params, q.limit) as StoredLog[];
  // served values are capped like spans' (the marker at the end of a cut value says so)
  const max = queryLimitsOf(db).maxServedValueLength;
  for (const row of rows) {
    if (row.body !== null) row.body = cutText(row.body, max) ?? row.body;
    row.attributes = capAttributesJson(row.attributes, max, '', []);
  }
  const total =
    rows.length < q.limit
      ? rows.length
      : (db
          .prepare(`SELECT COUNT(*) FROM (SELECT 1 FROM logs ${clause} LIMIT ${MAX_COUNTED_LOGS})`)
          .pluck()
          .get(...params) as number);
  return { rows, total };
}
