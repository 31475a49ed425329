/**
 * Ingest through the OTLP/HTTP endpoint and through the OTLP/gRPC receiver (the same protobuf
 * bodies serialized by the OTel JS SDK, 512-span batches, several concurrent senders: HTTP/1.1
 * keep-alive requests, or calls multiplexed on one HTTP/2 channel as the gRPC exporters do)
 * against the limit: a bare batched insert of the same rows into the same engine (same schema,
 * indexes, pragmas), measured in the same run.
 *   BENCH_SPANS (default 100000), BENCH_LOGS (default 50000), BENCH_SENDERS (default 4), BENCH_ROUNDS (default 2)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Metadata, credentials, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { StoreWriter, decodeLogsProtobuf, decodeTracesProtobuf } from '../../src/explorer/index.js';
import { LOGS_EXPORT_PATH, TRACE_EXPORT_PATH } from '../../src/explorer/otlp-grpc/grpc-receiver.js';
import { logBatches, spanBatches } from './sdk-batches.js';

const SPANS = Number(process.env.BENCH_SPANS ?? 100_000);
const LOGS = Number(process.env.BENCH_LOGS ?? 50_000);
const SENDERS = Number(process.env.BENCH_SENDERS ?? 4);
/** Requests sent (and rows inserted) before timing starts, in both runs. */
const WARM = 8;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const dir = mkdtempSync(path.join(tmpdir(), 'diffscope-ingest-bench-'));

/** What ingest-server.child.ts says when ready, and after a flush (its counters). */
interface ServerReady {
  otlpUrl: string;
  otlpGrpcPort: number;
  queryUrl: string;
}
interface ServerCounts {
  spans: number;
  logs: number;
}

/** The explorer under test runs in its own process, so senders and server do not share a core's event loop. */
function startServer(
  dbPath: string,
): Promise<{ child: ChildProcess; otlpUrl: string; otlpGrpcPort: number; ask: (m: 'flush' | 'close') => Promise<ServerCounts> }> {
  const child = fork(fileURLToPath(new URL('./ingest-server.child.ts', import.meta.url)), [dbPath], {
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [])],
  });
  const ask = (m: 'flush' | 'close') =>
    new Promise<ServerCounts>((resolve) => {
      child.once('message', resolve);
      child.send(m);
    });
  return new Promise((resolve, reject) => {
    child.once('message', (msg: ServerReady) => resolve({ child, otlpUrl: msg.otlpUrl, otlpGrpcPort: msg.otlpGrpcPort, ask }));
    child.once('error', reject);
  });
}

