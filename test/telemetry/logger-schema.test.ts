import { beforeAll, describe, expect, it } from 'vitest';
import { captureLogger, HEX16, HEX32, ISO_MS_UTC, setupTracing } from './helpers.js';
import { runWithRequestScope, withSpan, type LogFields } from '../../src/telemetry/index.js';
import {
  BASE_LOG_FIELDS,
  LOG_EVENTS,
  REQUEST_LOG_FIELDS,
  logFieldTypes,
  validateLogRecord,
  type LogEventName,
  type LogEventSpec,
  type LogFieldSpec,
} from '../../src/contract/index.js';
import { DiffscopeError } from '../../src/errors/index.js';

/**
 * The lifecycle events a generation goes through (docs/architecture.md, "A generation's lifecycle";
 * their lines are listed in docs/telemetry.md): the catalogue must cover every one.
 */
const ARCHITECTURE_EVENTS = [
  'request_received',
  'request_rejected',
  'job_enqueued',
  'job_dequeued',
  'model_load_start',
  'model_load_complete',
  'inference_start',
  'inference_complete',
  'result_stored',
  'notification_sent',
  'request_complete',
  'request_failed',
  'job_retry',
];

/** A value of the field's (first) type. */
function sampleValue(spec: LogFieldSpec): unknown {
  const samples = { string: 'x', integer: 7, number: 7.5, boolean: true, null: null, 'string[]': ['a'], object: { k: 1 }, any: 'raw' };
  return samples[logFieldTypes(spec)[0]];
}

/**
 * Each event's required fields. Errors as services pass them: an Error as `err` where the event
 * allows its details (stack, code), else `error.type`/`error.message` as plain strings (request_failed).
 */
function fieldsFor(event: LogEventName): LogFields {
  const spec: LogEventSpec = LOG_EVENTS[event];
  const takesErr = spec.optional !== undefined && 'error.stack' in spec.optional;
  const out: LogFields = {};
  for (const [field, type] of Object.entries(spec.fields)) {
    if (takesErr && (field === 'error.type' || field === 'error.message'))
      out.err = new DiffscopeError('DSC_ERR_INFER_FAILED', 'sampler diverged');
    else out[field] = sampleValue(type);
  }
  return out;
}

beforeAll(() => {
  setupTracing();
});

