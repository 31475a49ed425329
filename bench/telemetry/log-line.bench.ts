/**
 * bench/telemetry/log-line: the diffscope logger (active span + request scope injected, full
 * seed field set, ISO timestamp, upper-case level, redaction on) against bare pino writing the
 * same fields (trace/request ids passed in by hand, pino defaults otherwise) to /dev/null.
 * Same process, alternating rounds, so machine noise hits both alike. Target ratio >= 0.8.
 *
 *   npx tsx bench/telemetry/log-line.bench.ts [linesPerRound] [rounds]
 */
import { pino } from 'pino';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createLogger, runWithRequestScope } from '../../src/telemetry/index.js';

// Many short alternating rounds: on a shared 2-core machine the load swings within seconds, and
// pairing each diffscope round with the bare-pino round next to it cancels most of that.
const LINES = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 30);

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new BasicTracerProvider());

const fields = {
  model_id: 'stable-diffusion-xl-v1.0',
  model_version: '1.0.3',
  prompt_hash: 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90',
  sampler: 'ddim',
  steps: 50,
  cfg_scale: 7.5,
  seed: 12345,
  width: 1024,
  height: 1024,
  inference_time_ms: 15240,
  peak_memory_mb: 8192,
  device: 'cpu',
  output_location: 's3://my-diffusion-output/req_abc123xyz789/image.png',
  status: 'success',
};

function devNull() {
  // Buffered (4 KiB) so the syscall per line does not hide the logger's own CPU cost.
  return pino.destination({ dest: '/dev/null', sync: true, minLength: 4096 });
}

const ours = createLogger({ service: 'inference-worker', instanceId: 'worker-gpu-az1-3', version: '0.1.0', destination: devNull() });

const span = trace.getTracer('bench').startSpan('inference');
const { traceId, spanId } = span.spanContext();
const bare = pino({ base: { service: 'inference-worker', instance_id: 'worker-gpu-az1-3', version: '0.1.0' } }, devNull());
const bareFields = { ...fields, request_id: 'req_abc123xyz789', client_id: 'client-42', trace_id: traceId, span_id: spanId };

function runOurs(n: number): number {
  return runWithRequestScope({ requestId: 'req_abc123xyz789', clientId: 'client-42' }, () =>
    context.with(trace.setSpan(context.active(), span), () => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) ours.info('inference_complete', fields);
      return Number(process.hrtime.bigint() - t0) / 1e9;
    }),
  );
}

function runBare(n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) bare.info(bareFields, 'inference_complete');
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

// Warm-up (JIT) for both.
runOurs(20_000);
runBare(20_000);

const oursRates: number[] = [];
const bareRates: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  // Alternate which goes first so neither always runs on a hotter/cooler machine.
  if (r % 2 === 0) {
    oursRates.push(LINES / runOurs(LINES));
    bareRates.push(LINES / runBare(LINES));
  } else {
    bareRates.push(LINES / runBare(LINES));
    oursRates.push(LINES / runOurs(LINES));
  }
  if (process.env.BENCH_VERBOSE)
    console.log(
      `round ${r + 1}: diffscope ${Math.round(oursRates[r]).toLocaleString('en')} lines/s, ` +
        `bare pino ${Math.round(bareRates[r]).toLocaleString('en')} lines/s, ratio ${(oursRates[r] / bareRates[r]).toFixed(3)}`,
    );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}
const o = median(oursRates);
const b = median(bareRates);
const ratios = oursRates.map((x, i) => x / bareRates[i]);
const ratio = median(ratios);
console.log(`${ROUNDS} alternating rounds of ${LINES.toLocaleString('en')} lines, node ${process.version}`);
console.log(`diffscope logger: ${Math.round(o).toLocaleString('en')} lines/s (median)`);
console.log(`bare pino:        ${Math.round(b).toLocaleString('en')} lines/s (median)`);
console.log(
  `ratio diffscope/pino: ${ratio.toFixed(3)} (median of per-round ratios; p25 ${quantile(ratios, 0.25).toFixed(3)}, p75 ${quantile(ratios, 0.75).toFixed(3)}) ` +
    `target >= 0.8: ${ratio >= 0.8 ? 'OK' : 'BELOW TARGET'}`,
);

// The other line formats (DIFFSCOPE_LOG_FORMAT), each against bare pino the same way: what a
// deployment pays for ECS, Datadog or Cloud Logging field names (informational; seed is the target).
for (const format of ['ecs', 'datadog', 'gcp'] as const) {
  const formatted = createLogger({
    service: 'inference-worker',
    instanceId: 'worker-gpu-az1-3',
    version: '0.1.0',
    destination: devNull(),
    format,
    gcpProjectId: 'diffscope-bench',
    environment: 'prod',
  });
  const runFormatted = (n: number): number =>
    runWithRequestScope({ requestId: 'req_abc123xyz789', clientId: 'client-42' }, () =>
      context.with(trace.setSpan(context.active(), span), () => {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < n; i++) formatted.info('inference_complete', fields);
        return Number(process.hrtime.bigint() - t0) / 1e9;
      }),
    );
  runFormatted(20_000);
  const perRound: number[] = [];
  for (let r = 0; r < Math.max(10, ROUNDS >> 1); r++) {
    const f = LINES / runFormatted(LINES);
    perRound.push(f / (LINES / runBare(LINES)));
  }
  console.log(
    `format ${format}: ratio to bare pino ${median(perRound).toFixed(3)} (median of per-round ratios; p25 ${quantile(perRound, 0.25).toFixed(3)}, p75 ${quantile(perRound, 0.75).toFixed(3)})`,
  );
}

// Secondary figure (not the target): the same diffscope logger with OTLP log mirroring on, i.e.
// each line also parsed back and emitted as an OTel log record into a batch processor whose
// exporter discards. This is the cost a deployment pays for OTEL_LOGS_EXPORTER=otlp.
{
  const { logs } = await import('@opentelemetry/api-logs');
  const { BatchLogRecordProcessor, LoggerProvider } = await import('@opentelemetry/sdk-logs');
  const { telemetryState } = await import('../../src/telemetry/state.js');
  const discard = {
    export: (_r: unknown[], cb: (r: { code: number }) => void) => cb({ code: 0 }),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  logs.setGlobalLoggerProvider(
    new LoggerProvider({
      processors: [new BatchLogRecordProcessor({ exporter: discard, maxQueueSize: 1_000_000, maxExportBatchSize: 4096 })],
    }),
  );
  telemetryState().otelLogsEnabled = true;
  runOurs(10_000);
  const mirrored: number[] = [];
  const plain: number[] = [];
  for (let r = 0; r < 10; r++) {
    mirrored.push(LINES / runOurs(LINES));
    telemetryState().otelLogsEnabled = false;
    plain.push(LINES / runBare(LINES));
    telemetryState().otelLogsEnabled = true;
  }
  const m = median(mirrored.map((x, i) => x / plain[i]));
  console.log(
    `with OTLP log mirroring: ${Math.round(median(mirrored)).toLocaleString('en')} lines/s, ratio to bare pino ${m.toFixed(3)} (informational)`,
  );
}
span.end();
