/**
 * The store-engine measurement behind docs/explorer.md's "why SQLite": the same span rows,
 * batched, into SQLite (better-sqlite3, the explorer's schema and indexes) and into DuckDB
 * (@duckdb/node-api appender, with and without an ART index on trace_id), then by-trace-id
 * lookups on each. DuckDB is not a project dependency: install it anywhere and point
 * DUCKDB_MODULE at it, e.g.
 *   npm install --prefix /tmp/duckdb @duckdb/node-api
 *   DUCKDB_MODULE=/tmp/duckdb/node_modules/@duckdb/node-api/lib/index.js npx tsx bench/explorer/engine-choice.ts
 * (Not a *.bench.ts file, so `npm run bench:explorer` does not run it.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { StoreWriter, type SpanRow } from '../../src/explorer/index.js';
import { getSpansOfTraces } from '../../src/explorer/store/span-queries.js';

const N = Number(process.env.BENCH_ROWS ?? 200_000);
const LOOKUPS = 300;
const dir = mkdtempSync(path.join(tmpdir(), 'diffscope-engine-'));
const traceIds = Array.from({ length: N / 10 }, () => randomBytes(16).toString('hex'));
const t0us = Date.now() * 1000;
const rows: SpanRow[] = Array.from({ length: N }, (_, i) => [
  traceIds[Math.floor(i / 10)],
  randomBytes(8).toString('hex'),
  i % 10 === 0 ? '' : 'abcdef0123456789',
  i % 10 < 2 ? 'api-server' : 'inference-worker',
  `op-${i % 10}`,
  1,
  t0us + i * 100,
  1000 + (i % 5000),
  0,
  null,
  1,
  null,
  1,
  'diffscope@0.1.0',
  `{"diffusion.model.id":"shapes-v1","diffusion.steps":20,"diffscope.request_id":"req-${Math.floor(i / 10)}"}`,
  null,
  null,
]);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const BATCH = 4096;

function sqlite(): { insert: number; p50: number; p95: number } {
  const store = new StoreWriter({ dbPath: path.join(dir, 'sqlite.db') });
  const t = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) store.writeBatch(rows.slice(i, i + BATCH), []);
  const insert = N / ((performance.now() - t) / 1000);
  const lat: number[] = [];
  for (let i = 0; i < LOOKUPS; i++) {
    const id = traceIds[(i * 7919) % traceIds.length];
    const s = performance.now();
    if (getSpansOfTraces(store.db, [id]).length !== 10) throw new Error('sqlite lookup');
    lat.push(performance.now() - s);
  }
  store.close();
  return { insert, p50: pct(lat, 50), p95: pct(lat, 95) };
}

async function duck(withIndex: boolean): Promise<{ insert: number; p50: number; p95: number }> {
  const mod = process.env.DUCKDB_MODULE;
  const { DuckDBInstance } = await import(mod!);
  const instance = await DuckDBInstance.create(path.join(dir, `duck-${withIndex}.db`));
  const conn = await instance.connect();
  await conn.run(`CREATE TABLE spans (trace_id VARCHAR, span_id VARCHAR, parent_span_id VARCHAR, service VARCHAR, name VARCHAR, kind INTEGER,
    start_us BIGINT, duration_us BIGINT, status_code INTEGER, status_message VARCHAR, flags INTEGER, trace_state VARCHAR, resource_id INTEGER,
    scope VARCHAR, attributes VARCHAR, events VARCHAR, links VARCHAR)`);
  if (withIndex) await conn.run('CREATE INDEX spans_trace ON spans(trace_id)');
  const t = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) {
    const appender = await conn.createAppender('spans');
    for (const r of rows.slice(i, i + BATCH)) {
      for (let c = 0; c < r.length; c++) {
        const v = r[c];
        if (v === null) appender.appendNull();
        else if (typeof v === 'string') appender.appendVarchar(v);
        else if (c === 6 || c === 7) appender.appendBigInt(BigInt(v));
        else appender.appendInteger(v);
      }
      appender.endRow();
    }
    appender.closeSync(); // one commit per batch, like the SQLite writer
  }
  const insert = N / ((performance.now() - t) / 1000);
  const prepared = await conn.prepare('SELECT * FROM spans WHERE trace_id = $1 ORDER BY start_us');
  const lat: number[] = [];
  for (let i = 0; i < LOOKUPS; i++) {
    const id = traceIds[(i * 7919) % traceIds.length];
    const s = performance.now();
    prepared.bindVarchar(1, id);
    const reader = await prepared.runAndReadAll();
    if (reader.getRowObjects().length !== 10) throw new Error('duckdb lookup');
    lat.push(performance.now() - s);
  }
  conn.closeSync?.();
  return { insert, p50: pct(lat, 50), p95: pct(lat, 95) };
}

try {
  console.log(`${fmt(N)} span rows, ${BATCH}-row batches, ${LOOKUPS} by-trace-id lookups (10 spans each)`);
  console.log('| engine | batched insert (rows/s) | by-id p50 (ms) | by-id p95 (ms) |');
  console.log('|---|---|---|---|');
  const s = sqlite();
  console.log(
    `| SQLite (better-sqlite3, explorer schema: 6 span indexes) | ${fmt(s.insert)} | ${s.p50.toFixed(3)} | ${s.p95.toFixed(3)} |`,
  );
  if (!process.env.DUCKDB_MODULE) {
    console.log('| DuckDB | (set DUCKDB_MODULE to measure) | | |');
  } else {
    const d0 = await duck(false);
    console.log(`| DuckDB (appender, no index) | ${fmt(d0.insert)} | ${d0.p50.toFixed(3)} | ${d0.p95.toFixed(3)} |`);
    const d1 = await duck(true);
    console.log(`| DuckDB (appender, ART index on trace_id) | ${fmt(d1.insert)} | ${d1.p50.toFixed(3)} | ${d1.p95.toFixed(3)} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