async function send(url: string, bodies: Uint8Array[], senders: number): Promise<void> {
  let next = 0;
  const sender = async () => {
    for (;;) {
      const i = next++;
      if (i >= bodies.length) return;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: bodies[i] as Uint8Array<ArrayBuffer>,
      });
      if (res.status !== 200) throw new Error(`${url} → ${res.status}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: senders }, sender));
}

/** `senders` concurrent Export calls on one channel (one HTTP/2 connection), raw protobuf bytes. */
async function sendGrpc(port: number, kind: 'traces' | 'logs', bodies: Uint8Array[], senders: number): Promise<void> {
  const Client = makeGenericClientConstructor(
    {
      Export: {
        path: kind === 'traces' ? TRACE_EXPORT_PATH : LOGS_EXPORT_PATH,
        requestStream: false,
        responseStream: false,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
    },
    'Export',
  );
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
  let next = 0;
  const sender = async () => {
    for (;;) {
      const i = next++;
      if (i >= bodies.length) return;
      await new Promise<void>((resolve, reject) => {
        client.Export(Buffer.from(bodies[i]), new Metadata(), (err: ServiceError | null) =>
          err ? reject(new Error(`gRPC ${kind} → ${err.code} ${err.details}`)) : resolve(),
        );
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: senders }, sender));
  } finally {
    client.close();
  }
}

type Transport = 'http' | 'grpc';

async function otlpRate(kind: 'traces' | 'logs', bodies: Uint8Array[], expected: number, transport: Transport = 'http'): Promise<number> {
  const server = await startServer(path.join(dir, `otlp-${transport}-${kind}.db`));
  const sendAll = (list: Uint8Array[]) =>
    transport === 'http' ? send(`${server.otlpUrl}/v1/${kind}`, list, SENDERS) : sendGrpc(server.otlpGrpcPort, kind, list, SENDERS);
  // warm-up (JIT of decoders, HTTP path, first pages) on the first WARM bodies; time the rest
  await sendAll(bodies.slice(0, WARM));
  const before = await server.ask('flush');
  const t0 = performance.now();
  await sendAll(bodies.slice(WARM));
  const after = await server.ask('flush');
  const seconds = (performance.now() - t0) / 1000;
  const written = kind === 'traces' ? after.spans - before.spans : after.logs - before.logs;
  if (written !== expected) throw new Error(`expected ${expected} ${kind} written, got ${written}`);
  await server.ask('close');
  await new Promise((resolve) => server.child.once('exit', resolve));
  return written / seconds;
}

function bareRate(kind: 'traces' | 'logs', bodies: Uint8Array[]): number {
  const store = new StoreWriter({ dbPath: path.join(dir, `bare-${kind}.db`) });
  // Build the rows first (decode + row building are not part of the limit), then time the inserts.
  const spanRows = kind === 'traces' ? bodies.map((b) => decodeTracesProtobuf(b).records.map((r) => store.spanRow(r))) : [];
  const logRows = kind === 'logs' ? bodies.map((b) => decodeLogsProtobuf(b).records.map((r) => store.logRow(r))) : [];
  // the same warm-up share as the OTLP run
  for (let i = 0; i < WARM; i++) store.writeBatch(spanRows[i] ?? [], logRows[i] ?? []);
  const t0 = performance.now();
  let rows = 0;
  const batch = 4096;
  const flat = kind === 'traces' ? spanRows.slice(WARM).flat() : logRows.slice(WARM).flat();
  for (let i = 0; i < flat.length; i += batch) {
    const chunk = flat.slice(i, i + batch);
    if (kind === 'traces') store.writeBatch(chunk as never, []);
    else store.writeBatch([], chunk as never);
    rows += chunk.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  store.close();
  return rows / seconds;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
try {
  console.log(
    `scale: ${SPANS} spans, ${LOGS} logs, ${SENDERS} concurrent senders, 512-record SDK batches (BENCH_SPANS / BENCH_LOGS / BENCH_SENDERS / BENCH_ROUNDS)`,
  );
  const sBodies = spanBatches(SPANS);
  const lBodies = logBatches(LOGS);
  const spanCount = sBodies.slice(WARM).reduce((n, b) => n + decodeTracesProtobuf(b).records.length, 0);
  const logCount = lBodies.slice(WARM).reduce((n, b) => n + decodeLogsProtobuf(b).records.length, 0);
  console.log(
    `payload: ${sBodies.length} span requests (avg ${fmt(sBodies.reduce((n, b) => n + b.length, 0) / sBodies.length)} bytes), ${lBodies.length} log requests`,
  );

  // The machine is shared (2 cores, other jobs): alternate the runs and keep each one's best.
  // HTTP and gRPC alternate within each round (their order flips every round), so a load change
  // on the shared machine hits both; each round prints its 1-minute load average.
  const rounds = {
    spanLimit: [] as number[],
    spanOtlp: [] as number[],
    spanGrpc: [] as number[],
    logLimit: [] as number[],
    logOtlp: [] as number[],
    logGrpc: [] as number[],
  };
  const loadNow = () => loadavg()[0].toFixed(1);
  for (let r = 0; r < ROUNDS; r++) {
    const order: Transport[] = r % 2 === 0 ? ['http', 'grpc'] : ['grpc', 'http'];
    rounds.spanLimit.push(bareRate('traces', sBodies));
    for (const t of order) (t === 'http' ? rounds.spanOtlp : rounds.spanGrpc).push(await otlpRate('traces', sBodies, spanCount, t));
    rounds.logLimit.push(bareRate('logs', lBodies));
    for (const t of order) (t === 'http' ? rounds.logOtlp : rounds.logGrpc).push(await otlpRate('logs', lBodies, logCount, t));
    console.log(
      `round ${r + 1} (load ${loadNow()}): spans http ${fmt(rounds.spanOtlp[r])}/s, grpc ${fmt(rounds.spanGrpc[r])}/s, bare ${fmt(rounds.spanLimit[r])}/s; ` +
        `logs http ${fmt(rounds.logOtlp[r])}/s, grpc ${fmt(rounds.logGrpc[r])}/s, bare ${fmt(rounds.logLimit[r])}/s`,
    );
  }
  const best = (xs: number[]) => Math.max(...xs);
  const [spanOtlp, spanGrpc, spanLimit, logOtlp, logGrpc, logLimit] = [
    best(rounds.spanOtlp),
    best(rounds.spanGrpc),
    best(rounds.spanLimit),
    best(rounds.logOtlp),
    best(rounds.logGrpc),
    best(rounds.logLimit),
  ];

  console.log('');
  console.log(
    `best of ${ROUNDS} rounds (load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} (1/5/15 min) on ${cpus().length} cores)`,
  );
  console.log(
    '| signal | OTLP/HTTP ingest (rows/s) | OTLP/gRPC ingest (rows/s) | bare batched insert, the limit (rows/s) | HTTP / limit | gRPC / limit | targets |',
  );
  console.log('|---|---|---|---|---|---|---|');
  console.log(
    `| spans | ${fmt(spanOtlp)} | ${fmt(spanGrpc)} | ${fmt(spanLimit)} | ${(spanOtlp / spanLimit).toFixed(2)} | ${(spanGrpc / spanLimit).toFixed(2)} | ≥ 50,000/s and ≥ 0.5 |`,
  );
  console.log(
    `| logs (with FTS5) | ${fmt(logOtlp)} | ${fmt(logGrpc)} | ${fmt(logLimit)} | ${(logOtlp / logLimit).toFixed(2)} | ${(logGrpc / logLimit).toFixed(2)} | ≥ 0.5 |`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
