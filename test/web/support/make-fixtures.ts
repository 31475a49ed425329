// Writes test/fixtures/explorer/{traces,logs}.json: three generation traces (cold, warm, failed) with
// their logs, shaped exactly like the explorer API. stages.json is recorded from the real backend
// (/api/analysis/stages after loading these through OTLP). Run: npx tsx test/web/support/make-fixtures.ts
// The files are committed; rerun only when the API shape changes (then re-record from the backend).
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Tag = { key: string; type: string; value: unknown };
const outDir = fileURLToPath(new URL('../../fixtures/explorer/', import.meta.url));
const T0 = Date.parse('2026-11-25T13:50:00.000Z') * 1000;

function tag(key: string, value: unknown): Tag {
  const type = typeof value === 'boolean' ? 'bool' : typeof value === 'number' ? (Number.isInteger(value) ? 'int64' : 'float64') : 'string';
  return { key, type, value: Array.isArray(value) ? JSON.stringify(value) : value };
}

interface GenOptions {
  traceID: string;
  idBase: string;
  requestId: string;
  offsetUs: number;
  cold: boolean;
  fail: boolean;
  steps: number;
  sampler: string;
}

function generation(o: GenOptions): { trace: unknown; logs: unknown[] } {
  const id = (n: number): string => `${o.idBase}${n.toString(16).padStart(4, '0')}`;
  const t = (ms: number): number => T0 + o.offsetUs + Math.round(ms * 1000);
  const spans: unknown[] = [];
  const logs: unknown[] = [];
  const span = (
    n: number,
    parent: number | null,
    op: string,
    proc: string,
    startMs: number,
    durMs: number,
    tags: Tag[],
    extraLogs: unknown[] = [],
  ): void => {
    spans.push({
      traceID: o.traceID,
      spanID: id(n),
      operationName: op,
      references: parent === null ? [] : [{ refType: 'CHILD_OF', traceID: o.traceID, spanID: id(parent) }],
      startTime: t(startMs),
      duration: Math.round(durMs * 1000),
      tags,
      logs: extraLogs,
      processID: proc,
      warnings: null,
    });
  };
  let logN = 0;
  const log = (
    atMs: number,
    level: string,
    service: string,
    event: string,
    spanN: number,
    attrs: Record<string, unknown> = {},
    body?: string,
  ): void => {
    const us = t(atMs);
    logs.push({
      id: `${o.idBase}-${logN++}`,
      timestamp: new Date(us / 1000).toISOString(),
      time_us: us,
      level,
      service,
      event,
      trace_id: o.traceID,
      span_id: id(spanN),
      request_id: o.requestId,
      body: body ?? event,
      attributes: { instance_id: `${service}-1`, version: '0.1.0', client_id: 'cli-demo', ...attrs },
    });
  };
  const rid = tag('diffscope.request_id', o.requestId);
  span(1, null, 'POST /v1/generations', 'p1', 0, 4.2, [
    tag('span.kind', 'server'),
    tag('http.request.method', 'POST'),
    tag('http.route', '/v1/generations'),
    tag('http.response.status_code', 202),
    rid,
    tag('diffscope.client_id', 'cli-demo'),
    tag('otel.status_code', 'UNSET'),
  ]);
  log(0.2, 'INFO', 'api-server', 'request_received', 1, { method: 'POST', path: '/v1/generations', prompt_hash: '9f2c51e0a4b7' });
  span(2, 1, 'queue.publish', 'p1', 1.1, 1.8, [
    tag('span.kind', 'producer'),
    tag('messaging.system', 'redis'),
    tag('messaging.destination.name', 'generations'),
    tag('messaging.operation.type', 'publish'),
    tag('messaging.message.id', `${o.requestId}-job`),
    rid,
  ]);
  log(2.8, 'INFO', 'api-server', 'job_enqueued', 2, { queue: 'generations', job_id: `${o.requestId}-job` });
  const waitMs = o.cold ? 35.1 : 12.4;
  span(3, 2, 'queue.wait', 'p2', 2.9, waitMs, [
    tag('span.kind', 'internal'),
    tag('messaging.system', 'redis'),
    tag('messaging.destination.name', 'generations'),
    tag('messaging.delivery.attempt', 1),
    rid,
  ]);
  const cStart = 2.9 + waitMs + 0.4;
  log(cStart + 0.1, 'INFO', 'inference-worker', 'job_dequeued', 4, { queue: 'generations', wait_ms: waitMs, attempt: 1 });
  let cursor = cStart + 0.5;
  const childSpans: Array<() => void> = [];
  if (o.cold) {
    const s = cursor;
    childSpans.push(() =>
      span(5, 4, 'model.load', 'p2', s, 612.4, [
        tag('span.kind', 'internal'),
        tag('diffusion.model.id', 'tiny-sd-32'),
        tag('diffusion.device', 'cpu'),
      ]),
    );
    log(s + 0.1, 'INFO', 'inference-worker', 'model_load_start', 5, { model_id: 'tiny-sd-32', model_version: '1' });
    log(s + 612.2, 'INFO', 'inference-worker', 'model_load_complete', 5, { model_id: 'tiny-sd-32', load_ms: 612.1 });
    cursor += 612.9;
  }
  const te = cursor;
  childSpans.push(() =>
    span(6, 4, 'text.encode', 'p2', te, 31.7, [tag('span.kind', 'internal'), tag('diffusion.prompt_hash', '9f2c51e0a4b7')]),
  );
  cursor += 32.1;
  const stepDurations: number[] = [];
  for (let i = 0; i < o.steps; i++) stepDurations.push(Number(((i === 0 ? 48 : 31) + ((i * 7919) % 13) / 3).toFixed(2)));
  const samplingMs = o.fail ? stepDurations.slice(0, 7).reduce((a, b) => a + b, 0) : stepDurations.reduce((a, b) => a + b, 0);
  const sa = cursor;
  const steps = o.fail ? stepDurations.slice(0, 7) : stepDurations;
  childSpans.push(() =>
    span(
      7,
      4,
      'sampling',
      'p2',
      sa,
      samplingMs,
      [
        tag('span.kind', 'internal'),
        tag('diffusion.sampler', o.sampler),
        tag('diffusion.steps', o.steps),
        tag('diffusion.step_durations_ms', steps),
        tag('diffusion.steps_per_second', Number((steps.length / (samplingMs / 1000)).toFixed(2))),
        ...(o.fail ? [tag('error', true), tag('otel.status_code', 'ERROR'), tag('otel.status_description', 'NaN latent at step 7')] : []),
      ],
      o.fail
        ? [
            {
              timestamp: t(sa + samplingMs),
              fields: [
                tag('event', 'exception'),
                tag('exception.type', 'DiffscopeError'),
                tag('exception.message', 'DSC_ERR_INFER_NAN: NaN latent at step 7'),
              ],
            },
          ]
        : [],
    ),
  );
  cursor += samplingMs + 0.3;
  log(cStart + 0.3, 'INFO', 'inference-worker', 'inference_start', 4, {
    model_id: 'tiny-sd-32',
    sampler: o.sampler,
    steps: o.steps,
    cfg_scale: 7.5,
    seed: 42,
    width: 32,
    height: 32,
  });
  if (!o.fail) {
    const vd = cursor;
    childSpans.push(() => span(8, 4, 'vae.decode', 'p2', vd, 74.6, [tag('span.kind', 'internal')]));
    cursor += 75;
  }
  const cDur = cursor - cStart + 0.4;
  span(4, 2, 'inference', 'p2', cStart, cDur, [
    tag('span.kind', 'consumer'),
    tag('diffusion.model.id', 'tiny-sd-32'),
    tag('diffusion.model.version', '1'),
    tag('diffusion.sampler', o.sampler),
    tag('diffusion.steps', o.steps),
    tag('diffusion.cfg_scale', 7.5),
    tag('diffusion.seed', 42),
    tag('diffusion.width', 32),
    tag('diffusion.height', 32),
    tag('diffusion.n', 1),
    tag('diffusion.model.cache_hit', !o.cold),
    tag('diffusion.cold_start', o.cold),
    tag('diffusion.device', 'cpu'),
    tag('diffusion.peak_memory_mb', 412),
    tag('gen_ai.operation.name', 'image_generation'),
    tag('messaging.delivery.attempt', 1),
    rid,
    ...(o.fail ? [tag('error', true), tag('otel.status_code', 'ERROR'), tag('otel.status_description', 'DSC_ERR_INFER_NAN')] : []),
  ]);
  for (const f of childSpans) f();
  if (o.fail) {
    log(
      cStart + cDur - 0.2,
      'ERROR',
      'inference-worker',
      'request_failed',
      7,
      {
        'error.type': 'DiffscopeError',
        'error.message': 'DSC_ERR_INFER_NAN: NaN latent at step 7',
        status: 'failed',
        retryable: false,
      },
      'request_failed: DSC_ERR_INFER_NAN: NaN latent at step 7',
    );
  } else {
    log(cStart + cDur - 0.3, 'INFO', 'inference-worker', 'inference_complete', 4, {
      inference_time_ms: Number(cDur.toFixed(1)),
      peak_memory_mb: 412,
      device: 'cpu',
    });
    const dStart = cStart + cDur + 0.2;
    span(9, 4, 'storage.put', 'p2', dStart, 5.8, [
      tag('span.kind', 'client'),
      tag('diffusion.output_location', `file:///var/lib/diffscope/out/${o.requestId}-0.png`),
      tag('storage.backend', 'local'),
    ]);
    log(dStart + 5.9, 'INFO', 'inference-worker', 'result_stored', 9, {
      output_location: `file:///var/lib/diffscope/out/${o.requestId}-0.png`,
      bytes: 1843,
    });
    const eStart = dStart + 14.5;
    span(10, 4, 'notify.webhook', 'p3', eStart, 22.3, [
      tag('span.kind', 'client'),
      tag('http.request.method', 'POST'),
      tag('url.full', 'http://127.0.0.1:9911/hook'),
      tag('http.response.status_code', 200),
      rid,
    ]);
    log(eStart + 22.5, 'INFO', 'notifier', 'notification_sent', 10, { status_code: 200, attempt: 1 });
    log(eStart + 22.7, 'INFO', 'notifier', 'request_complete', 10, { status: 'succeeded', total_ms: Number((eStart + 22.7).toFixed(1)) });
  }
  const processes = {
    p1: {
      serviceName: 'api-server',
      tags: [tag('service.instance.id', 'api-server-1'), tag('service.version', '0.1.0'), tag('host.name', 'gpu-box-01')],
    },
    p2: {
      serviceName: 'inference-worker',
      tags: [tag('service.instance.id', 'inference-worker-1'), tag('service.version', '0.1.0'), tag('host.name', 'gpu-box-01')],
    },
    p3: {
      serviceName: 'notifier',
      tags: [tag('service.instance.id', 'notifier-1'), tag('service.version', '0.1.0'), tag('host.name', 'gpu-box-01')],
    },
  };
  logs.sort((a, b) => (a as { time_us: number }).time_us - (b as { time_us: number }).time_us);
  return { trace: { traceID: o.traceID, spans, processes, warnings: null }, logs };
}

