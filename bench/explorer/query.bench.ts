/**
 * Query latency on a big store: p50/p95 of trace-by-id and logs-by-trace through the HTTP
 * API (and straight from the store, for reference) with 1M spans and 5M logs stored.
 * The store is filled with bulk inserts of prebuilt rows (indexes built after the load) and
 * kept in os.tmpdir() for reuse by later runs of the same scale.
 *   BENCH_EXPLORER_SCALE (default 1 = 1M spans + 5M logs; 0.1 = 100k + 500k), BENCH_FRESH=1 to rebuild,
 *   BENCH_QUERIES (default 500)
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/index.js';
import { StoreWriter, startExplorer, type LogRow, type SpanRow } from '../../src/explorer/index.js';
import { SCHEMA_SQL } from '../../src/explorer/store/schema.js';
import { getResources, getSpansOfTraces } from '../../src/explorer/store/span-queries.js';
import { searchLogs } from '../../src/explorer/store/log-queries.js';

const SCALE = Number(process.env.BENCH_EXPLORER_SCALE ?? 1);
const SPANS = Math.round(1_000_000 * SCALE);
const LOGS = Math.round(5_000_000 * SCALE);
const SPANS_PER_TRACE = 10;
const LOGS_PER_TRACE = 50;
const QUERIES = Number(process.env.BENCH_QUERIES ?? 500);
const dbPath = path.join(tmpdir(), `diffscope-query-bench-${SPANS}-${LOGS}.db`);
const traces = SPANS / SPANS_PER_TRACE;
const STAGES = [
  'POST /v1/generations',
  'queue.publish',
  'queue.wait',
  'inference',
  'model.load',
  'text.encode',
  'sampling',
  'vae.decode',
  'storage.put',
  'notify.webhook',
];
const SERVICES = [
  'api-server',
  'api-server',
  'inference-worker',
  'inference-worker',
  'inference-worker',
  'inference-worker',
  'inference-worker',
  'inference-worker',
  'inference-worker',
  'notifier',
];
const EVENTS = [
  'request_received',
  'job_enqueued',
  'job_dequeued',
  'inference_start',
  'model_load_complete',
  'inference_complete',
  'result_stored',
  'notification_sent',
  'request_complete',
];

/** Trace ids are a pure function of the trace number, so queries can pick real ids without storing a list. */
const traceIdOf = (n: number) =>
  (n.toString(16).padStart(8, '0') + 'c0ffee')
    .padEnd(32, 'a')
    .slice(0, 32)
    .replace(/^(.{8})/, (m) => m.split('').reverse().join(''));

