/**
 * /healthz and /readyz of the services without an API of their own (src/worker/metrics-server.ts):
 * a worker is ready once its default model is loaded and its queue and store answer; a check
 * that fails or hangs makes it 503 with the reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createInferencePipeline, type InferencePipelineExt } from '../../src/inference/index.js';
import { SqliteQueueBackend } from '../../src/queue/index.js';
import { SqliteGenerationStore } from '../../src/state/index.js';
import { noopLogger } from '../../src/telemetry/index.js';
import { startMetricsServer, workerReadiness, type MetricsServer } from '../../src/worker/index.js';
import { FIXTURE_MODELS } from '../support/serving-stack.js';

describe('worker probes', () => {
  let dir: string;
  let pipeline: InferencePipelineExt;
  let queue: SqliteQueueBackend;
  let store: SqliteGenerationStore;
  let server: MetricsServer;
  let hung: MetricsServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'diffscope-probes-'));
    const config = loadConfig({}, { DIFFSCOPE_DATA_DIR: dir, DIFFSCOPE_MODELS_DIR: FIXTURE_MODELS, DIFFSCOPE_DEFAULT_MODEL: 'tiny-pixel' });
    pipeline = await createInferencePipeline({ modelsDir: FIXTURE_MODELS });
    queue = new SqliteQueueBackend({ file: join(dir, 'queue.sqlite') });
    store = new SqliteGenerationStore({ file: join(dir, 'state.sqlite') });
    server = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      logger: noopLogger,
      readiness: workerReadiness(config, queue, store, pipeline),
    });
    hung = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      logger: noopLogger,
      readiness: { queue: () => new Promise(() => undefined) },
    });
  });
  afterAll(async () => {
    await server?.close();
    await hung?.close();
    await queue?.close();
    await store?.close();
    await pipeline?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (base: string, path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('healthz answers at once; readyz waits for the default model', async () => {
    expect(await get(server.url, '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const before = await get(server.url, '/readyz');
    expect(before.status).toBe(503);
    expect(before.body).toEqual({
      status: 'unavailable',
      checks: { model: 'error: default model tiny-pixel is not loaded yet', queue: 'ok', store: 'ok' },
    });

    await pipeline.generate({
      prompt: 'a red square',
      params: { model: 'tiny-pixel', sampler: 'ddim', steps: 1, cfgScale: 1, seed: 1, width: 16, height: 16, n: 1 },
    });
    expect(await get(server.url, '/readyz')).toEqual({
      status: 200,
      body: { status: 'ready', checks: { model: 'ok', queue: 'ok', store: 'ok' } },
    });
  });

  it('a check that does not answer is a failed check after its deadline, not a hung probe', async () => {
    expect(await get(hung.url, '/readyz')).toEqual({
      status: 503,
      body: { status: 'unavailable', checks: { queue: 'error: no answer within 2000 ms' } },
    });
  });
});
