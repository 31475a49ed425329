/**
 * api-server throughput, telemetry on vs off, same run (issue 3 and 10, target ratio ≥ 0.90
 * with trace exemplars on the latency histogram).
 *
 * Two api-server processes built from dist/ (run `npm run build` first; `npm run bench:serve`
 * does), each with the embedded SQLite queue + state:
 *   on:  node --import dist/telemetry/register.js  (NodeSDK, BatchSpanProcessor, OTLP/HTTP traces
 *        (+ log records with --otlp-logs) to a local sink in this process, trace_id exemplars)
 *   off: OTEL_SDK_DISABLED=true (no SDK; JSON log lines still written, as in every deployment)
 * Load: POST /v1/generations with `--concurrency` requests in flight over keep-alive
 * connections, in paired rounds alternating ABBA (on, off, off, on, …) so drift on a shared
 * machine hits both alike. This process marks the stored records finished every 100 ms, as a
 * worker would from its own process, so admission counts stay small.
 *
 * The primary number is the server's CPU time per request (process.cpuUsage over IPC): what
 * caps a CPU-bound server's throughput, and what other processes on a shared machine disturb
 * least. Its off/on ratio is the throughput ratio the telemetry allows. Wall-clock req/s ratios
 * are printed too. Each is a median over the per-round pairs, with the spread (min, quartiles,
 * max); the load average is printed beside the numbers. On a machine with 2+ CPUs the servers
 * are pinned to the last CPU and this load generator to the others (taskset), so the two never
 * compete for one core (`--no-pin` to turn that off).
 *
 *   npx tsx bench/serve/api-throughput.bench.ts [--rounds 20] [--seconds 2] [--concurrency 32] [--otlp-logs] [--variants] [--no-pin]
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg('rounds', 20);
const SECONDS = arg('seconds', 2);
const CONCURRENCY = arg('concurrency', 32);
const WARMUP_SECONDS = 1;
const OTLP_LOGS = process.argv.includes('--otlp-logs');
const CPUS = availableParallelism();
const PIN = !process.argv.includes('--no-pin') && CPUS >= 2 && spawnSync('taskset', ['-V']).status === 0;
/** Servers on the last CPU, this load generator on the others. */
const SERVER_CPU = String(CPUS - 1);
const CLIENT_CPUS = CPUS > 2 ? `0-${CPUS - 2}` : '0';

const root = fileURLToPath(new URL('../../', import.meta.url));
const register = `${root}dist/telemetry/register.js`;
const childScript = fileURLToPath(new URL('support/api-server-child.mjs', import.meta.url));
const spansOnlyPreload = fileURLToPath(new URL('support/spans-only-preload.mjs', import.meta.url));
const sdkNoIncomingPreload = fileURLToPath(new URL('support/sdk-no-incoming-preload.mjs', import.meta.url));
/**
 * --variants adds two diagnostic variants: `spans` (own spans + BatchSpanProcessor + OTLP, no
 * NodeSDK, no http instrumentation) and `sdk-ni` (NodeSDK with incoming-request
 * instrumentation disabled, span A from the api-server's hook).
 */
const SPANS_ONLY = process.argv.includes('--variants');

type VariantName = 'on' | 'off' | 'spans' | 'sdk-ni';

interface Variant {
  name: VariantName;
  child: ChildProcess;
  port: number;
  agent: Agent;
  /** The variant's state store, which this process sweeps (records finished, as by a worker). */
  state: Database.Database;
}