describe('log line schema', () => {
  it('the catalogue covers every lifecycle event of a generation', () => {
    for (const event of ARCHITECTURE_EVENTS) expect(Object.keys(LOG_EVENTS)).toContain(event);
  });

  it('every catalogued event, logged through the library inside a request, carries its required fields', async () => {
    const cap = captureLogger();
    const levelMethod = { DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;
    await runWithRequestScope({ requestId: 'req_abc123xyz789', clientId: 'client-42' }, () =>
      withSpan('inference', {}, () => {
        for (const event of Object.keys(LOG_EVENTS) as LogEventName[]) {
          cap.logger[levelMethod[LOG_EVENTS[event].level]](event, fieldsFor(event));
        }
      }),
    );
    const records = cap.records();
    expect(records).toHaveLength(Object.keys(LOG_EVENTS).length);
    for (const record of records) {
      // The catalogue names each event's service; here one test logger writes them all.
      const problems = validateLogRecord(record, { inRequest: true }).filter((p) => !p.startsWith('service '));
      expect(problems, String(record.event)).toEqual([]);
      expect(record.request_id).toBe('req_abc123xyz789');
      expect(record.client_id).toBe('client-42');
    }
  });

  it('the validator really rejects bad lines (so the test above can fail)', () => {
    const good = {
      timestamp: '2026-01-01T00:00:00.000Z',
      level: 'INFO',
      service: 'inference-worker',
      instance_id: 'i',
      version: 'v',
      event: 'job_dequeued',
      queue: 'q',
      attempt: 1,
      model_id: 'm',
    };
    const ids = { request_id: 'r', client_id: 'c', trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) };
    expect(validateLogRecord(good)).toEqual(['missing request_id', 'missing client_id', 'missing trace_id', 'missing span_id']);
    expect(validateLogRecord({ ...good, ...ids })).toEqual([]);
    expect(validateLogRecord({ ...good, request_id: 'r', client_id: 'c' }, { tracing: false })).toEqual([]);
    const outside = { inRequest: false };
    expect(validateLogRecord({ ...good, timestamp: '2026-01-01T00:00:00Z' }, outside)).toContain('timestamp is not ISO-8601 UTC with ms');
    expect(validateLogRecord({ ...good, level: 'info' }, outside)).toContain('bad level info');
    expect(validateLogRecord({ ...good, level: 'WARN' }, outside)).toEqual(['level WARN != INFO']);
    expect(validateLogRecord({ ...good, service: 'notifier' }, outside)).toEqual([
      'service notifier does not write job_dequeued (inference-worker)',
    ]);
    expect(validateLogRecord({ ...good, attempt: undefined }, outside)).toEqual(['missing attempt']);
    expect(validateLogRecord({ ...good, attempt: '1' }, outside)).toEqual(['attempt is string, expected integer']);
    expect(validateLogRecord({ ...good, attempt: 1.5 }, outside)).toEqual(['attempt is number, expected integer']);
    expect(validateLogRecord({ ...good, queue_wait_ms: 'soon' }, outside)).toEqual(['queue_wait_ms is string, expected integer']);
    expect(validateLogRecord({ ...good, extra: 1 }, outside)).toEqual(['undeclared field extra']);
    expect(validateLogRecord({ ...good, event: 'job_dequeud' }, outside)).toEqual(['unknown event job_dequeud']);
    expect(validateLogRecord({ ...good, event: 'JobDequeued' }, outside)).toContain('event is not snake_case');
    expect(validateLogRecord({ ...good, ...ids, trace_id: 'A'.repeat(32) })).toEqual(['trace_id is not 32 hex']);
    // `either`: all request fields inside a request; outside one, trace ids only when in a span of no request.
    const rejected = {
      ...good,
      level: 'WARN',
      service: 'api-server',
      event: 'request_rejected',
      code: 'DSC_ERR_API_NOT_FOUND',
      status: 404,
      reason: 'r',
    };
    for (const key of ['queue', 'attempt', 'model_id'] as const) delete (rejected as Record<string, unknown>)[key];
    expect(validateLogRecord(rejected)).toEqual([]);
    expect(validateLogRecord({ ...rejected, request_id: 'r' })).toEqual(['missing client_id', 'missing trace_id', 'missing span_id']);
    expect(validateLogRecord({ ...rejected, ...ids })).toEqual([]);
    expect(validateLogRecord({ ...rejected, trace_id: ids.trace_id, span_id: ids.span_id })).toEqual([]);
    expect(validateLogRecord({ ...rejected, client_id: 'c', trace_id: ids.trace_id, span_id: ids.span_id })).toEqual([
      'missing request_id',
    ]);
    // `null` only where the catalogue allows it.
    const crashed = {
      ...good,
      level: 'ERROR',
      service: 'supervisor',
      event: 'service_crashed',
      child_service: 'notifier',
      exit_code: null,
      signal: 'SIGKILL',
      restart_in_ms: 500,
    };
    for (const key of ['queue', 'attempt', 'model_id'] as const) delete (crashed as Record<string, unknown>)[key];
    expect(validateLogRecord(crashed)).toEqual([]);
    expect(validateLogRecord({ ...crashed, restart_in_ms: null })).toEqual(['restart_in_ms is null, expected integer']);
  });

  it('uses exactly the contract field names and formats', () => {
    const cap = captureLogger();
    cap.logger.info('inference_complete', { model_id: 'm', steps: 4 });
    const [line] = cap.raw;
    expect(line.endsWith('}\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1); // one JSON object per line
    const record = JSON.parse(line) as Record<string, unknown>;
    for (const key of BASE_LOG_FIELDS) expect(record).toHaveProperty(key);
    expect(record.timestamp).toMatch(ISO_MS_UTC);
    expect(Math.abs(Date.parse(String(record.timestamp)) - Date.now())).toBeLessThan(60_000);
    expect(record.level).toBe('INFO');
    expect(record.service).toBe('test-service');
    expect(record.instance_id).toBe('test-instance-1');
    expect(record.version).toBe('9.9.9');
    expect(record.event).toBe('inference_complete');
    // No pino leftovers under other names.
    for (const key of ['time', 'msg', 'pid', 'hostname']) expect(record).not.toHaveProperty(key);
    // Outside a request/span: no request or trace fields.
    for (const key of REQUEST_LOG_FIELDS) expect(record).not.toHaveProperty(key);
  });

  it('maps each level to its upper-case name and honours the level threshold', () => {
    const cap = captureLogger({ level: 'warn' });
    cap.logger.debug('sampling_step');
    cap.logger.info('worker_stopped');
    cap.logger.warn('shutdown_forced');
    cap.logger.error('shutdown_timeout');
    expect(cap.records().map((r) => [r.event, r.level])).toEqual([
      ['shutdown_forced', 'WARN'],
      ['shutdown_timeout', 'ERROR'],
    ]);
    expect(cap.logger.isLevelEnabled('info')).toBe(false);
    expect(cap.logger.isLevelEnabled('warn')).toBe(true);
    const all = captureLogger({ level: 'debug' });
    all.logger.debug('sampling_step');
    all.logger.info('worker_stopped');
    expect(all.records().map((r) => r.level)).toEqual(['DEBUG', 'INFO']);
  });

  it('injects request scope and active span ids, exactly once, without being passed them', async () => {
    const cap = captureLogger();
    let traceId = '';
    let spanId = '';
    await runWithRequestScope({ requestId: 'req_1', clientId: 'alice' }, () =>
      withSpan('deep', {}, async (span) => {
        traceId = span.spanContext().traceId;
        spanId = span.spanContext().spanId;
        await new Promise((r) => setTimeout(r, 1));
        cap.logger.child({ component: 'sampler' }).info('inference_start');
      }),
    );
    const [line] = cap.raw;
    const record = JSON.parse(line) as Record<string, unknown>;
    expect(record).toMatchObject({ request_id: 'req_1', client_id: 'alice', trace_id: traceId, span_id: spanId, component: 'sampler' });
    expect(record.trace_id).toMatch(HEX32);
    expect(record.span_id).toMatch(HEX16);
    for (const key of REQUEST_LOG_FIELDS) expect(line.split(`"${key}"`).length - 1, key).toBe(1);
  });

  it('lets explicit fields and child bindings win over injected ones, with no duplicate keys', () => {
    const cap = captureLogger();
    runWithRequestScope({ requestId: 'scope-id', clientId: 'scope-client' }, () => {
      cap.logger.info('job_handed_back', { request_id: 'explicit-id' });
      cap.logger.child({ request_id: 'bound-id', client_id: 'bound-client' }).info('job_duplicate');
    });
    const [a, b] = cap.records();
    expect(a).toMatchObject({ request_id: 'explicit-id', client_id: 'scope-client' });
    expect(b).toMatchObject({ request_id: 'bound-id', client_id: 'bound-client' });
    for (const line of cap.raw) expect(line.split('"request_id"').length - 1).toBe(1);
  });

  it('writes errors as error.type / error.message / error.stack (+ error.code), never the Error object', () => {
    const cap = captureLogger();
    const err = new DiffscopeError('DSC_ERR_INFER_FAILED', 'onnx session failed', { cause: new RangeError('bad dims') });
    cap.logger.error('request_failed', { err, status: 'failed' });
    cap.logger.warn('job_retry', { error: new TypeError('flaky'), attempt: 2, delay_ms: 1000 });
    cap.logger.error('request_failed', { err: 'a string was thrown', status: 'failed' });
    const [a, b, c] = cap.records();
    expect(a['error.type']).toBe('DiffscopeError');
    expect(a['error.code']).toBe('DSC_ERR_INFER_FAILED');
    expect(a['error.message']).toBe('onnx session failed');
    expect(String(a['error.stack'])).toContain('onnx session failed');
    expect(a['error.cause.type']).toBe('RangeError');
    expect(a).not.toHaveProperty('err');
    expect(a.status).toBe('failed');
    expect(b['error.type']).toBe('TypeError');
    expect(b).not.toHaveProperty('error');
    expect(c).toMatchObject({ 'error.type': 'string', 'error.message': 'a string was thrown' });
  });

  it('redacts authorization, API keys, cookies and webhook secrets in logged objects', () => {
    const cap = captureLogger();
    cap.logger.info('request_received', {
      authorization: 'Bearer sk-live-1',
      headers: { authorization: 'Bearer sk-live-2', cookie: 'session=s3', 'x-api-key': 'key-4', accept: 'image/png' },
      api_key: 'key-5',
      webhook: { url: 'https://example.test/hook', secret: 'whsec-6' },
      webhook_secret: 'whsec-7',
    });
    const line = cap.raw[0];
    for (const secret of ['sk-live-1', 'sk-live-2', 'session=s3', 'key-4', 'key-5', 'whsec-6', 'whsec-7'])
      expect(line).not.toContain(secret);
    const record = JSON.parse(line) as { headers: Record<string, unknown> };
    expect(record.headers.accept).toBe('image/png');
    expect(record.headers.authorization).toBe('[REDACTED]');
  });

  it('rejects bad options at construction, not at log time', async () => {
    const { createLogger } = await import('../../src/telemetry/index.js');
    expect(() => createLogger({ service: '' })).toThrow();
    expect(() => createLogger({ service: 's', level: 'verbose' as never })).toThrow();
  });
});
