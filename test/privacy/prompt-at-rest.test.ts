/**
 * The prompt at rest (issue 9, item 14): the raw prompt travels only in the job payload, so once
 * a generation is over (succeeded, or dead-lettered) it must be nowhere diffscope stores data.
 * For each queue backend the real all-in-one (`diffscope start`: api-server, worker, notifier,
 * explorer as OS processes, telemetry exported to the explorer) runs generations with a canary
 * prompt and negative prompt to completion and one to the dead letters (its storage made to fail),
 * then everything at rest is scanned for the canaries: every file of the data folder (queue,
 * state and explorer SQLite files with their -wal/-shm, the images), every Redis key, the
 * RabbitMQ queues (basic.get), the PostgreSQL tables. Scanned while the stack still runs
 * (the WAL is truncated shortly after the last job ended) and again after it stopped.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createQueueBackend } from '../../src/queue/index.js';
import { assertBuilt, eventually, freePort, ServiceProcess, tempDir } from '../e2e/harness.js';
import { TEST_MODELS_DIR } from '../e2e/stack.js';
import { TEST_POSTGRES_URL } from '../generation/store-targets.js';
import { AMQP_URL, probeTcp, REDIS_URL } from '../queue/servers.js';
import { listFiles, scanFiles, scanPostgres, scanRabbit, scanRedis } from './data-scan.js';

const BIN = fileURLToPath(new URL('../../bin/diffscope.mjs', import.meta.url));
const CANARY = `canary-${randomUUID()}`;
const NEGATIVE_CANARY = `negcanary-${randomUUID()}`;

interface Backend {
  name: string;
  env: Record<string, string>;
  servers: Array<[string, number]>;
}

const BACKENDS: Backend[] = [
  { name: 'sqlite', env: {}, servers: [] },
  {
    name: 'redis (BullMQ + Redis state)',
    env: { DIFFSCOPE_QUEUE: 'redis', DIFFSCOPE_STATE: 'redis', DIFFSCOPE_REDIS_URL: REDIS_URL },
    servers: [[REDIS_URL, 6379]],
  },
  {
    name: 'rabbitmq (+ PostgreSQL state)',
    env: {
      DIFFSCOPE_QUEUE: 'rabbitmq',
      DIFFSCOPE_AMQP_URL: AMQP_URL,
      DIFFSCOPE_STATE: 'postgres',
      DIFFSCOPE_POSTGRES_URL: TEST_POSTGRES_URL,
    },
    servers: [
      [AMQP_URL, 5672],
      [TEST_POSTGRES_URL, 5432],
    ],
  },
];

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
}, 60_000);

async function everythingAtRest(backend: Backend, dataDir: string, queueName: string): Promise<string[]> {
  const hits: string[] = [];
  for (const needle of [CANARY, NEGATIVE_CANARY]) {
    hits.push(...scanFiles(dataDir, needle).map((f) => `file ${f}`));
    if (backend.env.DIFFSCOPE_QUEUE === 'redis' || backend.env.DIFFSCOPE_STATE === 'redis') {
      hits.push(...(await scanRedis(REDIS_URL, needle)).hits.map((k) => `redis ${k}`));
    }
    if (backend.env.DIFFSCOPE_QUEUE === 'rabbitmq') {
      const queues = [queueName, `${queueName}.dlq`, `${queueName}-completions`, `${queueName}-completions.dlq`];
      hits.push(...(await scanRabbit(AMQP_URL, queues, needle)).hits.map((q) => `rabbitmq ${q}`));
    }
    if (backend.env.DIFFSCOPE_STATE === 'postgres') {
      hits.push(
        ...(await scanPostgres(TEST_POSTGRES_URL, ['diffscope_generations', 'diffscope_generation_events'], needle)).map(
          (t) => `postgres ${t}`,
        ),
      );
    }
  }
  return hits;
}

describe.each(BACKENDS)('no canary prompt at rest after the run: $name', (backend) => {
  it('runs generations to completion and to the dead letters, then finds the prompt nowhere', async (ctx) => {
    for (const [url, port] of backend.servers) {
      const missing = await probeTcp(url, port);
      if (missing) {
        if (process.env.CI === 'true') throw new Error(`${backend.name} needs ${url}: ${missing}`);
        return ctx.skip();
      }
    }
    assertBuilt();
    const data = tempDir('diffscope-privacy-');
    cleanups.push(() => data.remove());
    const queueName = `privacy-${randomUUID().slice(0, 8)}`;
    const env = {
      DIFFSCOPE_DATA_DIR: data.path,
      DIFFSCOPE_MODELS_DIR: TEST_MODELS_DIR,
      DIFFSCOPE_DEFAULT_MODEL: 'tiny-pixel',
      DIFFSCOPE_PROMPT_HASH_SECRET: 'privacy-test-secret-0123456789',
      DIFFSCOPE_QUEUE_NAME: queueName,
      DIFFSCOPE_QUEUE_MAX_ATTEMPTS: '2',
      DIFFSCOPE_QUEUE_BACKOFF_MS: '50',
      DIFFSCOPE_QUEUE_MAX_BACKOFF_MS: '100',
      DIFFSCOPE_METRICS_PORT: String(await freePort()),
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_BLRP_SCHEDULE_DELAY: '200',
      ...backend.env,
    };
    const ports = { api: await freePort(), explorer: await freePort(), otlp: await freePort() };
    const stack = new ServiceProcess('start', env, [
      BIN,
      'start',
      '--api-port',
      String(ports.api),
      '--explorer-port',
      String(ports.explorer),
      '--otlp-port',
      String(ports.otlp),
    ]);
    cleanups.push(async () => {
      await stack.stop(30_000);
    });
    await stack.waitForEvent('stack_ready', 150_000);
    await stack.waitForEvent('worker_started', 60_000);
    await stack.waitForEvent('notifier_started', 60_000);

    const api = (p: string, init: RequestInit = {}) =>
      fetch(`http://127.0.0.1:${ports.api}${p}`, { ...init, headers: { 'content-type': 'application/json' } });
    const submit = async (n: number) => {
      const res = await api('/v1/generations', {
        method: 'POST',
        body: JSON.stringify({ prompt: `${CANARY} ${n}`, negative_prompt: NEGATIVE_CANARY, steps: 2, seed: n }),
      });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    };
    const terminal = (id: string) =>
      eventually(
        async () => {
          const body = (await (await api(`/v1/generations/${id}`)).json()) as {
            status: string;
            prompt_hash: string;
            error?: { code: string };
          };
          return ['succeeded', 'failed', 'canceled'].includes(body.status) ? body : undefined;
        },
        90_000,
        `${id} to finish`,
      );

    // To completion.
    for (const n of [1, 2]) expect((await terminal(await submit(n))).status).toBe('succeeded');

    // To the dead letters: the output folder becomes a file, so storing the image fails (retryably) on every attempt.
    const outputs = path.join(data.path, 'outputs');
    renameSync(outputs, path.join(data.path, 'outputs-kept'));
    writeFileSync(outputs, 'not a folder');
    const doomed = await terminal(await submit(3));
    expect(doomed.status).toBe('failed');
    renameSync(outputs, path.join(data.path, 'outputs-was-a-file'));
    mkdirSync(outputs);

    // The dead letter is kept, without the prompt: its hash instead.
    const queue = await createQueueBackend(loadConfig({}, env), { redisPrefix: 'diffscope' });
    try {
      const dead = await eventually(
        async () => {
          const letters = await queue.deadLetters(queueName);
          return letters.length > 0 ? letters : undefined;
        },
        30_000,
        'the dead letter',
      );
      expect(dead).toHaveLength(1);
      expect(dead[0].payload).toMatchObject({
        promptHash: doomed.prompt_hash,
        negativePromptHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(dead[0].payload).not.toHaveProperty('prompt');
      expect(dead[0].payload).not.toHaveProperty('negativePrompt');
    } finally {
      await queue.close();
    }

    // While the stack still runs: the SQLite queue's WAL is truncated shortly after the last job ended.
    const files = listFiles(data.path);
    console.info(
      `[prompt-at-rest] ${backend.name}: scanning ${files.length} files (${files.filter((f) => /-(wal|shm)$/.test(f)).join(', ') || 'no -wal/-shm'}) and the servers`,
    );
    const running = await eventually(
      async () => {
        const hits = await everythingAtRest(backend, data.path, queueName);
        return hits.length === 0 ? hits : undefined;
      },
      30_000,
      'no canary at rest while running',
    ).catch(async () => everythingAtRest(backend, data.path, queueName));
    expect(running).toEqual([]);

    expect(await stack.stop(30_000)).toBe(0);
    expect(await everythingAtRest(backend, data.path, queueName)).toEqual([]);

    if (backend.env.DIFFSCOPE_QUEUE === 'rabbitmq') {
      const config = loadConfig({}, env);
      const cleanupQueue = await createQueueBackend(config);
      await cleanupQueue.deleteQueue(queueName).catch(() => undefined);
      await cleanupQueue.deleteQueue(`${queueName}-completions`).catch(() => undefined);
      await cleanupQueue.close();
    }
  }, 300_000);
});
