/**
 * RED metrics (rate, errors, duration) computed from the stored spans, per service or per
 * service and operation, the way a Prometheus range query over span metrics samples them:
 * one point every `stepUs` from `fromUs` to `toUs`, each summarising the spans of the window
 * (t − windowUs, t] before it. A span counts at its start time.
 *
 * - calls: spans in the window per second of the window (0 when there were none);
 * - errors: the share of those spans with status ERROR (no point when there were no calls);
 * - latency: the q-quantile of their durations in milliseconds, interpolated linearly between
 *   the two nearest ranks (no point when there were no calls).
 */
import type Database from 'better-sqlite3';

export type RedMetric = 'latencies' | 'calls' | 'errors';

export interface RedQuery {
  metric: RedMetric;
  services: string[];
  /** OTLP span kind numbers to include. */
  kinds: number[];
  groupByOperation: boolean;
  /** Required for 'latencies', in [0, 1]. */
  quantile?: number;
  fromUs: number;
  toUs: number;
  stepUs: number;
  windowUs: number;
}

export interface RedPoint {
  timeUs: number;
  value: number;
}

export interface RedSeries {
  service: string;
  /** Present when grouped by operation. */
  operation?: string;
  points: RedPoint[];
}

interface Row {
  service: string;
  name: string;
  start_us: number;
  duration_us: number;
  status_code: number;
}

const STATUS_ERROR = 2;

/** Hyndman & Fan type 7 (numpy's default): linear between the closest ranks of sorted values. */
export function quantileOfSorted(sorted: number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function loadRows(db: Database.Database, q: RedQuery): Row[] {
  const services = q.services.map(() => '?').join(',');
  const kinds = q.kinds.map(() => '?').join(',');
  return db
    .prepare(
      `SELECT service, name, start_us, duration_us, status_code FROM spans
       WHERE service IN (${services}) AND kind IN (${kinds}) AND start_us > ? AND start_us <= ?
       ORDER BY start_us`,
    )
    .all(...q.services, ...q.kinds, q.fromUs - q.windowUs, q.toUs) as Row[];
}

function seriesPoints(rows: Row[], q: RedQuery): RedPoint[] {
  const points: RedPoint[] = [];
  // Prefix sums of errors make each window's error count two lookups.
  const errorsBefore = new Array<number>(rows.length + 1);
  errorsBefore[0] = 0;
  for (let i = 0; i < rows.length; i++) errorsBefore[i + 1] = errorsBefore[i] + (rows[i].status_code === STATUS_ERROR ? 1 : 0);
  let lo = 0;
  let hi = 0;
  const windowSeconds = q.windowUs / 1e6;
  for (let t = q.fromUs; t <= q.toUs; t += q.stepUs) {
    while (hi < rows.length && rows[hi].start_us <= t) hi++;
    while (lo < hi && rows[lo].start_us <= t - q.windowUs) lo++;
    const calls = hi - lo;
    if (q.metric === 'calls') {
      points.push({ timeUs: t, value: calls / windowSeconds });
    } else if (calls > 0 && q.metric === 'errors') {
      points.push({ timeUs: t, value: (errorsBefore[hi] - errorsBefore[lo]) / calls });
    } else if (calls > 0) {
      const durationsMs = rows
        .slice(lo, hi)
        .map((r) => r.duration_us / 1000)
        .sort((a, b) => a - b);
      points.push({ timeUs: t, value: quantileOfSorted(durationsMs, q.quantile ?? 0.5) });
    }
  }
  return points;
}

/** One series per service (or service and operation) that has spans in the range, sorted by name. */
export function redMetrics(db: Database.Database, q: RedQuery): RedSeries[] {
  if (q.services.length === 0 || q.kinds.length === 0) return [];
  const groups = new Map<string, { service: string; operation?: string; rows: Row[] }>();
  for (const row of loadRows(db, q)) {
    const key = q.groupByOperation ? `${row.service}\u0000${row.name}` : row.service;
    let group = groups.get(key);
    if (!group) {
      group = { service: row.service, operation: q.groupByOperation ? row.name : undefined, rows: [] };
      groups.set(key, group);
    }
    group.rows.push(row);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]) => ({ service: g.service, operation: g.operation, points: seriesPoints(g.rows, q) }));
}
