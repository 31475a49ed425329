/**
 * Generation traces of known timings for the compare tests: the same spans either as OTLP/JSON (sent
 * to a real explorer) or as the pure function's input. Each service sends from its own resource,
 * with a `service.instance.id`, as the services do.
 */
import type { ComparableTrace } from '../../src/explorer/api/compare.js';

type AttrValue = string | number | boolean | number[];

export interface FixtureSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  service: string;
  instance: string;
  kind: number;
  startMs: number;
  durationMs: number;
  status: 0 | 2;
  attributes: Record<string, AttrValue>;
}

export interface FixtureTrace {
  traceId: string;
  spans: FixtureSpan[];
}

export interface GenerationOptions {
  traceId: string;
  /** ms since the epoch. */
  startMs: number;
  cold: boolean;
  sampler: string;
  /** One entry per step, ms. */
  stepMs: number[];
  worker: string;
  attempt?: number;
  model?: string;
  device?: string;
  /** A cold request's `model.warmup` span, ms (none when 0). */
  warmupMs?: number;
}

export const TIMINGS = {
  postMs: 4,
  publishMs: 2,
  queueWaitColdMs: 35,
  queueWaitWarmMs: 12,
  modelLoadMs: 600,
  textEncodeMs: 30,
  decodeMs: 75,
  storageMs: 6,
  notifyMs: 22,
} as const;

/** A generation like the services emit it: POST → queue.publish → queue.wait, inference (model.load, model.warmup, text.encode, sampling, vae.decode), storage.put, notify.webhook. */
export function generationTrace(o: GenerationOptions): FixtureTrace {
  const spans: FixtureSpan[] = [];
  let n = 0;
  const id = (): string => `${o.traceId.slice(0, 12)}${(++n).toString(16).padStart(4, '0')}`;
  const add = (
    name: string,
    parent: FixtureSpan | null,
    service: string,
    kind: number,
    startMs: number,
    durationMs: number,
    attributes: Record<string, AttrValue> = {},
  ): FixtureSpan => {
    const span: FixtureSpan = {
      traceId: o.traceId,
      spanId: id(),
      parentSpanId: parent?.spanId ?? '',
      name,
      service,
      instance: service === 'inference-worker' ? o.worker : `${service}-1`,
      kind,
      startMs,
      durationMs,
      status: 0,
      attributes,
    };
    spans.push(span);
    return span;
  };
  const t0 = o.startMs;
  const rid = { 'diffscope.request_id': `req_${o.traceId.slice(0, 8)}` };
  const root = add('POST /v1/generations', null, 'api-server', 2, t0, TIMINGS.postMs, {
    'http.request.method': 'POST',
    'http.route': '/v1/generations',
    'http.response.status_code': 202,
    'gen_ai.request.model': o.model ?? 'tiny-sd-32',
    ...rid,
  });
  const publish = add('queue.publish', root, 'api-server', 4, t0 + 1, TIMINGS.publishMs, { 'messaging.system': 'redis', ...rid });
  const waitMs = o.cold ? TIMINGS.queueWaitColdMs : TIMINGS.queueWaitWarmMs;
  const attempt = o.attempt ?? 1;
  add('queue.wait', publish, 'inference-worker', 1, t0 + 3, waitMs, { 'messaging.delivery.attempt': attempt, ...rid });
  const sampling = o.stepMs.reduce((a, b) => a + b, 0);
  const warmupMs = o.cold ? (o.warmupMs ?? 0) : 0;
  const inferStart = t0 + 3 + waitMs;
  const inferMs = (o.cold ? TIMINGS.modelLoadMs + warmupMs : 0) + TIMINGS.textEncodeMs + sampling + TIMINGS.decodeMs;
  const inference = add('inference', publish, 'inference-worker', 5, inferStart, inferMs, {
    'diffusion.model.id': o.model ?? 'tiny-sd-32',
    'diffusion.model.version': '1',
    'diffusion.sampler': o.sampler,
    'diffusion.steps': o.stepMs.length,
    'diffusion.width': 32,
    'diffusion.height': 32,
    'diffusion.device': o.device ?? 'cpu',
    'diffusion.model.cache_hit': !o.cold,
    'diffusion.cold_start': o.cold,
    'messaging.delivery.attempt': attempt,
    ...rid,
  });
  let cursor = inferStart;
  if (o.cold) {
    const load = add('model.load', inference, 'inference-worker', 1, cursor, TIMINGS.modelLoadMs + warmupMs, {
      'diffusion.model.id': o.model ?? 'tiny-sd-32',
    });
    if (warmupMs > 0) add('model.warmup', load, 'inference-worker', 1, cursor + TIMINGS.modelLoadMs, warmupMs);
    cursor += TIMINGS.modelLoadMs + warmupMs;
  }
  add('text.encode', inference, 'inference-worker', 1, cursor, TIMINGS.textEncodeMs);
  cursor += TIMINGS.textEncodeMs;
  add('sampling', inference, 'inference-worker', 1, cursor, sampling, {
    'diffusion.sampler': o.sampler,
    'diffusion.steps': o.stepMs.length,
    'diffusion.step_durations_ms': o.stepMs,
  });
  cursor += sampling;
  add('vae.decode', inference, 'inference-worker', 1, cursor, TIMINGS.decodeMs);
  cursor += TIMINGS.decodeMs;
  add('storage.put', inference, 'inference-worker', 3, cursor, TIMINGS.storageMs);
  add('notify.webhook', inference, 'notifier', 3, cursor + 10, TIMINGS.notifyMs, { 'http.response.status_code': 200, ...rid });
  return { traceId: o.traceId, spans };
}