async function startSink(): Promise<{ server: Server; url: string; stats: { requests: number; bytes: number } }> {
  const stats = { requests: 0, bytes: 0 };
  const server = createServer((req, res) => {
    req.on('data', (c: Buffer) => (stats.bytes += c.length));
    req.on('end', () => {
      stats.requests++;
      res.statusCode = 200;
      res.setHeader('content-type', req.headers['content-type'] ?? 'application/x-protobuf');
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stats };
}

async function startVariant(name: VariantName, sinkUrl: string): Promise<Variant> {
  const env: NodeJS.ProcessEnv = { ...process.env, OTEL_SERVICE_NAME: 'api-server', DIFFSCOPE_LOG_LEVEL: 'info' };
  for (const key of Object.keys(env)) if (key.startsWith('DIFFSCOPE_')) delete env[key];
  const execArgv = name === 'on' ? ['--import', register] : [];
  if (name === 'on') {
    env.OTEL_EXPORTER_OTLP_ENDPOINT = sinkUrl;
    env.OTEL_TRACES_SAMPLER = 'parentbased_always_on';
    // Traces only by default; --otlp-logs also ships every log line as an OTLP log record.
    env.OTEL_LOGS_EXPORTER = OTLP_LOGS ? 'otlp' : 'none';
  } else if (name === 'sdk-ni') {
    env.OTEL_EXPORTER_OTLP_ENDPOINT = sinkUrl;
    env.OTEL_LOGS_EXPORTER = 'none';
    execArgv.push('--import', sdkNoIncomingPreload);
  } else if (name === 'spans') {
    env.OTEL_SDK_DISABLED = 'true';
    env.BENCH_OTLP_ENDPOINT = sinkUrl;
    execArgv.push('--import', spansOnlyPreload);
  } else {
    env.OTEL_SDK_DISABLED = 'true';
  }
  // Pinned through taskset: fork() runs `taskset -c CPU node <execArgv> child.mjs`, IPC included.
  const child = PIN
    ? fork(childScript, ['api-server'], {
        execPath: 'taskset',
        execArgv: ['-c', SERVER_CPU, process.execPath, ...execArgv],
        env,
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      })
    : fork(childScript, ['api-server'], { execArgv, env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const { port, stateFile } = await new Promise<{ port: number; stateFile: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { port: number; stateFile: string }));
    child.once('exit', (code) => reject(new Error(`${name} server exited with ${String(code)}`)));
  });
  const state = new Database(stateFile, { timeout: 5_000 });
  return { name, child, port, agent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY }), state };
}

const BODY = JSON.stringify({ prompt: 'a large orange circle', steps: 20, cfg_scale: 6, seed: 1 });

function post(v: Variant): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: v.port,
        path: '/v1/generations',
        method: 'POST',
        agent: v.agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(BODY);
  });
}

/** CPU time (user + system, µs) the server process has used so far. */
function serverCpu(v: Variant): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown) => {
      if (typeof m === 'object' && m !== null && 'cpuMicros' in m) {
        v.child.off('message', onMessage);
        resolve((m as { cpuMicros: number }).cpuMicros);
      }
    };
    v.child.on('message', onMessage);
    v.child.send('cpu');
  });
}

async function load(v: Variant, seconds: number): Promise<{ rps: number; latencies: number[]; errors: number; cpuPerRequestUs: number }> {
  const sweeper = setInterval(() => sweep(v), 100);
  const cpuBefore = await serverCpu(v);
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const loop = async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      const status = await post(v).catch(() => 0);
      if (status === 202) latencies.push(performance.now() - t);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  const elapsedS = (performance.now() - started) / 1000;
  const cpuPerRequestUs = ((await serverCpu(v)) - cpuBefore) / Math.max(1, latencies.length + errors);
  clearInterval(sweeper);
  sweep(v);
  return { rps: latencies.length / elapsedS, latencies, errors, cpuPerRequestUs };
}

