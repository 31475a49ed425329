/**
 * DIFFSCOPE_LOG_FORMAT: every catalogued event rendered in each format, inside a request and a
 * span. Each line must (1) carry the backend's correlation fields equal to the span's ids,
 * (2) still be a valid seed line once read back under the seed's names (so no diffusion field is
 * lost or mistyped), and, for ECS, (3) match what @elastic/ecs-pino-format writes for the same record.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ecsFormat } from '@elastic/ecs-pino-format';
import { trace, TraceFlags, ROOT_CONTEXT, context } from '@opentelemetry/api';
import { captureLogger, setupTracing, ISO_MS_UTC } from './helpers.js';
import { runWithRequestScope, toSeedRecord, withSpan, type LogFields, type LogFormat } from '../../src/telemetry/index.js';
import {
  LOG_EVENTS,
  logFieldTypes,
  validateLogRecord,
  type LogEventName,
  type LogEventSpec,
  type LogFieldSpec,
} from '../../src/contract/index.js';
import { DiffscopeError } from '../../src/errors/index.js';

const FORMATS: LogFormat[] = ['seed', 'ecs', 'datadog', 'gcp'];
const IDENTITY = {
  service: 'inference-worker',
  instanceId: 'worker-gpu-az1-3',
  version: '0.1.0',
  environment: 'prod',
  gcpProjectId: 'diffscope-test',
};
const LEVEL_METHOD = { DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

function sampleValue(spec: LogFieldSpec): unknown {
  const samples = { string: 'x', integer: 7, number: 7.5, boolean: true, null: null, 'string[]': ['a'], object: { k: 1 }, any: 'raw' };
  return samples[logFieldTypes(spec)[0]];
}

/** Required and optional fields of the event (the optional ones too, so renamed fields are exercised). */
function fieldsFor(event: LogEventName): LogFields {
  const spec: LogEventSpec = LOG_EVENTS[event];
  const takesErr = spec.optional !== undefined && 'error.stack' in spec.optional;
  const out: LogFields = {};
  for (const [field, type] of Object.entries({ ...spec.optional, ...spec.fields })) {
    if (field.startsWith('error.')) continue;
    out[field] = sampleValue(type);
  }
  if (takesErr) out.err = new DiffscopeError('DSC_ERR_INFER_FAILED', 'sampler diverged');
  else if ('error.type' in spec.fields) Object.assign(out, { 'error.type': 'DSC_ERR_INFER_FAILED', 'error.message': 'sampler diverged' });
  return out;
}

async function logEveryEvent(
  format: LogFormat,
): Promise<{ records: Record<string, unknown>[]; traceId: string; spanId: string; flags: number }> {
  const cap = captureLogger({ ...IDENTITY, format, level: 'debug' });
  const ids = await runWithRequestScope({ requestId: 'req_abc123xyz789', clientId: 'client-42' }, () =>
    withSpan('inference', {}, (span) => {
      for (const event of Object.keys(LOG_EVENTS) as LogEventName[])
        cap.logger[LEVEL_METHOD[LOG_EVENTS[event].level]](event, fieldsFor(event));
      const sc = span.spanContext();
      return { traceId: sc.traceId, spanId: sc.spanId, flags: sc.traceFlags };
    }),
  );
  return { records: cap.records(), ...ids };
}

beforeAll(() => {
  setupTracing();
});

