/**
 * A unique canary prompt goes through every helper and every output the library has: stdout
 * log lines, OTel log records, span attributes/events/status, message headers, metrics. It
 * must appear in none of them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logs } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { setupTracing } from './helpers.js';
import {
  createLogger,
  generationAttributes,
  injectMessageHeaders,
  loggableParams,
  metricsRegistry,
  promptHash,
  runWithRequestScope,
  SpanKind,
  withSpan,
  type Attributes,
} from '../../src/telemetry/index.js';
import { telemetryState } from '../../src/telemetry/state.js';
import { DiffscopeError } from '../../src/errors/index.js';

const CANARY = `canary-${randomUUID()}`;
const NEGATIVE_CANARY = `negcanary-${randomUUID()}`;

const stdout: string[] = [];
const logExporter = new InMemoryLogRecordExporter();
let restoreWrite: (() => void) | undefined;

beforeAll(() => {
  logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] }));
  telemetryState().otelLogsEnabled = true;
  const original = process.stdout.write;
  process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
    stdout.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    // Swallowed: the captured text is the evidence; echoing it would only clutter the test output.
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  };
  restoreWrite = () => {
    process.stdout.write = original;
  };
});

afterAll(() => {
  restoreWrite?.();
  telemetryState().otelLogsEnabled = false;
});

function body(): Record<string, unknown> {
  return {
    prompt: CANARY,
    negative_prompt: NEGATIVE_CANARY,
    model: 'shapes-v1',
    sampler: 'ddim',
    steps: 4,
    cfg_scale: 7.5,
    seed: 1,
    width: 64,
    height: 64,
    n: 1,
    webhook: { url: 'https://example.test/hook', secret: 'whsec-canary' },
  };
}

describe('canary prompt never leaves the process', () => {
  it('passes through every helper and output without appearing', async () => {
    const spans = setupTracing();
    const logger = createLogger({ service: 'canary-test', level: 'debug', destination: process.stdout });
    const b = body();

    await runWithRequestScope({ requestId: 'req_canary', clientId: 'c' }, async () => {
      // 1. the params helper, logged flat and nested
      logger.info('request_received', loggableParams(b));
      logger.info('job_enqueued', { params: loggableParams(b) });
      // 2. raw params objects handed to the logger by mistake (redaction must catch them)
      logger.info('job_enqueued', { params: b });
      logger.info('job_enqueued', b);
      logger.debug('job_dequeued', { job: { payload: b }, request: { body: b } });
      logger.child({ params: b }).info('inference_start');
      // 3. error logging, with the prompt riding on the error object and in the fields
      const err = Object.assign(new DiffscopeError('DSC_ERR_INFER_FAILED', 'sampler diverged'), { details: b, params: b });
      logger.error('request_failed', { err, params: b, status: 'failed' });
      logger.warn('job_retry', { error: err, attempt: 1, delay_ms: 10, body: b });
      // 4. spans: attributes via the helpers, plus an exception recorded by withSpan
      await withSpan('POST /v1/generations', { kind: SpanKind.SERVER, attributes: generationAttributes(b) }, async (span) => {
        span.setAttributes(loggableParams(b) as Attributes);
        await withSpan('queue.publish', { kind: SpanKind.PRODUCER }, () => {
          const headers = injectMessageHeaders();
          expect(JSON.stringify(headers)).not.toContain(CANARY);
        });
        await expect(
          withSpan('inference', { kind: SpanKind.CONSUMER, attributes: generationAttributes(b) }, () => {
            throw Object.assign(new DiffscopeError('DSC_ERR_INFER_FAILED'), { params: b });
          }),
        ).rejects.toThrow();
      });
    });

    const outputs: [string, string][] = [
      ['stdout', stdout.join('')],
      [
        'otel log records',
        JSON.stringify(logExporter.getFinishedLogRecords().map((r) => ({ body: r.body, attributes: r.attributes, event: r.eventName }))),
      ],
      [
        'spans',
        JSON.stringify(
          spans.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })),
        ),
      ],
      ['metrics', await metricsRegistry().metrics()],
    ];
    // The outputs really were produced (a vacuous pass would prove nothing)…
    expect(stdout.join('').split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(8);
    expect(logExporter.getFinishedLogRecords().length).toBeGreaterThanOrEqual(8);
    expect(spans.getFinishedSpans().length).toBe(3);
    // …and carry the hash, which is what correlation needs…
    expect(outputs[0][1]).toContain(promptHash(CANARY));
    expect(outputs[2][1]).toContain(promptHash(CANARY));
    // …but never the prompt, the negative prompt or the webhook secret.
    for (const [name, text] of outputs) {
      expect(text, name).not.toContain(CANARY);
      expect(text, name).not.toContain(NEGATIVE_CANARY);
      expect(text, name).not.toContain('whsec-canary');
    }
  });
});
