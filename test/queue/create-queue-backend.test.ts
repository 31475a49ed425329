import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { consumerOptionsFromConfig, createQueueBackend } from '../../src/queue/index.js';
import { AMQP_URL, probeTcp, REDIS_URL } from './servers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dsc-queue-factory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const redisDown = await probeTcp(REDIS_URL, 6379);
const amqpDown = await probeTcp(AMQP_URL, 5672);

describe('createQueueBackend', () => {
  it('defaults to the embedded SQLite queue in the data dir', async () => {
    const backend = await createQueueBackend(loadConfig({ DIFFSCOPE_DATA_DIR: dir }));
    expect(backend.kind).toBe('sqlite');
    expect(existsSync(path.join(dir, 'queue.sqlite'))).toBe(true);
    await backend.close();
  });

  it.skipIf(redisDown !== null && process.env.CI !== 'true')('picks BullMQ for DIFFSCOPE_QUEUE=redis', async () => {
    const backend = await createQueueBackend(loadConfig({ DIFFSCOPE_QUEUE: 'redis', DIFFSCOPE_REDIS_URL: REDIS_URL }));
    expect(backend.kind).toBe('redis');
    await backend.close();
  });

  it.skipIf(amqpDown !== null && process.env.CI !== 'true')('picks amqplib for DIFFSCOPE_QUEUE=rabbitmq', async () => {
    const backend = await createQueueBackend(loadConfig({ DIFFSCOPE_QUEUE: 'rabbitmq', DIFFSCOPE_AMQP_URL: AMQP_URL }));
    expect(backend.kind).toBe('rabbitmq');
    await backend.close();
  });

  it('derives consumer options from the DIFFSCOPE_QUEUE_* settings', () => {
    const config = loadConfig({
      DIFFSCOPE_QUEUE_MAX_ATTEMPTS: '4',
      DIFFSCOPE_QUEUE_BACKOFF_MS: '250',
      DIFFSCOPE_QUEUE_MAX_BACKOFF_MS: '2000',
    });
    expect(consumerOptionsFromConfig(config, 3)).toEqual({ concurrency: 3, maxAttempts: 4, backoffMs: 250, maxBackoffMs: 2000 });
  });
});