describe.each(FORMATS)('format %s: every catalogued event', (format) => {
  it("reads back as a valid seed line with the request fields and all of the event's fields", async () => {
    const { records, traceId, spanId } = await logEveryEvent(format);
    expect(records).toHaveLength(Object.keys(LOG_EVENTS).length);
    for (const record of records) {
      const seed = toSeedRecord(record);
      const problems = validateLogRecord(seed, { inRequest: true }).filter((p) => !p.startsWith('service '));
      expect(problems, `${format} ${String(seed.event)}: ${JSON.stringify(record)}`).toEqual([]);
      expect(seed).toMatchObject({ request_id: 'req_abc123xyz789', client_id: 'client-42', trace_id: traceId, span_id: spanId });
      expect(seed).toMatchObject({ service: 'inference-worker', instance_id: 'worker-gpu-az1-3', version: '0.1.0' });
    }
  });

  it("carries the backend's correlation fields, equal to the span's ids", async () => {
    const { records, traceId, spanId, flags } = await logEveryEvent(format);
    for (const r of records) {
      switch (format) {
        case 'seed':
          expect(r).toMatchObject({ trace_id: traceId, span_id: spanId });
          expect(r.timestamp).toMatch(ISO_MS_UTC);
          break;
        case 'ecs':
          expect(r).toMatchObject({
            'trace.id': traceId,
            'span.id': spanId,
            'transaction.id': spanId, // the span is this process's root: the transaction
            'ecs.version': '8.10.0',
            'service.name': 'inference-worker',
            'service.version': '0.1.0',
            'service.node.name': 'worker-gpu-az1-3',
            'service.environment': 'prod',
            'log.level': String(LOG_EVENTS[r['event.action'] as LogEventName].level).toLowerCase(),
          });
          expect(r['@timestamp']).toMatch(ISO_MS_UTC);
          expect(typeof r.message).toBe('string');
          for (const seedOnly of ['event', 'service', 'level', 'timestamp', 'trace_id', 'span_id', 'url', 'device', 'error.stack'])
            expect(r).not.toHaveProperty([seedOnly]);
          break;
        case 'datadog':
          expect(r.dd).toEqual({
            service: 'inference-worker',
            env: 'prod',
            version: '0.1.0',
            trace_id: BigInt('0x' + traceId.slice(16)).toString(),
            span_id: BigInt('0x' + spanId).toString(),
          });
          expect(r.status).toBe(String(LOG_EVENTS[r.event as LogEventName].level).toLowerCase());
          expect(r).not.toHaveProperty('level');
          break;
        case 'gcp':
          expect(r).toMatchObject({
            'logging.googleapis.com/trace': `projects/diffscope-test/traces/${traceId}`,
            'logging.googleapis.com/spanId': spanId,
            'logging.googleapis.com/trace_sampled': (flags & TraceFlags.SAMPLED) === 1,
            severity: { DEBUG: 'DEBUG', INFO: 'INFO', WARN: 'WARNING', ERROR: 'ERROR' }[LOG_EVENTS[r.event as LogEventName].level],
          });
          expect(r.time).toMatch(ISO_MS_UTC);
          expect(r).not.toHaveProperty('timestamp');
          break;
      }
    }
  });
});

describe('fixed ids (the values a backend computes from them)', () => {
  const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
  const SPAN_ID = 'b7ad6b7169203331';
  function inFixedSpan<T>(fn: () => T): T {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED });
    return context.with(ctx, fn);
  }

  it('datadog: dd.trace_id / dd.span_id are the decimal low 64 bits', () => {
    const cap = captureLogger({ ...IDENTITY, format: 'datadog' });
    inFixedSpan(() => cap.logger.info('job_dequeued', { queue: 'q', attempt: 1, model_id: 'm' }));
    // 0x8448eb211c80319c and 0xb7ad6b7169203331 in decimal.
    expect(cap.records()[0].dd).toMatchObject({ trace_id: '9532127138774266268', span_id: '13235353014750950193' });
  });

  it('datadog: without a span the line still names service, env and version; the generation status is generation_status', () => {
    const cap = captureLogger({ ...IDENTITY, format: 'datadog' });
    cap.logger.info('request_complete', { status: 'succeeded', total_ms: 5 });
    const r = cap.records()[0];
    expect(r.dd).toEqual({ service: 'inference-worker', env: 'prod', version: '0.1.0' });
    expect(r).toMatchObject({ status: 'info', generation_status: 'succeeded', message: 'request_complete', event: 'request_complete' });
  });

  it('gcp: trace, spanId and trace_sampled from the span context; not sampled → false', () => {
    const cap = captureLogger({ ...IDENTITY, format: 'gcp' });
    inFixedSpan(() => cap.logger.warn('job_retry', { attempt: 1, max_attempts: 3, err: new Error('x') }));
    const notSampled = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.NONE });
    context.with(notSampled, () => cap.logger.info('worker_stopped'));
    const [warn, info] = cap.records();
    expect(warn).toMatchObject({
      severity: 'WARNING',
      'logging.googleapis.com/trace': `projects/diffscope-test/traces/${TRACE_ID}`,
      'logging.googleapis.com/spanId': SPAN_ID,
      'logging.googleapis.com/trace_sampled': true,
    });
    expect(info['logging.googleapis.com/trace_sampled']).toBe(false);
  });

  it('gcp without a project id refuses to start rather than write projects//traces/…', () => {
    const saved = process.env.GOOGLE_CLOUD_PROJECT;
    delete process.env.GOOGLE_CLOUD_PROJECT;
    try {
      expect(() => captureLogger({ ...IDENTITY, gcpProjectId: undefined, format: 'gcp' })).toThrow(/DIFFSCOPE_GCP_PROJECT_ID/);
    } finally {
      if (saved !== undefined) process.env.GOOGLE_CLOUD_PROJECT = saved;
    }
  });

  it("ecs: a child span's lines name the local root span as transaction.id", async () => {
    const cap = captureLogger({ ...IDENTITY, format: 'ecs' });
    const ids = await withSpan('queue.wait', {}, (root) => {
      cap.logger.info('job_dequeued', { queue: 'q', attempt: 1, model_id: 'm' });
      return withSpan('model.load', {}, (child) => {
        cap.logger.info('model_load_start', { model_id: 'm', model_version: '1', size_bytes: 1, device: 'cpu' });
        return { root: root.spanContext().spanId, child: child.spanContext().spanId };
      });
    });
    const [rootLine, childLine] = cap.records();
    expect(rootLine).toMatchObject({ 'span.id': ids.root, 'transaction.id': ids.root });
    expect(childLine).toMatchObject({ 'span.id': ids.child, 'transaction.id': ids.root, 'diffscope.device': 'cpu' });
  });

  it("ecs: a message field is the line's message; the event is event.action", () => {
    const cap = captureLogger({ ...IDENTITY, format: 'ecs' });
    cap.logger.warn('auth_disabled', { message: 'DIFFSCOPE_API_KEYS is empty' });
    const r = cap.records()[0];
    expect(r).toMatchObject({ message: 'DIFFSCOPE_API_KEYS is empty', 'event.action': 'auth_disabled', 'log.level': 'warn' });
    expect(cap.raw[0].match(/"message"/g)).toHaveLength(1);
  });
});

