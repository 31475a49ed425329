/**
 * Issue 9, explorer item 3 (storage side): a row that cannot be stored is rejected alone; a
 * locked database, a full disk or a damaged file never ends the explorer — the export gets 503
 * with Retry-After (the OTLP spec's "retry later") and a real OpenTelemetry SDK exporter, which
 * honours it, gets its spans in once the store recovers. Real explorer processes, real SQLite
 * failures (another connection's lock, a full tmpfs, overwritten pages).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { StoreWriter, otlpTypes } from '../../../src/explorer/index.js';
import { newTraceId, tracesPayload } from '../fixtures.js';
import { startExplorerProcess, type ExplorerProcess } from './explorer-process.js';

const started: ExplorerProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()));
});

async function start(...args: Parameters<typeof startExplorerProcess>): Promise<ExplorerProcess> {
  const p = await startExplorerProcess(...args);
  started.push(p);
  return p;
}

function postSpans(ex: ExplorerProcess, spans: Parameters<typeof tracesPayload>[0]): Promise<Response> {
  return fetch(`${ex.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: tracesPayload(spans) });
}

async function expectRetryLater(res: Response): Promise<string> {
  expect(res.status).toBe(503);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  const body = (await res.json()) as { code: number; message: string };
  expect(body.code).toBe(14); // google.rpc.Code UNAVAILABLE
  return body.message;
}

/** A real OTel SDK (protobuf exporter, its own retry policy) exports one span; resolves with its trace id once flushed. */
async function sdkExport(ex: ExplorerProcess, name: string): Promise<{ traceId: string; done: Promise<void> }> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'sdk-retrier' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${ex.otlpUrl}/v1/traces`, timeoutMillis: 15_000 }))],
  });
  const span = provider.getTracer('t').startSpan(name);
  span.end();
  return { traceId: span.spanContext().traceId, done: provider.forceFlush().then(() => provider.shutdown()) };
}

describe('a row the store refuses is rejected alone', () => {
  it('a trigger refusing one span: the other spans of the export are stored, partial_success says which and why', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'diffscope-adv-'));
    const dbPath = path.join(dir, 'explorer.db');
    new StoreWriter({ dbPath }).close();
    const db = new Database(dbPath);
    db.exec(
      "CREATE TRIGGER refuse_poison BEFORE INSERT ON spans WHEN NEW.name = 'poison-row' BEGIN SELECT RAISE(ABORT, 'poison row refused'); END",
    );
    db.close();
    const ex = await start({}, {}, dir);
    const traceId = newTraceId();
    const now = Date.now();
    const res = await postSpans(ex, [
      { traceId, service: 'rows', name: 'good-1', startMs: now - 9, durationMs: 1 },
      { traceId, service: 'rows', name: 'poison-row', startMs: now - 8, durationMs: 1 },
      { traceId, service: 'rows', name: 'good-2', startMs: now - 7, durationMs: 1 },
    ]);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(answer.partialSuccess.rejectedSpans).toBe('1');
    expect(answer.partialSuccess.errorMessage).toMatch(/SQLITE_CONSTRAINT_TRIGGER: poison row refused/);
    const trace = await ex.get(`/api/traces/${traceId}`);
    expect(trace.body.data[0].spans.map((s: { operationName: string }) => s.operationName)).toEqual(['good-1', 'good-2']);
    expect(ex.alive()).toBe(true);
  });
});

describe('a database locked by another process', () => {
  it("503 + Retry-After while the lock is held, the query API keeps answering, and the SDK's retry gets in after", async () => {
    const ex = await start({}, { busyTimeoutMs: 200 });
    const pid = ex.pid;
    const locker = new Database(ex.dbPath);
    locker.exec('BEGIN EXCLUSIVE');
    try {
      const message = await expectRetryLater(
        await postSpans(ex, [{ traceId: newTraceId(), service: 'locked', name: 'x', startMs: Date.now(), durationMs: 1 }]),
      );
      expect(message).toMatch(/SQLITE_BUSY/);
      expect((await ex.get('/api/services')).status).toBe(200);
      const sdk = await sdkExport(ex, 'retried-through-a-lock');
      // the SDK's first attempt meets the lock (503, Retry-After: 1); the lock goes before its retry
      await new Promise((resolve) => setTimeout(resolve, 600));
      locker.exec('COMMIT');
      await sdk.done;
      const trace = await ex.get(`/api/traces/${sdk.traceId}`);
      expect(trace.status).toBe(200);
      expect(trace.body.data[0].spans[0].operationName).toBe('retried-through-a-lock');
    } finally {
      if (locker.inTransaction) locker.exec('ROLLBACK');
      locker.close();
    }
    expect(ex.alive()).toBe(true);
    expect(ex.child.pid).toBe(pid);
  });
});

function canMountTmpfs(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(path.join(tmpdir(), 'diffscope-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

// A full disk needs a small filesystem: a tmpfs, which only root (with mount rights) can make.
describe.skipIf(!canMountTmpfs())('a full disk (a 3 MiB tmpfs)', () => {
  let mountPoint: string | undefined;
  afterAll(async () => {
    if (!mountPoint) return;
    await Promise.all(started.map((p) => p.stop()));
    execFileSync('umount', [mountPoint], { stdio: 'ignore' });
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it('503 + Retry-After when the disk fills, the process and its queries carry on, exports succeed once there is room', async () => {
    mountPoint = mkdtempSync(path.join(tmpdir(), 'diffscope-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mountPoint]);
    const dir = path.join(mountPoint, 'data');
    mkdirSync(dir);
    const ex = await start({}, {}, dir);
    const pid = ex.pid;
    const keep = newTraceId();
    expect(
      (await postSpans(ex, [{ traceId: keep, service: 'disk', name: 'before-full', startMs: Date.now(), durationMs: 1 }])).status,
    ).toBe(200);
    const filler = 'f'.repeat(4000);
    let full: Response | undefined;
    for (let i = 0; i < 200 && !full; i++) {
      const res = await postSpans(
        ex,
        Array.from({ length: 50 }, (_, j) => ({
          traceId: newTraceId(),
          service: 'disk',
          name: 'fill',
          startMs: Date.now(),
          durationMs: 1,
          attributes: { filler, n: i * 50 + j },
        })),
      );
      if (res.status !== 200) full = res;
    }
    expect(full, 'the tmpfs never filled').toBeDefined();
    expect(await expectRetryLater(full!)).toMatch(/SQLITE_FULL|SQLITE_IOERR/);
    expect(ex.alive()).toBe(true);
    expect(ex.child.pid).toBe(pid);
    expect((await ex.get(`/api/traces/${keep}`)).status).toBe(200);

    execFileSync('mount', ['-o', 'remount,size=64m', mountPoint]);
    const after = newTraceId();
    expect(
      (await postSpans(ex, [{ traceId: after, service: 'disk', name: 'after-room', startMs: Date.now(), durationMs: 1 }])).status,
    ).toBe(200);
    expect((await ex.get(`/api/traces/${after}`)).status).toBe(200);
    await ex.stop();
  });
});

describe('a damaged database file', () => {
  it('writes and reads that touch the damaged pages answer 503, the process carries on', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'diffscope-adv-'));
    const first = await start({}, {}, dir);
    const traceIds = Array.from({ length: 40 }, () => newTraceId());
    for (let i = 0; i < traceIds.length; i += 10) {
      const res = await postSpans(
        first,
        traceIds.slice(i, i + 10).map((traceId) => ({
          traceId,
          service: 'damaged',
          name: 'op',
          startMs: Date.now(),
          durationMs: 1,
          attributes: { pad: 'p'.repeat(2000) },
        })),
      );
      expect(res.status).toBe(200);
    }
    await first.stop({ keepDir: true });
    // overwrite every page of the spans table and its trace index (the schema page stays intact)
    const db = new Database(first.dbPath);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pages = db.prepare("SELECT pageno FROM dbstat WHERE name IN ('spans', 'spans_trace')").pluck().all() as number[];
    db.close();
    expect(pages.length).toBeGreaterThan(0);
    const fd = openSync(first.dbPath, 'r+');
    for (const page of pages) writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
    closeSync(fd);

    const ex = await start({}, {}, dir);
    const pid = ex.pid;
    await expectRetryLater(
      await postSpans(ex, [{ traceId: newTraceId(), service: 'damaged', name: 'x', startMs: Date.now(), durationMs: 1 }]),
    );
    const read = await ex.get(`/api/traces/${traceIds[0]}`);
    expect(read.status).toBe(503);
    expect(read.headers.get('retry-after')).toBe('5');
    expect(ex.alive()).toBe(true);
    expect(ex.child.pid).toBe(pid);
    expect((await ex.get('/api/health')).status).toBe(200);
    // logs live in other pages: still stored
    const logs = await fetch(`${ex.otlpUrl}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: otlpTypes.LogsRequest.encode(
        otlpTypes.LogsRequest.create({
          resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityText: 'INFO', body: { stringValue: 'still here' } }] }] }],
        }),
      ).finish(),
    });
    expect(logs.status).toBe(200);
  });
});
