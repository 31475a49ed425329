/** In-process: log lines mirrored as OTel log records (severity, event name, attributes, trace context). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { captureLogger, setupTracing } from './helpers.js';
import { runWithRequestScope, withSpan } from '../../src/telemetry/index.js';
import { telemetryState } from '../../src/telemetry/state.js';

const exporter = new InMemoryLogRecordExporter();

beforeAll(() => {
  setupTracing();
  logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] }));
});
afterAll(() => {
  telemetryState().otelLogsEnabled = false;
});

describe('OTel log records', () => {
  it('are not produced unless the SDK enabled OTLP logs', () => {
    telemetryState().otelLogsEnabled = false;
    captureLogger().logger.info('worker_stopped');
    expect(exporter.getFinishedLogRecords()).toHaveLength(0);
  });

  it('mirror each line: severity mapped, event as body/eventName/attribute, same fields, trace context attached', async () => {
    telemetryState().otelLogsEnabled = true;
    const cap = captureLogger();
    let ids = { traceId: '', spanId: '' };
    await runWithRequestScope({ requestId: 'req_b', clientId: 'cl' }, () =>
      withSpan('inference', {}, (span) => {
        ids = span.spanContext();
        cap.logger.debug('d1', { steps: 4 });
        cap.logger.info('inference_complete', { model_id: 'm', steps: 4, nested: { a: 1 } });
        cap.logger.warn('w1');
        cap.logger.error('request_failed', { err: new Error('x'), status: 'failed' });
      }),
    );
    const records = exporter.getFinishedLogRecords();
    expect(records.map((r) => [r.severityText, r.severityNumber])).toEqual([
      ['DEBUG', SeverityNumber.DEBUG],
      ['INFO', SeverityNumber.INFO],
      ['WARN', SeverityNumber.WARN],
      ['ERROR', SeverityNumber.ERROR],
    ]);
    const info = records[1];
    expect(info.eventName).toBe('inference_complete');
    expect(info.body).toBe('inference_complete');
    expect(info.spanContext).toMatchObject({ traceId: ids.traceId, spanId: ids.spanId });
    expect(info.attributes).toMatchObject({
      event: 'inference_complete',
      model_id: 'm',
      steps: 4,
      nested: { a: 1 },
      request_id: 'req_b',
      client_id: 'cl',
      service: 'test-service',
      instance_id: 'test-instance-1',
      version: '9.9.9',
    });
    // Timestamp/level/ids are record fields, not attributes.
    for (const key of ['timestamp', 'level', 'trace_id', 'span_id']) expect(info.attributes).not.toHaveProperty(key);
    const line = cap.records()[1];
    const ts = Date.parse(String(line.timestamp));
    expect(info.hrTime[0] * 1000 + Math.round(info.hrTime[1] / 1e6)).toBe(ts);
    expect(records[3].attributes).toMatchObject({ 'error.type': 'Error', 'error.message': 'x' });
  });

  it('mask the same secrets and prompts as the stdout line, top-level and nested, fields and child bindings', () => {
    telemetryState().otelLogsEnabled = true;
    exporter.reset();
    const cap = captureLogger();
    cap.logger
      .child({ api_key: 'bound-secret' })
      .info('request_received', { authorization: 'Bearer zzz', prompt: 'raw prompt', headers: { cookie: 'c=1', accept: 'x' } });
    const [record] = exporter.getFinishedLogRecords();
    expect(record.attributes).toMatchObject({
      api_key: '[REDACTED]',
      authorization: '[REDACTED]',
      prompt: '[REDACTED]',
      headers: { cookie: '[REDACTED]', accept: 'x' },
    });
    const text = JSON.stringify(record.attributes) + cap.raw.join('');
    for (const secret of ['bound-secret', 'Bearer zzz', 'raw prompt', 'c=1']) expect(text).not.toContain(secret);
  });
});
