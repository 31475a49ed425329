/**
 * A worker loads and warms its default model when it starts (src/worker/model-preload.ts), through
 * the inference thread as in production: its /readyz goes from 503 to 200 without any generation,
 * the load is a `model.preload` trace (`model.load`, then one warm-up step whose sessions' first
 * runs are `model.warmup`), its model_load_* lines carry that trace but no request and are valid
 * against the log catalogue, and the first generation afterwards finds the model loaded and warm.
 * A default model that cannot be loaded leaves the worker unready with a model_preload_failed line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/index.js';
import { SPAN, validateLogRecord } from '../../src/contract/index.js';
import { createThreadedInferencePipeline, type InferencePipelineExt } from '../../src/inference/index.js';
import { SqliteQueueBackend } from '../../src/queue/index.js';
import { SqliteGenerationStore } from '../../src/state/index.js';
import { LocalObjectStore } from '../../src/storage/index.js';
import { ATTR, createLogger, noopLogger, withSpan, type Logger } from '../../src/telemetry/index.js';
import { startMetricsServer, startWorker, workerReadiness, type MetricsServer, type WorkerHandle } from '../../src/worker/index.js';
import { params } from '../inference/pipeline-helpers.js';
import { FIXTURE_MODELS } from '../support/serving-stack.js';
import { installTestTracing } from '../support/tracing.js';

const exporter = installTestTracing();
const lines: Record<string, unknown>[] = [];

describe('worker preloads its default model', () => {
  let dir: string;
  let logger: Logger;
  let pipeline: InferencePipelineExt;
  let queue: SqliteQueueBackend;
  let store: SqliteGenerationStore;
  const servers: MetricsServer[] = [];
  const workers: WorkerHandle[] = [];

  const settings = (defaultModel: string): Config =>
    loadConfig({}, { DIFFSCOPE_DATA_DIR: dir, DIFFSCOPE_MODELS_DIR: FIXTURE_MODELS, DIFFSCOPE_DEFAULT_MODEL: defaultModel });

  async function probe(server: MetricsServer) {
    const res = await fetch(`${server.url}/readyz`);
    return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
  }

  async function worker(config: Config): Promise<WorkerHandle> {
    const objectStore = new LocalObjectStore({ outputDir: join(dir, 'outputs') });
    const handle = await startWorker({ config, logger, queue, store, objectStore, pipeline });
    workers.push(handle);
    return handle;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'diffscope-preload-'));
    logger = createLogger({
      service: 'inference-worker',
      level: 'debug',
      destination: { write: (s: string) => void lines.push(JSON.parse(s)) },
    });
    pipeline = await createThreadedInferencePipeline({ modelsDir: FIXTURE_MODELS, logger });
    queue = new SqliteQueueBackend({ file: join(dir, 'queue.sqlite') });
    store = new SqliteGenerationStore({ file: join(dir, 'state.sqlite') });
  });
  afterAll(async () => {
    for (const w of workers) await w.close({ graceMs: 1_000 });
    for (const s of servers) await s.close();
    await queue?.close();
    await store?.close();
    await pipeline?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('/readyz turns 200 once the default model is loaded and warm, without any generation', async () => {
    const config = settings('tiny-sd');
    expect(config.DIFFSCOPE_WORKER_PRELOAD).toBe(true);
    const server = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      logger: noopLogger,
      readiness: workerReadiness(config, queue, store, pipeline),
    });
    servers.push(server);
    expect(await probe(server)).toEqual({
      status: 503,
      body: { status: 'unavailable', checks: { model: 'error: default model tiny-sd is not loaded yet', queue: 'ok', store: 'ok' } },
    });

    const handle = await worker(config);
    await handle.preloaded;
    expect(await probe(server)).toEqual({ status: 200, body: { status: 'ready', checks: { model: 'ok', queue: 'ok', store: 'ok' } } });
    // No generation ran: nothing was queued, dequeued or sampled for a request.
    expect(await queue.depth(config.DIFFSCOPE_QUEUE_NAME)).toBe(0);
    expect(lines.filter((l) => ['job_dequeued', 'inference_start', 'inference_complete'].includes(String(l.event)))).toEqual([]);
    expect(pipeline.loadedModels()).toEqual([expect.stringMatching(/^tiny-sd@/)]);
  });

  it('the preload is one trace: model.preload, its model.load and the warm-up runs of every session', () => {
    const spans = exporter.getFinishedSpans();
    const roots = spans.filter((s) => s.name === SPAN.MODEL_PRELOAD);
    expect(roots).toHaveLength(1);
    const root = roots[0];
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.attributes[ATTR.DIFFUSION_MODEL_ID]).toBe('tiny-sd');
    const traceId = root.spanContext().traceId;
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
    const children = inTrace.filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId).map((s) => s.name);
    expect(children).toEqual([SPAN.MODEL_LOAD, SPAN.TEXT_ENCODE, SPAN.SAMPLING, SPAN.VAE_DECODE]);
    // tiny-sd has three sessions: each ran once inside the phase that used it.
    const byId = new Map(inTrace.map((s) => [s.spanContext().spanId, s]));
    const warmups = inTrace.filter((s) => s.name === SPAN.MODEL_WARMUP).map((s) => byId.get(s.parentSpanContext!.spanId)!.name);
    expect(warmups.sort()).toEqual([SPAN.SAMPLING, SPAN.TEXT_ENCODE, SPAN.VAE_DECODE].sort());
    expect(inTrace.some((s) => s.name === SPAN.INFERENCE)).toBe(false);
  });

  it('its model_load_* lines carry the preload trace and no request, valid against the catalogue', () => {
    const root = exporter.getFinishedSpans().find((s) => s.name === SPAN.MODEL_PRELOAD)!;
    const load = lines.filter((l) => String(l.event).startsWith('model_load_'));
    expect(load.map((l) => l.event)).toEqual(['model_load_start', 'model_load_complete']);
    for (const line of load) {
      expect(line).toMatchObject({ model_id: 'tiny-sd', trace_id: root.spanContext().traceId });
      expect(line.request_id).toBeUndefined();
      expect(validateLogRecord(line)).toEqual([]);
    }
  });

  it('the first generation afterwards finds the model loaded and warm', async () => {
    const { traceId, result } = await withSpan(SPAN.INFERENCE, {}, async (span) => ({
      traceId: span.spanContext().traceId,
      result: await pipeline.generate({ prompt: 'a red circle', params: params({ steps: 2 }) }),
    }));
    expect(result.coldStart).toBe(false);
    const names = exporter
      .getFinishedSpans()
      .filter((s) => s.spanContext().traceId === traceId)
      .map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining([SPAN.TEXT_ENCODE, SPAN.SAMPLING, SPAN.VAE_DECODE]));
    expect(names).not.toContain(SPAN.MODEL_LOAD);
    expect(names).not.toContain(SPAN.MODEL_WARMUP);
  });

  it('a default model that cannot be loaded: model_preload_failed, and /readyz stays 503', async () => {
    const config = settings('no-such-model');
    const server = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      logger: noopLogger,
      readiness: workerReadiness(config, queue, store, pipeline),
    });
    servers.push(server);
    const handle = await worker(config);
    await handle.preloaded;
    const failed = lines.filter((l) => l.event === 'model_preload_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 'WARN', model_id: 'no-such-model', 'error.code': 'DSC_ERR_MODEL_NOT_FOUND' });
    expect(validateLogRecord(failed[0])).toEqual([]);
    const ready = await probe(server);
    expect(ready.status).toBe(503);
    expect(ready.body.checks.model).toBe('error: default model no-such-model is not loaded yet');
  });
});
