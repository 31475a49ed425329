/**
 * Tail sampling's cost (issue 11 §2), in two parts.
 *
 * 1. Ingest rate with DIFFSCOPE_TAIL_SAMPLING=on vs off, in the same run: the same generation
 *    traffic (10 spans + 7 logs per trace, SDK protobuf batches of 512, BENCH_SENDERS concurrent
 *    senders) sent to a fresh explorer process in each mode, rounds alternating the order. With
 *    sampling on the exports are answered once held (the decision wait is set to an hour so
 *    nothing is decided while timed); then the decision of everything held and the commit of
 *    the kept rows are timed on their own (`decideSampling`). Reported per round and as the
 *    median: records/s until every export was answered, and end to end (answers + decision).
 * 2. Memory held for undecided traces: the same bodies decoded (as the decode thread does) and
 *    handed to a TailSampler in this process; the heap after a forced GC, with and without the
 *    held rows, per held record, beside the sampler's own estimate (what /metrics shows as
 *    held_bytes). Plus the sampler's own throughput (accept + decide, no I/O).
 *
 *   BENCH_TRACES (default 10000), BENCH_SENDERS (default 4), BENCH_ROUNDS (default 3)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { prepareRequest } from '../../src/explorer/ingest/decode-request.js';
import { DEFAULT_INGEST_LIMITS } from '../../src/explorer/limits.js';
import { TailSampler } from '../../src/explorer/sampling/index.js';
import type { TailSamplingOptions } from '../../src/explorer/sampling/index.js';
import type { SamplingStatus } from '../../src/contract/index.js';
import type { PreparedBatch } from '../../src/explorer/store/rows.js';
import { generationTraffic, type Traffic } from './tail-sampling-traffic.js';

const TRACES = Number(process.env.BENCH_TRACES ?? 10_000);
const SENDERS = Number(process.env.BENCH_SENDERS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARM = 4;
const dir = mkdtempSync(path.join(tmpdir(), 'diffscope-sampling-bench-'));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

interface Server {
  child: ChildProcess;
  otlpUrl: string;
  ask<T = { spans: number; logs: number }>(m: string): Promise<T>;
}

function startServer(dbPath: string, mode: 'on' | 'off'): Promise<Server> {
  const child = fork(fileURLToPath(new URL('./tail-sampling-server.child.ts', import.meta.url)), [dbPath, mode], {
    execArgv: ['--import', 'tsx'],
  });
  const ask = <T>(m: string) =>
    new Promise<T>((resolve) => {
      child.once('message', resolve as never);
      child.send(m);
    });
  return new Promise((resolve, reject) => {
    child.once('message', (msg: { otlpUrl: string }) => resolve({ child, otlpUrl: msg.otlpUrl, ask }));
    child.once('error', reject);
  });
}

async function send(otlpUrl: string, requests: { path: string; body: Uint8Array }[]): Promise<void> {
  let next = 0;
  const sender = async () => {
    for (;;) {
      const r = requests[next++];
      if (!r) return;
      const res = await fetch(otlpUrl + r.path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: r.body as Uint8Array<ArrayBuffer>,
      });
      if (res.status !== 200) throw new Error(`${r.path} → ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
}

/** Span and log bodies interleaved, as services export both at once. */
function requestsOf(t: Traffic): { path: string; body: Uint8Array }[] {
  const out: { path: string; body: Uint8Array }[] = [];
  for (let i = 0; i < Math.max(t.spanBodies.length, t.logBodies.length); i++) {
    if (t.spanBodies[i]) out.push({ path: '/v1/traces', body: t.spanBodies[i] });
    if (t.logBodies[i]) out.push({ path: '/v1/logs', body: t.logBodies[i] });
  }
  return out;
}

interface RunResult {
  answeredRate: number;
  endToEndRate: number;
  decideMs: number;
  stored: number;
  held?: SamplingStatus['held'];
  counts?: SamplingStatus['counts'];
}

async function run(mode: 'on' | 'off', warm: Traffic, traffic: Traffic, round: number): Promise<RunResult> {
  const server = await startServer(path.join(dir, `${mode}-${round}.db`), mode);
  await send(server.otlpUrl, requestsOf(warm));
  await server.ask('flush');
  if (mode === 'on') await server.ask('decide');
  const before = await server.ask('flush');
  const records = traffic.spans + traffic.logs;
  const t0 = performance.now();
  await send(server.otlpUrl, requestsOf(traffic));
  await server.ask('flush');
  const answeredS = (performance.now() - t0) / 1000;
  let held: SamplingStatus['held'] | undefined;
  let decideMs = 0;
  if (mode === 'on') {
    held = (await server.ask<SamplingStatus>('sampling')).held;
    const t1 = performance.now();
    await server.ask('decide');
    decideMs = performance.now() - t1;
  }
  const after = await server.ask('flush');
  const status = mode === 'on' ? await server.ask<SamplingStatus>('sampling') : undefined;
  await server.ask('close');
  await new Promise((resolve) => server.child.once('exit', resolve));
  return {
    answeredRate: records / answeredS,
    endToEndRate: records / (answeredS + decideMs / 1000),
    decideMs,
    stored: after.spans + after.logs - before.spans - before.logs,
    held,
    counts: status?.counts,
  };
}

const SAMPLER_OPTIONS: TailSamplingOptions = {
  decisionWaitMs: 10_000,
  maxTraceWaitMs: 600_000,
  maxTraces: 10_000_000,
  maxRecords: 100_000_000,
  decisionCacheSize: 100_000,
  latencyThresholdMs: 60_000,
  groupPercentile: 95,
  groupMinTraces: 20,
  groupWindow: 500,
  probabilisticPercentage: 10,
  maxTracesPerMinute: 0,
  droppedLogs: 'drop',
};