/** What a worker does from its own process: queued records move on (here straight to succeeded). */
function sweep(v: Variant): void {
  try {
    v.state.prepare(`UPDATE generations SET status = 'succeeded' WHERE status = 'queued'`).run();
  } catch {
    // busy: the next sweep catches up
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
};
/** median [min, p25–p75, max] of a list of ratios. */
const spread = (xs: number[]) =>
  `${median(xs).toFixed(3)}  [min ${Math.min(...xs).toFixed(3)}, p25–p75 ${quantile(xs, 0.25).toFixed(3)}–${quantile(xs, 0.75).toFixed(3)}, max ${Math.max(...xs).toFixed(3)}]`;
const load1 = () => loadavg()[0].toFixed(2);

async function main(): Promise<void> {
  if (!existsSync(register)) {
    console.error('dist/ is missing: run `npm run build` first (npm run bench:serve does).');
    process.exit(1);
  }
  if (PIN) spawnSync('taskset', ['-p', '-c', CLIENT_CPUS, String(process.pid)]);
  const sink = await startSink();
  const variants: Partial<Record<VariantName, Variant>> = {
    on: await startVariant('on', sink.url),
    off: await startVariant('off', sink.url),
  };
  if (SPANS_ONLY) {
    variants.spans = await startVariant('spans', sink.url);
    variants['sdk-ni'] = await startVariant('sdk-ni', sink.url);
  }
  console.log(
    `api-server POST /v1/generations, ${CONCURRENCY} in flight, ${ROUNDS} paired rounds × ${SECONDS}s per variant, ABBA; ` +
      `telemetry on = NodeSDK, BatchSpanProcessor, OTLP traces${OTLP_LOGS ? ' + log records' : ''} to a local sink, trace_id exemplars; ` +
      (PIN ? `servers pinned to CPU ${SERVER_CPU}, load generator to CPU ${CLIENT_CPUS}` : `not pinned (${CPUS} CPUs)`) +
      `; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  for (const v of Object.values(variants)) await load(v, WARMUP_SECONDS);

  const results: Record<VariantName, { rps: number[]; latencies: number[]; errors: number; cpu: number[] }> = {
    on: { rps: [], latencies: [], errors: 0, cpu: [] },
    off: { rps: [], latencies: [], errors: 0, cpu: [] },
    spans: { rps: [], latencies: [], errors: 0, cpu: [] },
    'sdk-ni': { rps: [], latencies: [], errors: 0, cpu: [] },
  };
  const loads: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // ABBA order: on, off, off, on, on, off, …
    const order: VariantName[] = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    if (SPANS_ONLY) order.splice(1, 0, ...(round % 2 === 0 ? (['spans', 'sdk-ni'] as const) : (['sdk-ni', 'spans'] as const)));
    loads.push(loadavg()[0]);
    for (const name of order) {
      const r = await load(variants[name]!, SECONDS);
      results[name].rps.push(r.rps);
      results[name].latencies.push(...r.latencies);
      results[name].errors += r.errors;
      results[name].cpu.push(r.cpuPerRequestUs);
      console.log(
        `  round ${String(round + 1).padStart(2)} telemetry ${name.padEnd(6)} ${r.rps.toFixed(0).padStart(6)} req/s  server CPU ${r.cpuPerRequestUs.toFixed(0).padStart(5)} µs/request  load ${load1()}${r.errors ? `  (${r.errors} errors)` : ''}`,
      );
    }
  }
  for (const name of (SPANS_ONLY ? ['off', 'spans', 'sdk-ni', 'on'] : ['off', 'on']) as VariantName[]) {
    const r = results[name];
    console.log(
      `telemetry ${name.padEnd(6)} median ${median(r.rps).toFixed(0)} req/s  server CPU ${median(r.cpu).toFixed(0)} µs/request  p50 ${pct(r.latencies, 50).toFixed(2)} ms  p99 ${pct(r.latencies, 99).toFixed(2)} ms  errors ${r.errors}`,
    );
  }
  console.log(`OTLP sink received ${sink.stats.requests} export requests, ${(sink.stats.bytes / 1e6).toFixed(1)} MB`);
  // Each round's on/off pair ran back to back: ratios of pairs cancel slow drift.
  const cpuPairs = results.on.cpu.map((on, i) => results.off.cpu[i] / on);
  const rpsPairs = results.on.rps.map((on, i) => on / results.off.rps[i]);
  const cpuRatio = median(cpuPairs);
  console.log(
    `load average during the rounds: median ${median(loads).toFixed(2)} (min ${Math.min(...loads).toFixed(2)}, max ${Math.max(...loads).toFixed(2)}) on ${CPUS} CPUs`,
  );
  console.log(
    `PRIMARY  throughput ratio from server CPU per request (off/on), per-round pairs: ${spread(cpuPairs)}  (target ≥ 0.90) ${cpuRatio >= 0.9 ? 'OK' : 'BELOW TARGET'}`,
  );
  console.log(`         wall-clock req/s ratio (on/off), per-round pairs:                  ${spread(rpsPairs)}`);
  console.log(
    `         ratio of medians: CPU ${(median(results.off.cpu) / median(results.on.cpu)).toFixed(3)}, req/s ${(median(results.on.rps) / median(results.off.rps)).toFixed(3)}`,
  );

  if (SPANS_ONLY) {
    console.log(
      `spans only (no NodeSDK, no http instrumentation), CPU-implied ratio vs off: ${(median(results.off.cpu) / median(results.spans.cpu)).toFixed(3)}`,
    );
    console.log(
      `NodeSDK without incoming-request instrumentation, CPU-implied ratio vs off: ${(median(results.off.cpu) / median(results['sdk-ni'].cpu)).toFixed(3)}`,
    );
  }
  for (const v of Object.values<Variant>(variants)) {
    v.agent.destroy();
    v.state.close();
    v.child.send('stop');
    await new Promise((r) => v.child.once('exit', r));
  }
  sink.server.close();
}

await main();