/** Dotted keys expanded into objects, the way Elasticsearch indexes both spellings. */
function expandDotted(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const parts = key.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    const last = parts[parts.length - 1];
    node[last] =
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? { ...(node[last] as object), ...expandDotted(value as Record<string, unknown>) }
        : value;
  }
  return out;
}

describe('ecs: the same record through @elastic/ecs-pino-format', () => {
  it('indexes to the same document (timestamps aside)', async () => {
    const err = new DiffscopeError('DSC_ERR_INFER_FAILED', 'sampler diverged');
    const fields = {
      model_id: 'shapes-v1',
      sampler: 'ddim',
      steps: 30,
      cfg_scale: 7.5,
      seed: 42,
      width: 64,
      height: 64,
      n: 1,
      model_version: '1.0.0',
      code: 'DSC_ERR_INFER_FAILED',
    };
    const cap = captureLogger({ ...IDENTITY, format: 'ecs' });
    const elasticLines: string[] = [];
    const elastic = pino(
      {
        ...ecsFormat({
          serviceName: 'inference-worker',
          serviceVersion: '0.1.0',
          serviceNodeName: 'worker-gpu-az1-3',
          serviceEnvironment: 'prod',
          apmIntegration: false,
        }),
        base: null,
      },
      { write: (s: string) => elasticLines.push(s) },
    );
    const ids = await runWithRequestScope({ requestId: 'req_1', clientId: 'client-42' }, () =>
      withSpan('inference', {}, (span) => {
        cap.logger.error('inference_failed', { ...fields, err });
        return span.spanContext();
      }),
    );
    // What ecs-pino-format gets from elastic-apm-node's transaction, given here from the OTel span;
    // error.code is ECS but ecs-pino-format's error formatter leaves it out.
    elastic.error(
      {
        ...fields,
        err,
        'event.action': 'inference_failed',
        request_id: 'req_1',
        client_id: 'client-42',
        'trace.id': ids.traceId,
        'span.id': ids.spanId,
        'transaction.id': ids.spanId,
        'error.code': 'DSC_ERR_INFER_FAILED',
      },
      'inference_failed',
    );
    const ours = expandDotted(cap.records()[0]);
    const theirs = expandDotted(JSON.parse(elasticLines[0]) as Record<string, unknown>);
    expect(typeof ours['@timestamp']).toBe('string');
    expect(typeof theirs['@timestamp']).toBe('string');
    delete ours['@timestamp'];
    delete theirs['@timestamp'];
    expect(ours).toEqual(theirs);
  });
});
