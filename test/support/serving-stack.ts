/**
 * In-process wiring of the serving path for tests and benchmarks: the real SQLite queue
 * and generation store in a temp dir, local object store, the real ONNX pipeline on the
 * fixture models, the api-server (Fastify instance), and optionally a worker and notifier.
 * Every JSON log line is captured in `lines`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApiServer } from '../../src/api/index.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createInferencePipeline, type InferencePipeline } from '../../src/inference/index.js';
import { startNotifier, type NotifierHandle } from '../../src/notifier/index.js';
import { SqliteQueueBackend } from '../../src/queue/index.js';
import { SqliteGenerationStore } from '../../src/state/index.js';
import { LocalObjectStore, type ObjectStore } from '../../src/storage/index.js';
import { createLogger, type Logger } from '../../src/telemetry/index.js';
import { startWorker, type WorkerHandle } from '../../src/worker/index.js';

export const FIXTURE_MODELS = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'models');

export interface StackOptions {
  env?: Record<string, string>;
  worker?: boolean;
  notifier?: boolean;
  /** Share one pipeline across stacks in a file (model loading is the slow part). */
  pipeline?: InferencePipeline;
  logLevel?: 'debug' | 'info';
  /** Where the local object store writes (default <dir>/outputs). */
  outputDir?: (dir: string) => string;
  /** Another object store (e.g. S3 against s3rver) instead of the local directory. */
  objectStore?: ObjectStore;
  /** Queue visibility timeout (default the SQLite backend's). */
  leaseMs?: number;
}

export interface Stack {
  dir: string;
  config: Config;
  app: FastifyInstance;
  queue: SqliteQueueBackend;
  store: SqliteGenerationStore;
  objectStore: ObjectStore;
  pipeline: InferencePipeline;
  worker?: WorkerHandle;
  notifier?: NotifierHandle;
  lines: Record<string, unknown>[];
  logger(service: string): Logger;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'diffscope-stack-'));
  const config = loadConfig(
    {},
    {
      DIFFSCOPE_DATA_DIR: dir,
      DIFFSCOPE_MODELS_DIR: FIXTURE_MODELS,
      DIFFSCOPE_DEFAULT_MODEL: 'tiny-pixel',
      DIFFSCOPE_PROMPT_HASH_SECRET: 'test-prompt-hash-secret-0123456789',
      DIFFSCOPE_QUEUE_BACKOFF_MS: '20',
      DIFFSCOPE_QUEUE_MAX_BACKOFF_MS: '100',
      DIFFSCOPE_LOG_LEVEL: options.logLevel ?? 'info',
      // The first generation loads its model, as these tests expect (test/worker/model-preload.test.ts preloads).
      DIFFSCOPE_WORKER_PRELOAD: 'false',
      ...options.env,
    },
  );
  const lines: Record<string, unknown>[] = [];
  const logger = (service: string) =>
    createLogger({ service, level: options.logLevel ?? 'info', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });
  const queue = new SqliteQueueBackend({ file: join(dir, 'queue.sqlite'), minPollMs: 2, maxPollMs: 20, leaseMs: options.leaseMs });
  const store = new SqliteGenerationStore({ file: join(dir, 'state.sqlite'), pollMs: 10 });
  const objectStore =
    options.objectStore ?? new LocalObjectStore({ outputDir: options.outputDir ? options.outputDir(dir) : join(dir, 'outputs') });
  const ownPipeline = !options.pipeline;
  const pipeline = options.pipeline ?? (await createInferencePipeline({ modelsDir: FIXTURE_MODELS, logger: logger('inference-worker') }));
  const app = await buildApiServer({
    config,
    logger: logger('api-server'),
    queue,
    store,
    objectStore,
    models: () => pipeline.listModels(),
    sseHeartbeatMs: 200,
    syncPollMs: 50,
  });
  await app.ready();
  const worker = options.worker
    ? await startWorker({ config, logger: logger('inference-worker'), queue, store, objectStore, pipeline, cancelPollMs: 20 })
    : undefined;
  const notifier = options.notifier
    ? await startNotifier({ config, logger: logger('notifier'), queue, store, backoffMs: 10, maxBackoffMs: 50 })
    : undefined;
  return {
    dir,
    config,
    app,
    queue,
    store,
    objectStore,
    pipeline,
    worker,
    notifier,
    lines,
    logger,
    async close() {
      await app.close();
      await worker?.close({ graceMs: 0 });
      await notifier?.close({ graceMs: 0 });
      await queue.close();
      await store.close();
      if (ownPipeline) await pipeline.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Poll until `fn` returns a truthy value (no timing assertions: just a bounded wait). */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