/** The pure comparison's input, exactly as the route builds it from stored rows. */
export function comparableOf(t: FixtureTrace): ComparableTrace {
  return {
    traceId: t.traceId,
    spans: t.spans.map((s) => ({
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      name: s.name,
      service: s.service,
      startUs: Math.round(s.startMs * 1000),
      durationUs: Math.round(s.durationMs * 1000),
      statusCode: s.status,
      attributes: { ...s.attributes },
      resource: { 'service.name': s.service, 'service.instance.id': s.instance },
    })),
  };
}

function anyValue(v: AttrValue): Record<string, unknown> {
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

const attrs = (a: Record<string, AttrValue>): { key: string; value: Record<string, unknown> }[] =>
  Object.entries(a).map(([key, v]) => ({ key, value: anyValue(v) }));
const nanos = (ms: number): string => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

/** One OTLP/JSON ExportTraceServiceRequest, a resource per (service, instance). */
export function otlpTracesPayload(traces: FixtureTrace[]): string {
  const byResource = new Map<string, FixtureSpan[]>();
  for (const s of traces.flatMap((t) => t.spans)) {
    const key = `${s.service}\u0000${s.instance}`;
    byResource.set(key, [...(byResource.get(key) ?? []), s]);
  }
  return JSON.stringify({
    resourceSpans: [...byResource.values()].map((list) => ({
      resource: {
        attributes: attrs({ 'service.name': list[0].service, 'service.instance.id': list[0].instance, 'host.name': 'test-host' }),
      },
      scopeSpans: [
        {
          scope: { name: 'compare-fixture' },
          spans: list.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId,
            name: s.name,
            kind: s.kind,
            startTimeUnixNano: nanos(s.startMs),
            endTimeUnixNano: nanos(s.startMs + s.durationMs),
            attributes: attrs(s.attributes),
            status: { code: s.status },
          })),
        },
      ],
    })),
  });
}

/** The two requests the issue names: a cold one with 20 steps and a warm one with 50, on different workers. */
export const COLD_20_TRACE_ID = 'c01d0000000000000000000000000020';
export const WARM_50_TRACE_ID = 'a4a40000000000000000000000000050';
/** The cold request's steps: a slow first step (kernel setup), then steady. Sum 48 + 19 × 31 = 637 ms. */
export const COLD_STEPS_MS = [48, ...Array.from({ length: 19 }, () => 31)];
/** The warm request's 50 steps of 30 ms: 1500 ms. */
export const WARM_STEPS_MS = Array.from({ length: 50 }, () => 30);
export const WARMUP_MS = 120;

export function coldAndWarm(baseMs: number): { cold: FixtureTrace; warm: FixtureTrace } {
  return {
    cold: generationTrace({
      traceId: COLD_20_TRACE_ID,
      startMs: baseMs,
      cold: true,
      sampler: 'euler',
      stepMs: COLD_STEPS_MS,
      worker: 'inference-worker-a',
      warmupMs: WARMUP_MS,
    }),
    warm: generationTrace({
      traceId: WARM_50_TRACE_ID,
      startMs: baseMs + 10_000,
      cold: false,
      sampler: 'ddim',
      stepMs: WARM_STEPS_MS,
      worker: 'inference-worker-b',
      attempt: 2,
    }),
  };
}
