/**
 * Inference off the event loop, proven with a model whose UNet step takes seconds on CPU
 * (tools/onnx-model/slow-model.ts, written at test time): with a 1 s queue lease and two
 * workers a generation is delivered exactly once; /healthz and /metrics answer while a step
 * runs; SSE progress arrives step by step; a cancel lands within one step.
 * Measured latencies are printed; the bounds asserted are generous (a blocked loop shows up
 * as whole seconds).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createThreadedInferencePipeline, type InferencePipelineExt } from '../../src/inference/index.js';
import { startMetricsServer, startWorker, type MetricsServer, type WorkerHandle } from '../../src/worker/index.js';
import { writeSlowModel } from '../../tools/onnx-model/slow-model.js';
import { eventually, startStack, type Stack } from '../support/serving-stack.js';

let modelsDir: string;
let stack: Stack;
let second: { pipeline: InferencePipelineExt; worker: WorkerHandle };
let metrics: MetricsServer;
let baseUrl: string;

beforeAll(async () => {
  modelsDir = mkdtempSync(join(tmpdir(), 'diffscope-slow-'));
  writeSlowModel(join(modelsDir, 'slow'));
  const pipeline = await createThreadedInferencePipeline({ modelsDir });
  stack = await startStack({ worker: true, pipeline, leaseMs: 1_000, env: { DIFFSCOPE_DEFAULT_MODEL: 'slow' } });
  const other = await createThreadedInferencePipeline({ modelsDir });
  const worker = await startWorker({
    config: stack.config,
    logger: stack.logger('inference-worker'),
    queue: stack.queue,
    store: stack.store,
    objectStore: stack.objectStore,
    pipeline: other,
    cancelPollMs: 20,
  });
  second = { pipeline: other, worker };
  metrics = await startMetricsServer({ host: '127.0.0.1', port: 0, logger: stack.logger('inference-worker') });
  baseUrl = await stack.app.listen({ host: '127.0.0.1', port: 0 });
}, 120_000);

afterAll(async () => {
  await metrics?.close();
  await second?.worker.close({ graceMs: 0 });
  await stack?.close();
  await stack?.pipeline.close();
  await second?.pipeline.close();
  rmSync(modelsDir, { recursive: true, force: true });
});

interface SseEvent {
  type: string;
  data: Record<string, unknown>;
  receivedAt: number;
}

/** Reads the SSE stream until a terminal event; calls onEvent as each arrives. */
async function followEvents(id: string, onEvent: (e: SseEvent) => Promise<void> | void): Promise<SseEvent[]> {
  const res = await fetch(`${baseUrl}/v1/generations/${id}/events`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return events;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const type = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (!type || !data) continue;
      const event = { type, data: JSON.parse(data) as Record<string, unknown>, receivedAt: performance.now() };
      events.push(event);
      await onEvent(event);
      if (['succeeded', 'failed', 'canceled'].includes(type)) {
        await reader.cancel();
        return events;
      }
    }
  }
}

async function timed(url: string): Promise<{ ms: number; status: number; body: string }> {
  const t0 = performance.now();
  const res = await fetch(url);
  const body = await res.text();
  return { ms: performance.now() - t0, status: res.status, body };
}

const create = async (body: object): Promise<string> => {
  const res = await stack.app.inject({
    method: 'POST',
    url: '/v1/generations',
    headers: { 'content-type': 'application/json' },
    payload: body,
  });
  expect(res.statusCode).toBe(202);
  return res.json().id as string;
};

describe('slow model: inference never starves the worker', () => {
  it('1 s lease, two workers: one delivery; /healthz and /metrics answer during steps; SSE progress step by step', async () => {
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const id = await create({ prompt: 'a red circle', model: 'slow', steps: 3, cfg_scale: 6 });
    const probes: { path: string; ms: number; status: number }[] = [];
    const statusAtProgress: string[] = [];
    const events = await followEvents(id, async (e) => {
      if (e.type !== 'progress') return;
      statusAtProgress.push((await stack.store.get(id))!.status);
      if (e.data.step !== 1) return;
      // Step 2 is running now (it takes seconds): probe the worker's HTTP endpoints.
      for (let i = 0; i < 3; i++) {
        for (const path of ['/healthz', '/metrics']) {
          const r = await timed(`${metrics.url}${path}`);
          probes.push({ path, ms: r.ms, status: r.status });
        }
      }
    });
    loop.disable();
    const record = await eventually(async () => {
      const r = await stack.store.get(id);
      return r?.status === 'succeeded' ? r : undefined;
    });
    const stepMs = events.filter((e) => e.type === 'progress').map((e) => e.data.step_ms as number);
    console.log(
      `[slow-model] step_ms ${stepMs.map((m) => m.toFixed(0)).join(', ')}; probe ms ${probes.map((p) => `${p.path}=${p.ms.toFixed(1)}`).join(' ')}; ` +
        `event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms`,
    );
    // Exactly one delivery although each step outlasts the lease.
    expect(record.attempts).toBe(1);
    expect(stack.lines.filter((l) => l.event === 'job_dequeued' && l.request_id === id)).toHaveLength(1);
    expect(stack.lines.some((l) => l.event === 'job_duplicate' && l.request_id === id)).toBe(false);
    // The endpoints answered during a step (a blocked loop would take a whole step: seconds).
    expect(probes).toHaveLength(6);
    for (const p of probes) {
      expect(p.status).toBe(200);
      expect(p.ms).toBeLessThan(1_000);
    }
    // Progress came one step at a time while the generation was still running.
    expect(events.filter((e) => e.type === 'progress').map((e) => e.data.step)).toEqual([1, 2, 3]);
    expect(statusAtProgress.slice(0, 2)).toEqual(['running', 'running']);
    expect(events.at(-1)!.type).toBe('succeeded');
  });

  it('a cancel lands within one step', async () => {
    const id = await create({ prompt: 'a blue square', model: 'slow', steps: 30, cfg_scale: 6 });
    let canceledAfterStep = 0;
    const events = await followEvents(id, async (e) => {
      if (e.type === 'progress' && e.data.step === 2) {
        canceledAfterStep = 2;
        const res = await stack.app.inject({ method: 'POST', url: `/v1/generations/${id}/cancel` });
        expect(res.statusCode).toBeLessThan(300);
      }
    });
    const steps = events.filter((e) => e.type === 'progress').map((e) => e.data.step as number);
    console.log(`[slow-model] cancel requested after step ${canceledAfterStep}; last step reported ${Math.max(...steps)} of 30`);
    expect(events.at(-1)!.type).toBe('canceled');
    // The step running when the cancel arrived may finish; none after it starts.
    expect(Math.max(...steps)).toBeLessThanOrEqual(canceledAfterStep + 1);
    expect((await stack.store.get(id))!.status).toBe('canceled');
  });
});
