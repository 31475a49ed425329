/**
 * Retention: drop spans and logs older than the age limit; then, if the data still takes
 * more than the size cap, drop the oldest share needed to get to 80 % of the cap and compact
 * (VACUUM) the file. Age deletes go in chunks so a purge never holds the write lock long.
 */
import type { StoreWriter } from './store-writer.js';

export interface RetentionOptions {
  maxAgeMs: number;
  maxBytes: number;
  /** Now, in ms since the epoch (tests pass a fixed clock). */
  nowMs?: number;
}

export interface RetentionResult {
  spansDeleted: number;
  logsDeleted: number;
  usedBytesBefore: number;
  usedBytesAfter: number;
}

const CHUNK_ROWS = 20_000;

export function usedBytes(store: StoreWriter): number {
  const pageSize = store.db.pragma('page_size', { simple: true }) as number;
  const pages = store.db.pragma('page_count', { simple: true }) as number;
  const free = store.db.pragma('freelist_count', { simple: true }) as number;
  return (pages - free) * pageSize;
}

function deleteSpansBefore(store: StoreWriter, cutoffUs: number): number {
  const stmt = store.db.prepare('DELETE FROM spans WHERE id IN (SELECT id FROM spans WHERE start_us < ? LIMIT ?)');
  let total = 0;
  for (;;) {
    const n = stmt.run(cutoffUs, CHUNK_ROWS).changes;
    total += n;
    if (n < CHUNK_ROWS) return total;
  }
}

function deleteLogsBefore(store: StoreWriter, cutoffUs: number): number {
  const db = store.db;
  const pick = db.prepare('SELECT id FROM logs WHERE time_us < ? LIMIT ?').pluck();
  const delLog = db.prepare('DELETE FROM logs WHERE id = ?');
  const delFts = db.prepare('DELETE FROM logs_fts WHERE rowid = ?');
  let total = 0;
  for (;;) {
    const ids = pick.all(cutoffUs, CHUNK_ROWS) as number[];
    db.transaction(() => {
      for (const id of ids) {
        delLog.run(id);
        delFts.run(id);
      }
    })();
    total += ids.length;
    if (ids.length < CHUNK_ROWS) return total;
  }
}

/** The time below which the oldest `fraction` of rows of a table lies. */
function quantileTime(store: StoreWriter, table: 'spans' | 'logs', column: 'start_us' | 'time_us', fraction: number): number | undefined {
  const count = store.db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
  if (count === 0) return undefined;
  const offset = Math.min(count - 1, Math.max(0, Math.ceil(count * fraction) - 1));
  return store.db.prepare(`SELECT ${column} FROM ${table} ORDER BY ${column} LIMIT 1 OFFSET ?`).pluck().get(offset) as number;
}

export function runRetention(store: StoreWriter, options: RetentionOptions): RetentionResult {
  const nowMs = options.nowMs ?? Date.now();
  const before = usedBytes(store);
  const cutoffUs = (nowMs - options.maxAgeMs) * 1000;
  let spansDeleted = deleteSpansBefore(store, cutoffUs);
  let logsDeleted = deleteLogsBefore(store, cutoffUs);
  // Deleting rows leaves half-empty B-tree pages (the trace_id index is random), so the
  // cap is met by dropping the oldest share with headroom and then compacting the file.
  for (let round = 0; round < 5 && usedBytes(store) > options.maxBytes; round++) {
    const fraction = Math.min(0.9, Math.max(0.1, 1 - (options.maxBytes * 0.8) / usedBytes(store)));
    const spanCut = quantileTime(store, 'spans', 'start_us', fraction);
    const logCut = quantileTime(store, 'logs', 'time_us', fraction);
    if (spanCut === undefined && logCut === undefined) break;
    if (spanCut !== undefined) spansDeleted += deleteSpansBefore(store, spanCut + 1);
    if (logCut !== undefined) logsDeleted += deleteLogsBefore(store, logCut + 1);
    store.db.exec("INSERT INTO logs_fts(logs_fts) VALUES ('optimize')");
    store.db.exec('VACUUM');
  }
  if (spansDeleted > 0) {
    store.db.exec(`DELETE FROM operations WHERE NOT EXISTS
      (SELECT 1 FROM spans s WHERE s.service = operations.service AND s.name = operations.name)`);
    store.resetCaches();
  }
  if (spansDeleted + logsDeleted > 0) store.db.pragma('incremental_vacuum');
  return { spansDeleted, logsDeleted, usedBytesBefore: before, usedBytesAfter: usedBytes(store) };
}
