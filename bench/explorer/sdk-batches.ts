/**
 * OTLP protobuf request bodies exactly as the OpenTelemetry JS SDK sends them: real spans and
 * log records from the SDK, serialized by @opentelemetry/otlp-transformer, in batches of 512
 * (BatchSpanProcessor's default maxExportBatchSize).
 */
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

export const BATCH = 512;

const resource = (service: string) =>
  resourceFromAttributes({
    'service.name': service,
    'service.version': '0.1.0',
    'service.instance.id': `${service}-1`,
    'host.name': 'bench-host',
    'process.pid': 4242,
  });

const STAGES = ['queue.wait', 'model.load', 'text.encode', 'sampling', 'vae.decode', 'storage.put', 'notify.webhook'];

/** `count` spans shaped like diffscope's (10 per trace, diffusion attributes), as protobuf bodies. */
export function spanBatches(count: number): Uint8Array[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resource('inference-worker'), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('diffscope', '0.1.0');
  const bodies: Uint8Array[] = [];
  const t0 = Date.now() - 3_600_000;
  let made = 0;
  while (made < count) {
    const start = t0 + made;
    const root = tracer.startSpan('inference', {
      kind: SpanKind.CONSUMER,
      startTime: start,
      attributes: {
        'diffusion.model.id': 'shapes-v1',
        'diffusion.sampler': 'euler',
        'diffusion.steps': 20,
        'diffusion.width': 64,
        'diffusion.height': 64,
        'diffusion.prompt_hash': 'a3f1c2d4e5b6a7980123456789abcdef0123456789abcdef0123456789abcdef',
        'diffscope.request_id': `req-${made}`,
        'messaging.system': 'redis',
      },
    });
    const ctx = trace.setSpan(context.active(), root);
    made++;
    for (let i = 0; i < 9 && made < count; i++, made++) {
      const s = tracer.startSpan(
        STAGES[i % STAGES.length],
        { startTime: start + i, attributes: { 'diffusion.steps': 20, 'stage.index': i, 'diffusion.device': 'cpu' } },
        ctx,
      );
      if (i === 3) s.addEvent('step', { step: 1 }, start + i);
      s.end(start + i + 1);
    }
    if (made % 97 === 0) root.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    root.end(start + 20);
    const finished = exporter.getFinishedSpans();
    if (finished.length >= BATCH) {
      // whole traces per batch: 512..521 spans, about what BatchSpanProcessor sends
      bodies.push(ProtobufTraceSerializer.serializeRequest(finished)!);
      exporter.reset();
    }
  }
  const rest = exporter.getFinishedSpans();
  if (rest.length) bodies.push(ProtobufTraceSerializer.serializeRequest(rest)!);
  return bodies;
}

/** `count` log records shaped like diffscope's JSON log lines, as protobuf bodies. */
export function logBatches(count: number): Uint8Array[] {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource: resource('api-server'), processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('diffscope');
  const tracer = new BasicTracerProvider().getTracer('t');
  const bodies: Uint8Array[] = [];
  const events = [
    'request_received',
    'job_enqueued',
    'job_dequeued',
    'inference_start',
    'inference_complete',
    'result_stored',
    'request_complete',
  ];
  const t0 = Date.now() - 3_600_000;
  for (let i = 0; i < count; i++) {
    const span = tracer.startSpan('x');
    const event = events[i % events.length];
    logger.emit({
      timestamp: t0 + i,
      severityNumber: SeverityNumber.INFO,
      severityText: 'info',
      body: event,
      attributes: {
        event,
        request_id: `req-${Math.floor(i / 7)}`,
        client_id: 'alice',
        model_id: 'shapes-v1',
        steps: 20,
        inference_time_ms: 812,
        instance_id: 'api-1',
      },
      context: trace.setSpan(context.active(), span),
    });
    const finished = exporter.getFinishedLogRecords();
    if (finished.length >= BATCH) {
      bodies.push(ProtobufLogsSerializer.serializeRequest(finished)!);
      exporter.reset();
    }
  }
  const rest = exporter.getFinishedLogRecords();
  if (rest.length) bodies.push(ProtobufLogsSerializer.serializeRequest(rest)!);
  return bodies;
}
