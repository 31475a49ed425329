/**
 * Traffic for bench/explorer/tail-sampling.bench.ts: generations shaped like diffscope's (root
 * `POST /v1/generations`, `queue.publish`, the worker's `queue.wait` and `inference` under the
 * publish with its stages, `storage.put`, `notify.webhook`: 10 spans) with 7 log lines each in
 * the same trace, from the OpenTelemetry JS SDK and serialized by its own OTLP protobuf
 * serializer in batches of 512. Deterministic mix: 1 in 33 fails, 1 in 50 is a retry
 * (`messaging.delivery.attempt` 2), 1 in 40 takes 70 s (over the default latency threshold),
 * durations otherwise spread over 2-6 s in three model/sampler/steps groups.
 */
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

const BATCH = 512;
const GROUPS = [
  ['tiny-sd', 'euler', 20],
  ['tiny-sd', 'ddim', 50],
  ['shapes-v1', 'dpmpp_2m', 25],
] as const;
const STAGES = ['model.load', 'text.encode', 'sampling', 'vae.decode'];
const EVENTS = [
  'request_received',
  'job_enqueued',
  'job_dequeued',
  'inference_start',
  'inference_complete',
  'result_stored',
  'request_complete',
];

export interface Traffic {
  spanBodies: Uint8Array[];
  logBodies: Uint8Array[];
  traces: number;
  spans: number;
  logs: number;
  /** Generations that any always-on policy keeps (error, retry, over 60 s). */
  mustKeep: number;
}

export function generationTraffic(traces: number): Traffic {
  const spanExporter = new InMemorySpanExporter();
  const logExporter = new InMemoryLogRecordExporter();
  const resource = resourceFromAttributes({
    'service.name': 'diffscope',
    'service.version': '0.1.0',
    'service.instance.id': 'bench-1',
    'host.name': 'bench-host',
  });
  const tracer = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(spanExporter)] }).getTracer(
    'diffscope',
    '0.1.0',
  );
  const logger = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] }).getLogger(
    'diffscope',
  );
  const out: Traffic = { spanBodies: [], logBodies: [], traces, spans: 0, logs: 0, mustKeep: 0 };
  const t0 = Date.now() - 3_600_000;
  for (let i = 0; i < traces; i++) {
    const start = t0 + i * 10;
    const failed = i % 33 === 5;
    const attempt = i % 50 === 7 ? 2 : 1;
    const durationMs = i % 40 === 11 ? 70_000 : 2_000 + ((i * 7919) % 4_000);
    if (failed || attempt > 1 || durationMs >= 60_000) out.mustKeep++;
    const [model, sampler, steps] = GROUPS[i % GROUPS.length];
    const root = tracer.startSpan('POST /v1/generations', {
      kind: SpanKind.SERVER,
      startTime: start,
      attributes: { 'http.request.method': 'POST', 'http.response.status_code': 202, 'diffscope.request_id': `req-${i}` },
    });
    const rootCtx = trace.setSpan(context.active(), root);
    const publish = tracer.startSpan(
      'queue.publish',
      {
        kind: SpanKind.PRODUCER,
        startTime: start + 1,
        attributes: { 'messaging.system': 'redis', 'messaging.destination.name': 'generations' },
      },
      rootCtx,
    );
    const jobCtx = trace.setSpan(context.active(), publish);
    const wait = tracer.startSpan(
      'queue.wait',
      { startTime: start + 3, attributes: { 'messaging.delivery.attempt': attempt, 'diffusion.queue_wait_ms': 40 } },
      jobCtx,
    );
    wait.end(start + 43);
    const inference = tracer.startSpan(
      'inference',
      {
        kind: SpanKind.CONSUMER,
        startTime: start + 43,
        attributes: {
          'diffusion.model.id': model,
          'diffusion.sampler': sampler,
          'diffusion.steps': steps,
          'diffusion.width': 512,
          'diffusion.height': 512,
          'messaging.delivery.attempt': attempt,
          'diffscope.request_id': `req-${i}`,
        },
      },
      jobCtx,
    );
    const infCtx = trace.setSpan(context.active(), inference);
    const stageMs = (durationMs - 200) / STAGES.length;
    STAGES.forEach((name, k) =>
      tracer
        .startSpan(name, { startTime: start + 43 + k * stageMs, attributes: { 'diffusion.device': 'cpu' } }, infCtx)
        .end(start + 43 + (k + 1) * stageMs),
    );
    if (failed) inference.setStatus({ code: SpanStatusCode.ERROR, message: 'out of memory' });
    inference.end(start + durationMs - 150);
    tracer.startSpan('storage.put', { kind: SpanKind.CLIENT, startTime: start + durationMs - 150 }, jobCtx).end(start + durationMs - 100);
    tracer.startSpan('notify.webhook', { kind: SpanKind.CLIENT, startTime: start + durationMs - 90 }, jobCtx).end(start + durationMs);
    publish.end(start + 3);
    root.end(start + 5);
    for (let k = 0; k < EVENTS.length; k++) {
      logger.emit({
        timestamp: start + k * 100,
        severityNumber: SeverityNumber.INFO,
        severityText: 'info',
        body: EVENTS[k],
        attributes: { event: EVENTS[k], request_id: `req-${i}`, client_id: 'alice', model_id: model, sampler, steps },
        context: k < 3 ? rootCtx : infCtx,
      });
    }
    out.spans += 10;
    out.logs += EVENTS.length;
    if (spanExporter.getFinishedSpans().length >= BATCH) {
      out.spanBodies.push(ProtobufTraceSerializer.serializeRequest(spanExporter.getFinishedSpans())!);
      spanExporter.reset();
    }
    if (logExporter.getFinishedLogRecords().length >= BATCH) {
      out.logBodies.push(ProtobufLogsSerializer.serializeRequest(logExporter.getFinishedLogRecords())!);
      logExporter.reset();
    }
  }
  if (spanExporter.getFinishedSpans().length)
    out.spanBodies.push(ProtobufTraceSerializer.serializeRequest(spanExporter.getFinishedSpans())!);
  if (logExporter.getFinishedLogRecords().length)
    out.logBodies.push(ProtobufLogsSerializer.serializeRequest(logExporter.getFinishedLogRecords())!);
  return out;
}