function decodeAll(t: Traffic): PreparedBatch[] {
  return [
    ...t.spanBodies.map((b) => prepareRequest('traces', 'protobuf', '', b, DEFAULT_INGEST_LIMITS, 64 << 20).batch),
    ...t.logBodies.map((b) => prepareRequest('logs', 'protobuf', '', b, DEFAULT_INGEST_LIMITS, 64 << 20).batch),
  ];
}

function memoryHeld(traffic: Traffic): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const records = traffic.spans + traffic.logs;

  // the rows alone (what any writer holds between decode and insert), then held by a sampler
  const base = heap();
  let batches: PreparedBatch[] | undefined = decodeAll(traffic);
  const rowsOnly = heap() - base;
  const sampler = new TailSampler(SAMPLER_OPTIONS);
  const now = Date.now();
  for (const b of batches) sampler.accept(b, now);
  // eslint-disable-next-line no-useless-assignment -- drops the last reference so the GC can take the decoded rows before the heap is read
  batches = undefined;
  const heldHeap = heap() - base;
  const held = sampler.held();
  console.log('');
  console.log(`memory held for ${fmt(held.traces)} undecided traces (${fmt(held.spans)} spans + ${fmt(held.logs)} logs), heap after GC:`);
  console.log('| what | heap (MiB) | bytes per record |');
  console.log('|---|---|---|');
  console.log(`| the decoded rows alone | ${(rowsOnly / 1048576).toFixed(1)} | ${fmt(rowsOnly / records)} |`);
  console.log(`| held by the sampler (rows + per-trace state) | ${(heldHeap / 1048576).toFixed(1)} | ${fmt(heldHeap / records)} |`);
  console.log(`| the sampler's estimate (held_bytes) | ${(held.bytes / 1048576).toFixed(1)} | ${fmt(held.bytes / records)} |`);
  console.log(
    `at the defaults (DIFFSCOPE_TAIL_SAMPLING_MAX_RECORDS=200000) the buffer holds at most ~${fmt((200_000 * heldHeap) / records / 1048576)} MiB`,
  );
  sampler.decideAll(now, 'shutdown');
}

function samplerThroughput(traffic: Traffic): void {
  const records = traffic.spans + traffic.logs;
  // best of 3: the machine is shared, the slowest runs say more about it than about the sampler
  let accept = 0;
  let decide = 0;
  let keptSpans = 0;
  for (let rep = 0; rep < 3; rep++) {
    const batches = decodeAll(traffic);
    const sampler = new TailSampler(SAMPLER_OPTIONS);
    const now = Date.now();
    const t0 = performance.now();
    for (const b of batches) sampler.accept(b, now);
    const t1 = performance.now();
    keptSpans = sampler.decideReady(now + 11_000).spans.length;
    const t2 = performance.now();
    accept = Math.max(accept, records / ((t1 - t0) / 1000));
    decide = Math.max(decide, traffic.traces / ((t2 - t1) / 1000));
  }
  console.log(
    `sampler alone (no I/O, best of 3): accept ${fmt(accept)} records/s, decide ${fmt(decide)} traces/s (${fmt(keptSpans)} spans kept of ${fmt(traffic.spans)})`,
  );
}

try {
  const traffic = generationTraffic(TRACES);
  const warm = generationTraffic(WARM * 50);
  console.log(
    `traffic: ${fmt(traffic.traces)} generations = ${fmt(traffic.spans)} spans + ${fmt(traffic.logs)} logs in ${traffic.spanBodies.length} + ${traffic.logBodies.length} requests, ${SENDERS} senders; ${fmt(traffic.mustKeep)} traces an always-on policy keeps`,
  );
  const results: Record<'on' | 'off', RunResult[]> = { on: [], off: [] };
  console.log(
    '| round | off: answered (rec/s) | on: answered (rec/s) | on: decide + commit (ms) | on: end to end (rec/s) | on/off answered | on/off end to end | stored off / on |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (let r = 0; r < ROUNDS; r++) {
    const order: ('on' | 'off')[] = r % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    for (const mode of order) results[mode].push(await run(mode, warm, traffic, r));
    const [off, on] = [results.off[r], results.on[r]];
    console.log(
      `| ${r + 1} | ${fmt(off.answeredRate)} | ${fmt(on.answeredRate)} | ${fmt(on.decideMs)} | ${fmt(on.endToEndRate)} | ${(on.answeredRate / off.answeredRate).toFixed(2)} | ${(on.endToEndRate / off.answeredRate).toFixed(2)} | ${fmt(off.stored)} / ${fmt(on.stored)} |`,
    );
  }
  const ratios = results.on.map((on, i) => on.answeredRate / results.off[i].answeredRate);
  const e2e = results.on.map((on, i) => on.endToEndRate / results.off[i].answeredRate);
  console.log(
    `median on/off: answered ${median(ratios).toFixed(2)} (range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}), end to end ${median(e2e).toFixed(2)} (range ${Math.min(...e2e).toFixed(2)}–${Math.max(...e2e).toFixed(2)})`,
  );
  const last = results.on[results.on.length - 1];
  console.log(
    `held before the decision (server's estimate): ${fmt(last.held!.traces)} traces, ${fmt(last.held!.spans)} spans, ${fmt(last.held!.logs)} logs, ${(last.held!.bytes / 1048576).toFixed(1)} MiB`,
  );
  console.log(
    `decided (last round): kept ${JSON.stringify(last.counts!.traces.kept)}, dropped ${JSON.stringify(last.counts!.traces.dropped)}`,
  );
  console.log(`load average at the end: ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
  memoryHeld(traffic);
  samplerThroughput(traffic);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
