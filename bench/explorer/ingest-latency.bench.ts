/**
 * Does the query API keep answering while the explorer ingests a 16 MiB export? `GET /api/health`
 * is polled back to back (one in flight) from before a large OTLP request is sent until it is
 * answered; the latencies during that window are compared with the same polling when idle.
 * Two bodies at the default 16 MiB limit: real SDK spans (protobuf), and 16 MiB of empty
 * ResourceSpans messages (the cheapest bytes that make the most decoder objects).
 *   BENCH_EXPLORER_ROOT: the source tree to run (default this one; for a before/after, a checkout
 *   of an older commit with this tree's bench/explorer/ingest-server.child.ts copied in).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';

const LIMIT = 16 * 1024 * 1024;
const root = process.env.BENCH_EXPLORER_ROOT ?? fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'diffscope-latency-bench-'));

function sdkSpansBody(): Uint8Array<ArrayBuffer> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'latency-bench' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('bench');
  const t0 = Date.now() - 60_000;
  for (let i = 0; i < 1_000_000; i++) {
    const s = tracer.startSpan(`op-${i % 7}`, {
      startTime: t0 + i,
      attributes: { 'diffusion.steps': 20, 'diffusion.sampler': 'euler', 'diffscope.request_id': `req-${i}`, i },
    });
    s.end(t0 + i + 1);
    if (i % 5000 === 4999 && ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())!.length > LIMIT - 200_000) break;
  }
  // A copy on its own ArrayBuffer: what fetch's BodyInit types accept (the serializer's view may share one).
  return new Uint8Array(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())!);
}

function emptyMessagesBody(): Uint8Array<ArrayBuffer> {
  // field 1 (resource_spans), length 0, repeated: 8 M empty ResourceSpans
  const body = new Uint8Array(LIMIT - 16);
  for (let i = 0; i < body.length; i += 2) body[i] = 0x0a;
  return body;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

async function pollWhile(queryUrl: string, busy: () => boolean): Promise<number[]> {
  const out: number[] = [];
  while (busy()) {
    const t = performance.now();
    await (await fetch(`${queryUrl}/api/health`)).arrayBuffer();
    out.push(performance.now() - t);
  }
  return out;
}

async function measure(name: string, body: Uint8Array<ArrayBuffer>): Promise<void> {
  const child = fork(path.join(root, 'bench/explorer/ingest-server.child.ts'), [path.join(dir, `${name}.db`)], {
    execArgv: ['--import', 'tsx'],
    cwd: root,
  });
  const ready = await new Promise<{ otlpUrl: string; queryUrl?: string }>((resolve) => child.once('message', resolve as never));
  const queryUrl = ready.queryUrl;
  if (!queryUrl)
    throw new Error(`${root}bench/explorer/ingest-server.child.ts does not report its query URL (copy this tree's child there)`);
  let until = performance.now() + 2000;
  const idle = await pollWhile(queryUrl, () => performance.now() < until);
  let done = false;
  const started = performance.now();
  const ingest = fetch(`${ready.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body }).then(
    async (r) => {
      await r.arrayBuffer();
      done = true;
      return { status: r.status, ms: performance.now() - started };
    },
  );
  const during = await pollWhile(queryUrl, () => !done);
  const result = await ingest;
  until = 0;
  console.log(
    `| ${name} (${(body.length / 1048576).toFixed(1)} MiB) | ${result.status} in ${Math.round(result.ms)} ms | ${pct(idle, 50).toFixed(1)} / ${pct(idle, 99).toFixed(1)} | ${during.length} | ${pct(during, 50).toFixed(1)} / ${pct(during, 99).toFixed(1)} / ${Math.max(...during).toFixed(1)} |`,
  );
  child.send('close');
  await new Promise((resolve) => child.once('exit', resolve));
}

try {
  const bodies: [string, Uint8Array<ArrayBuffer>][] = [
    ['SDK spans', sdkSpansBody()],
    ['empty ResourceSpans', emptyMessagesBody()],
  ];
  console.log(
    `explorer: ${root}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} on ${cpus().length} cores`,
  );
  console.log(
    '| 16 MiB export | answer | /api/health idle p50 / p99 (ms) | health answers during ingest | during ingest p50 / p99 / max (ms) |',
  );
  console.log('|---|---|---|---|---|');
  for (const [name, body] of bodies) await measure(name, body);
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