const cold = generation({
  traceID: '4bf92f3577b34da6a3ce929d0e0e4736',
  idBase: '00f067aa0ba9',
  requestId: 'req_01JD7Q3C9X2W',
  offsetUs: 0,
  cold: true,
  fail: false,
  steps: 20,
  sampler: 'euler',
});
const warm = generation({
  traceID: '7d3c1b8e2a9f4e6d8c5b3a1f0e9d8c7b',
  idBase: '1a2b3c4d5e6f',
  requestId: 'req_01JD7Q4M2KQ8',
  offsetUs: 95_000_000,
  cold: false,
  fail: false,
  steps: 12,
  sampler: 'ddim',
});
const failed = generation({
  traceID: 'c0ffee00deadbeef0123456789abcdef',
  idBase: '2b3c4d5e6f70',
  requestId: 'req_01JD7Q5ZB1RX',
  offsetUs: 190_000_000,
  cold: false,
  fail: true,
  steps: 20,
  sampler: 'euler',
});

mkdirSync(outDir, { recursive: true });
const write = (name: string, value: unknown): void =>
  writeFileSync(new URL(name, `file://${outDir}`), `${JSON.stringify(value, null, 1)}\n`);
write('traces.json', { data: [cold.trace, warm.trace, failed.trace] });
write('logs.json', { data: [...cold.logs, ...warm.logs, ...failed.logs], total: cold.logs.length + warm.logs.length + failed.logs.length });
console.log(`wrote fixtures to ${outDir}`);
