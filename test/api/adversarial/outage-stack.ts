/**
 * An api-server (listening), a worker and a notifier built from the configuration by the real
 * factories (createQueueBackend, createGenerationStore), so the deadlines under test are the
 * configured ones; and the probes the outage tests take: time to an answer, status, code, the
 * terminal events and the completions still owed. The notifier's reconciler runs every 500 ms with
 * a 2 s grace period, so a completion an outage kept from being published goes out soon after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApiServer } from '../../../src/api/index.js';
import { loadConfig, type Config } from '../../../src/config/index.js';
import { isTerminal, type GenerationStore } from '../../../src/generation/index.js';
import { createInferencePipeline, type InferencePipeline } from '../../../src/inference/index.js';
import { createQueueBackend, type QueueBackend } from '../../../src/queue/index.js';
import { createGenerationStore } from '../../../src/state/index.js';
import { LocalObjectStore } from '../../../src/storage/index.js';
import { startNotifier, type NotifierHandle } from '../../../src/notifier/index.js';
import { createLogger } from '../../../src/telemetry/index.js';
import { startWorker, type WorkerHandle } from '../../../src/worker/index.js';
import { FIXTURE_MODELS } from '../../support/serving-stack.js';
import { rawRequest } from './net-support.js';

export interface OutageStack {
  config: Config;
  port: number;
  store: GenerationStore;
  queue: QueueBackend;
  lines: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startOutageStack(env: Record<string, string>): Promise<OutageStack> {
  const dir = mkdtempSync(join(tmpdir(), 'dsc-outage-'));
  const config = loadConfig(
    {},
    {
      DIFFSCOPE_DATA_DIR: dir,
      DIFFSCOPE_MODELS_DIR: FIXTURE_MODELS,
      DIFFSCOPE_DEFAULT_MODEL: 'tiny-pixel',
      DIFFSCOPE_PROMPT_HASH_SECRET: 'test-prompt-hash-secret-0123456789',
      // A retry budget that outlasts the outage: accepted work is retried, not dead-lettered.
      DIFFSCOPE_QUEUE_MAX_ATTEMPTS: '30',
      DIFFSCOPE_QUEUE_BACKOFF_MS: '300',
      DIFFSCOPE_QUEUE_MAX_BACKOFF_MS: '1000',
      DIFFSCOPE_QUEUE_LEASE_MS: '3000',
      DIFFSCOPE_RECONCILE_INTERVAL_MS: '500',
      DIFFSCOPE_RECONCILE_GRACE_MS: '2000',
      ...env,
    },
  );
  const lines: Record<string, unknown>[] = [];
  const logger = (service: string) =>
    createLogger({ service, level: 'info', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });
  const queue = await createQueueBackend(config, { redisPrefix: `dsc-outage-${process.pid}` });
  const store = await createGenerationStore(config);
  const objectStore = new LocalObjectStore({ outputDir: join(dir, 'outputs') });
  const pipeline: InferencePipeline = await createInferencePipeline({ modelsDir: FIXTURE_MODELS, logger: logger('inference-worker') });
  const app = await buildApiServer({
    config,
    logger: logger('api-server'),
    queue,
    store,
    objectStore,
    models: () => pipeline.listModels(),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const worker: WorkerHandle = await startWorker({
    config,
    logger: logger('inference-worker'),
    queue,
    store,
    objectStore,
    pipeline,
    cancelPollMs: 50,
  });
  const notifier: NotifierHandle = await startNotifier({ config, logger: logger('notifier'), queue, store });
  return {
    config,
    port: (app.server.address() as { port: number }).port,
    store,
    queue,
    lines,
    async close() {
      await app.close();
      await worker.close({ graceMs: 0 });
      await notifier.close({ graceMs: 0 });
      await queue.close();
      await store.close();
      await pipeline.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Probe {
  status: number;
  ms: number;
  code?: string;
  retryAfter?: string;
  id?: string;
}

/** One request over a fresh socket; the test's own 15 s cap turns a hang into a failed probe. */
export async function probe(port: number, method: 'GET' | 'POST', path: string, steps = 3): Promise<Probe> {
  const body = method === 'POST' ? JSON.stringify({ prompt: 'a red circle', steps }) : '';
  const started = Date.now();
  const hang = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`${method} ${path}: no answer within 15 s`)), 15_000).unref(),
  );
  const res = await Promise.race([
    rawRequest(
      port,
      [
        `${method} ${path} HTTP/1.1`,
        'host: 127.0.0.1',
        ...(body ? ['content-type: application/json', `content-length: ${body.length}`] : []),
      ],
      body,
    ),
    hang,
  ]);
  let code: string | undefined;
  let id: string | undefined;
  try {
    const parsed = JSON.parse(res.body) as { error?: { code: string }; id?: string };
    code = parsed.error?.code;
    id = parsed.id;
  } catch {
    // /metrics is not JSON
  }
  // The request id is the generation id, refused or not.
  return {
    status: res.status,
    ms: Date.now() - started,
    code,
    retryAfter: res.headers['retry-after'],
    id: id ?? res.headers['x-request-id'],
  };
}

/** Every id's terminal events (exactly one each when nothing was lost or duplicated). */
export async function terminalCounts(store: GenerationStore, ids: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const id of ids) {
    const events = await store.events(id, 0);
    counts.set(id, events.filter((e) => isTerminal(e.type)).length);
  }
  return counts;
}

/** The ids whose completion message is still owed (the outbox; src/generation/completion-outbox.ts). */
export async function owedCompletions(store: GenerationStore, ids: string[]): Promise<string[]> {
  const owed = new Set((await store.listPendingCompletions({ finishedBefore: Number.MAX_SAFE_INTEGER, limit: 10_000 })).map((r) => r.id));
  return ids.filter((id) => owed.has(id));
}

/** How many lines of `event` the services wrote about these generations. */
export function countLines(stack: Pick<OutageStack, 'lines'>, event: string, ids: string[]): number {
  return stack.lines.filter((l) => l.event === event && ids.includes(String(l.request_id))).length;
}

export async function allTerminal(store: GenerationStore, ids: string[]): Promise<boolean> {
  for (const id of ids) {
    const record = await store.get(id).catch(() => null);
    if (!record || !isTerminal(record.status)) return false;
  }
  return true;
}