function populate(): void {
  rmSync(dbPath, { force: true });
  rmSync(dbPath + '-wal', { force: true });
  const store = new StoreWriter({ dbPath, cacheMb: 512 });
  const indexes = SCHEMA_SQL.split('\n').filter((l) => l.startsWith('CREATE INDEX'));
  for (const l of indexes) store.db.exec(`DROP INDEX IF EXISTS ${/INDEX IF NOT EXISTS (\w+)/.exec(l)![1]}`);
  store.db.pragma('synchronous = OFF');
  const resApi = store.db
    .prepare('INSERT INTO resources (service, attributes) VALUES (\'api-server\', \'{"service.name":"api-server"}\') RETURNING id')
    .pluck()
    .get() as number;
  const t0 = performance.now();
  const base = Date.now() * 1000 - traces * 2_000_000;
  let spanRows: SpanRow[] = [];
  let logRows: LogRow[] = [];
  let logsLeft = LOGS;
  for (let t = 0; t < traces; t++) {
    const traceId = traceIdOf(t);
    const start = base + t * 2_000_000;
    const requestId = `req-${t}`;
    for (let i = 0; i < SPANS_PER_TRACE; i++) {
      spanRows.push([
        traceId,
        randomBytes(8).toString('hex'),
        i === 0 ? '' : 'abcdef0123456789',
        SERVICES[i],
        STAGES[i],
        i === 0 ? 2 : 1,
        start + i * 1000,
        1_000_000 - i * 50_000,
        t % 97 === 0 && i === 3 ? 2 : 0,
        null,
        1,
        null,
        resApi,
        'diffscope@0.1.0',
        `{"diffusion.model.id":"shapes-v1","diffusion.sampler":"euler","diffusion.steps":20,"diffscope.request_id":"${requestId}","stage.index":${i}}`,
        null,
        null,
      ]);
    }
    const nLogs = Math.min(LOGS_PER_TRACE, logsLeft);
    logsLeft -= nLogs;
    for (let i = 0; i < nLogs; i++) {
      const event = EVENTS[i % EVENTS.length];
      logRows.push([
        start + i * 100,
        9,
        'INFO',
        SERVICES[i % 10],
        event,
        traceId,
        null,
        requestId,
        event,
        `{"event":"${event}","request_id":"${requestId}","model_id":"shapes-v1","steps":20,"inference_time_ms":${800 + (i % 50)}}`,
        resApi,
        'pino',
      ]);
    }
    if (spanRows.length >= 20_000) {
      store.writeBatch(spanRows, logRows);
      spanRows = [];
      logRows = [];
      if ((t + 1) % 10_000 === 0)
        process.stdout.write(`\r  populating: ${t}/${traces} traces, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
  }
  store.writeBatch(spanRows, logRows);
  const tIndex = performance.now();
  store.db.exec(SCHEMA_SQL);
  store.db.exec("INSERT INTO logs_fts(logs_fts) VALUES ('optimize')");
  store.db.exec('INSERT OR IGNORE INTO operations SELECT DISTINCT service, name, kind FROM spans'); // the writer already records operations as it inserts; this fills any it skipped
  store.close();
  console.log(
    `\r  populated ${SPANS} spans + ${LOGS} logs in ${((tIndex - t0) / 1000).toFixed(0)} s, indexes in ${((performance.now() - tIndex) / 1000).toFixed(0)} s, file ${(statSync(dbPath).size / 1e6).toFixed(0)} MB`,
  );
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

async function timeIt(n: number, fn: (i: number) => unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

console.log(
  `scale: ${SPANS.toLocaleString('en-US')} spans, ${LOGS.toLocaleString('en-US')} logs (BENCH_EXPLORER_SCALE=${SCALE}), ${QUERIES} queries each`,
);
if (process.env.BENCH_FRESH === '1' || !existsSync(dbPath)) populate();
else console.log(`  reusing ${dbPath} (BENCH_FRESH=1 rebuilds it)`);

const explorer = await startExplorer(
  loadConfig(
    {},
    {
      DIFFSCOPE_EXPLORER_PORT: '0',
      DIFFSCOPE_OTLP_PORT: '0',
      DIFFSCOPE_EXPLORER_RETENTION_HOURS: '100000',
      DIFFSCOPE_EXPLORER_MAX_DB_MB: '1000000',
    },
  ),
  undefined,
  { dbPath, retentionIntervalMs: 3_600_000 },
);
try {
  const pick = (i: number) => traceIdOf(Math.floor((((i * 2654435761) % 2 ** 32) / 2 ** 32) * traces));
  // warm-up: a few queries so first-use compilation is not in the numbers
  for (let i = 0; i < 20; i++) await (await fetch(`${explorer.queryUrl}/api/traces/${pick(QUERIES + i)}`)).arrayBuffer();

  // The HTTP floor on this machine right now: same server, same client, no database work.
  const floor = await timeIt(QUERIES, () => fetch(`${explorer.queryUrl}/api/health`).then((r) => r.arrayBuffer()));
  const httpTrace = await timeIt(QUERIES, async (i) => {
    const res = await fetch(`${explorer.queryUrl}/api/traces/${pick(i)}`);
    const body = (await res.json()) as { data: { spans: unknown[] }[] };
    if (body.data[0].spans.length !== SPANS_PER_TRACE) throw new Error('wrong trace');
  });
  const httpLogs = await timeIt(QUERIES, async (i) => {
    const res = await fetch(`${explorer.queryUrl}/api/logs?trace_id=${pick(i + 7)}`);
    const body = (await res.json()) as { data: unknown[] };
    if (body.data.length !== LOGS_PER_TRACE) throw new Error(`wrong logs: ${body.data.length}`);
  });
  const db = explorer.store.db;
  const storeTrace = await timeIt(QUERIES, (i) => {
    const spans = getSpansOfTraces(db, [pick(i + 13)]);
    getResources(db, new Set(spans.map((s) => s.resource_id)));
  });
  const storeLogs = await timeIt(QUERIES, (i) => searchLogs(db, { traceId: pick(i + 17), limit: 100 }));
  const search = await timeIt(50, () =>
    fetch(`${explorer.queryUrl}/api/traces?service=inference-worker&operation=inference&limit=20`).then((r) => r.arrayBuffer()),
  );
  const logText = await timeIt(50, (i) =>
    fetch(`${explorer.queryUrl}/api/logs?q=req-${(i * 7919) % traces}&limit=100`).then((r) => r.arrayBuffer()),
  );

  const row = (name: string, xs: number[], target = '') =>
    `| ${name} | ${pct(xs, 50).toFixed(2)} | ${pct(xs, 95).toFixed(2)} | ${pct(xs, 99).toFixed(2)} | ${target} |`;
  const os = await import('node:os');
  console.log('');
  console.log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} on ${os.cpus().length} cores`,
  );
  console.log('| query (ms) | p50 | p95 | p99 | target |');
  console.log('|---|---|---|---|---|');
  console.log(row('baseline: GET /api/health (HTTP, no DB work)', floor));
  console.log(row('GET /api/traces/{id} (10 spans, HTTP)', httpTrace, 'p95 < 20'));
  console.log(row('GET /api/logs?trace_id= (50 logs, HTTP)', httpLogs, 'p95 < 20'));
  console.log(row('trace by id, store only', storeTrace));
  console.log(row('logs by trace, store only', storeLogs));
  console.log(row('search service+operation, limit 20 (HTTP)', search));
  console.log(row('log full-text q=req-N (HTTP)', logText));
} finally {
  await explorer.close();
}
