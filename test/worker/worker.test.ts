/**
 * Worker behaviour with real parts: retries (a storage directory that cannot be written,
 * then can), dead-lettering, non-retryable failures, idempotent redelivery and hand-back on
 * shutdown.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { injectMessageHeaders, promptHash, SpanStatusCode } from '../../src/telemetry/index.js';
import { startWorker } from '../../src/worker/index.js';
import type { GenerationJob } from '../../src/generation/index.js';
import { eventually, startStack, type Stack } from '../support/serving-stack.js';
import { installTestTracing, spansOfTrace } from '../support/tracing.js';

installTestTracing();

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const create = (s: Stack, body: object) =>
  s.app.inject({ method: 'POST', url: '/v1/generations', headers: { 'content-type': 'application/json' }, payload: body });
const terminal = (s: Stack, id: string) =>
  eventually(async () => {
    const r = await s.store.get(id);
    return r && ['succeeded', 'failed', 'canceled'].includes(r.status) ? r : undefined;
  });

describe('worker', () => {
  it('retries a failed attempt (job_retry) and succeeds; both attempts are in the same trace', async () => {
    stack = await startStack({ worker: true, outputDir: (dir) => join(dir, 'blocked', 'outputs') });
    const s = stack;
    writeFileSync(join(s.dir, 'blocked'), 'a file where the output directory should be');
    const res = await create(s, { prompt: 'a red circle', steps: 2 });
    const { id, trace_id: traceId } = res.json();
    await eventually(() => s.lines.some((l) => l.event === 'job_retry' && l.request_id === id));
    rmSync(join(s.dir, 'blocked'));
    const record = await terminal(s, id);
    expect(record.status).toBe('succeeded');
    expect(record.attempts).toBe(2);
    expect(readdirSync(join(s.dir, 'blocked', 'outputs', id))).toEqual(['0.png']);
    const retry = s.lines.find((l) => l.event === 'job_retry' && l.request_id === id)!;
    expect(retry).toMatchObject({ attempt: 1, trace_id: traceId, level: 'WARN' });
    expect(retry['error.message']).toContain('could not write');
    const inference = await eventually(() => {
      const spans = spansOfTrace(traceId).filter((sp) => sp.name === 'inference');
      return spans.length === 2 ? spans : undefined;
    });
    expect(inference.map((sp) => sp.attributes['messaging.delivery.attempt']).sort()).toEqual([1, 2]);
    const failedPut = spansOfTrace(traceId).find((sp) => sp.name === 'storage.put' && sp.status.code === SpanStatusCode.ERROR);
    expect(failedPut).toBeDefined();
    const events = (await s.store.events(id)).map((e) => e.type);
    expect(events.filter((t) => t === 'started')).toHaveLength(2);
    expect(events.at(-1)).toBe('succeeded');
  });

  it('after maxAttempts the job is dead-lettered and the generation failed (request_failed, completion event)', async () => {
    stack = await startStack({
      worker: true,
      env: { DIFFSCOPE_QUEUE_MAX_ATTEMPTS: '2' },
      outputDir: (dir) => join(dir, 'blocked', 'outputs'),
    });
    const s = stack;
    writeFileSync(join(s.dir, 'blocked'), 'not a directory');
    const { id } = (await create(s, { prompt: 'a red circle', steps: 2 })).json();
    const record = await terminal(s, id);
    expect(record.status).toBe('failed');
    expect(record.error?.code).toBe('DSC_ERR_INFER_FAILED');
    expect(record.error?.message).toContain('after 2 attempts');
    expect(s.lines.filter((l) => l.event === 'job_retry' && l.request_id === id)).toHaveLength(1);
    expect(s.lines.find((l) => l.event === 'request_failed' && l.request_id === id)).toMatchObject({ level: 'ERROR', status: 'failed' });
    const dead = await s.queue.deadLetters(s.config.DIFFSCOPE_QUEUE_NAME);
    expect(dead.map((m) => m.id)).toContain(id);
    expect((await s.store.events(id)).at(-1)?.type).toBe('failed');
    expect(await s.queue.depth(`${s.config.DIFFSCOPE_QUEUE_NAME}-completions`)).toBe(1);
  });

  it('fails a non-retryable job at once (unknown model reaching the worker)', async () => {
    stack = await startStack({ worker: true });
    const s = stack;
    const id = 'req_badmodel000000000000001';
    const params = { model: 'no-such-model', sampler: 'ddim' as const, steps: 2, cfgScale: 6, seed: 1, width: 16, height: 16, n: 1 };
    await s.store.create({
      id,
      clientId: 'anonymous',
      status: 'queued',
      params,
      promptHash: promptHash('x'),
      traceId: 'a'.repeat(32),
      createdAt: Date.now(),
      attempts: 0,
      outputs: [],
      cancelRequested: false,
    });
    const job: GenerationJob = { id, clientId: 'anonymous', prompt: 'x', params, createdAt: Date.now() };
    const producer = await s.queue.producer(s.config.DIFFSCOPE_QUEUE_NAME);
    await producer.publish(id, job, injectMessageHeaders({ requestId: id }));
    const record = await terminal(s, id);
    expect(record.status).toBe('failed');
    expect(record.error?.code).toBe('DSC_ERR_MODEL_NOT_FOUND');
    expect(record.attempts).toBe(1);
    expect(s.lines.some((l) => l.event === 'job_retry' && l.request_id === id)).toBe(false);
    expect(await s.queue.deadLetters(s.config.DIFFSCOPE_QUEUE_NAME)).toEqual([]);
  });

  it('a redelivered job that already finished produces no second image or completion', async () => {
    stack = await startStack({ worker: true });
    const s = stack;
    const { id } = (await create(s, { prompt: 'a blue square', steps: 2 })).json();
    const first = await terminal(s, id);
    expect(first.status).toBe('succeeded');
    const completions = s.lines.filter((l) => l.event === 'request_complete' && l.request_id === id).length;
    // Deliver the very same job again (what at-least-once delivery may do).
    const producer = await s.queue.producer(s.config.DIFFSCOPE_QUEUE_NAME);
    const job: GenerationJob = { id, clientId: 'anonymous', prompt: 'a blue square', params: first.params, createdAt: first.createdAt };
    await producer.publish(id, job, injectMessageHeaders({ requestId: id }));
    await eventually(() => s.lines.some((l) => l.event === 'job_skipped' && l.request_id === id));
    expect(s.lines.filter((l) => l.event === 'request_complete' && l.request_id === id)).toHaveLength(completions);
    expect(readdirSync(join(s.dir, 'outputs', id))).toEqual(['0.png']);
    expect(await s.store.get(id)).toEqual(first);
  });

  it('runs DIFFSCOPE_WORKER_CONCURRENCY jobs at once', async () => {
    stack = await startStack({ worker: true, env: { DIFFSCOPE_WORKER_CONCURRENCY: '2' } });
    const s = stack;
    const ids = await Promise.all(
      [1, 2].map(async () => (await create(s, { prompt: 'a white square', steps: 150, model: 'tiny-sd' })).json().id as string),
    );
    // Both started before either finished.
    await eventually(async () => {
      const records = await Promise.all(ids.map((id) => s.store.get(id)));
      return records.every((r) => r?.status === 'running') || undefined;
    });
    for (const id of ids) expect((await terminal(s, id)).status).toBe('succeeded');
  });

  it('on shutdown hands a running job back; another worker completes it', async () => {
    stack = await startStack({ worker: true });
    const s = stack;
    const { id } = (await create(s, { prompt: 'a green circle', steps: 150, model: 'tiny-sd' })).json();
    await eventually(async () => (await s.store.events(id)).some((e) => e.type === 'progress'));
    await s.worker!.close({ graceMs: 0 });
    expect(s.lines.some((l) => l.event === 'job_handed_back' && l.request_id === id)).toBe(true);
    expect((await s.store.get(id))?.status).toBe('queued');
    const second = await startWorker({
      config: s.config,
      logger: s.logger('inference-worker'),
      queue: s.queue,
      store: s.store,
      objectStore: s.objectStore,
      pipeline: s.pipeline,
    });
    try {
      const record = await terminal(s, id);
      expect(record.status).toBe('succeeded');
      // A hand-back is not a failed attempt (the queue does not count it), but it was delivered twice.
      expect(s.lines.filter((l) => l.event === 'job_dequeued' && l.request_id === id)).toHaveLength(2);
      expect(readdirSync(join(s.dir, 'outputs', id))).toEqual(['0.png']);
    } finally {
      await second.close({ graceMs: 0 });
    }
  });
});
