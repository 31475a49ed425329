/**
 * Dynamic batching through the real worker (SQLite queue and state, local storage, the pipeline
 * in its inference thread) on a slow-ish pixel model written at test time (a step of the batch
 * takes tens of milliseconds, so a cancel lands while the batch runs):
 * - three compatible requests (different prompts and seeds) run as ONE batch; canceling one
 *   mid-batch ends it canceled while the other two finish, and their images are those of the same
 *   requests run alone (within one 8-bit level, as measured in test/inference/batch-equality);
 * - each request keeps its own trace: its own queue.wait, inference (linked to the batch span),
 *   batch.wait, copies of the stage spans and storage.put; the `batch` span is the root of a trace
 *   of its own, carries the size and the members' request and trace ids, and links to every
 *   member's `inference` span.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR, SPAN } from '../../src/contract/index.js';
import { createThreadedInferencePipeline, type InferencePipelineExt } from '../../src/inference/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { writeSlowModel } from '../../tools/onnx-model/slow-model.js';
import { eventually, startStack, type Stack } from '../support/serving-stack.js';
import { installTestTracing, spansOfTrace } from '../support/tracing.js';

const exporter = installTestTracing();
let modelsDir: string;
let pipeline: InferencePipelineExt;
let stack: Stack;
/** What the pipeline (in its thread, replayed here) logged. */
const pipelineLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  modelsDir = mkdtempSync(join(tmpdir(), 'diffscope-batch-'));
  writeSlowModel(join(modelsDir, 'slow'), { channels: 48, upscale: 2, convs: 3 });
  const logger = createLogger({
    service: 'inference-worker',
    destination: { write: (line: string) => void pipelineLines.push(JSON.parse(line)) },
  });
  pipeline = await createThreadedInferencePipeline({ modelsDir, logger });
  stack = await startStack({
    worker: true,
    pipeline,
    // The batch fills at 3 images and starts at once; the long window only keeps the three together.
    env: { DIFFSCOPE_DEFAULT_MODEL: 'slow', DIFFSCOPE_BATCH_MAX: '3', DIFFSCOPE_BATCH_WINDOW_MS: '30000' },
  });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await pipeline?.close();
  if (modelsDir) rmSync(modelsDir, { recursive: true, force: true });
});

const STEPS = 16;
const REQUESTS = [
  { prompt: 'a large red circle', seed: 3 },
  { prompt: 'a small blue square', seed: 40 },
  { prompt: 'a green triangle at the top', seed: 777 },
];

function pixels(png: Buffer): Buffer {
  return PNG.sync.read(png).data;
}

describe('dynamic batching in the worker', () => {
  it('one batch of three; cancel one mid-batch: it ends canceled, the others finish with their unbatched images; fan-in spans', async () => {
    const ids: string[] = [];
    const traceIds: string[] = [];
    for (const r of REQUESTS) {
      const res = await stack.app.inject({
        method: 'POST',
        url: '/v1/generations',
        headers: { 'content-type': 'application/json' },
        payload: { prompt: r.prompt, seed: r.seed, steps: STEPS },
      });
      expect(res.statusCode).toBe(202);
      ids.push(res.json().id);
      traceIds.push(res.json().trace_id);
    }
    const [keep1, victim, keep2] = ids as [string, string, string];

    // Cancel the middle member once the batch has run two steps for it.
    await eventually(async () => (await stack.store.events(victim)).filter((e) => e.type === 'progress').length >= 2);
    const cancel = await stack.app.inject({ method: 'POST', url: `/v1/generations/${victim}/cancel` });
    expect(cancel.statusCode).toBeLessThan(300);

    const records = await Promise.all(
      ids.map((id) =>
        eventually(async () => {
          const r = await stack.store.get(id);
          return r && ['succeeded', 'failed', 'canceled'].includes(r.status) ? r : undefined;
        }, 120_000),
      ),
    );
    expect(records.map((r) => r.status)).toEqual(['succeeded', 'canceled', 'succeeded']);
    const victimSteps = (await stack.store.events(victim)).filter((e) => e.type === 'progress').length;
    expect(victimSteps).toBeLessThan(STEPS);
    for (const id of [keep1, keep2]) {
      expect((await stack.store.events(id)).filter((e) => e.type === 'progress')).toHaveLength(STEPS);
    }

    // The survivors' images are those of the same requests run alone.
    for (const i of [0, 2]) {
      const alone = await pipeline.generate({
        prompt: REQUESTS[i].prompt,
        params: { ...records[i].params },
      });
      const stored = readFileSync(fileURLToPath(records[i].outputs[0]));
      const a = pixels(stored);
      const b = pixels(alone.images[0].png);
      let max = 0;
      for (let k = 0; k < a.length; k++) max = Math.max(max, Math.abs(a[k] - b[k]));
      expect(max).toBeLessThanOrEqual(1);
    }

    // One batch_started line for the three.
    const started = stack.lines.filter((l) => l.event === 'batch_started');
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ batch_size: 3, images: 3, model_id: 'slow' });

    // ---- traces: each member's own spans, linked to the batch span.
    const finished = () => exporter.getFinishedSpans();
    const batch = await eventually(() => finished().find((s) => s.name === SPAN.BATCH));
    expect(batch.parentSpanContext).toBeUndefined();
    expect(traceIds).not.toContain(batch.spanContext().traceId);
    expect(batch.attributes[ATTR.DIFFUSION_BATCH_SIZE]).toBe(3);
    expect(batch.attributes[ATTR.DIFFUSION_BATCH_IMAGES]).toBe(3);
    expect(batch.attributes[ATTR.DIFFUSION_BATCH_REQUEST_IDS]).toEqual(ids);
    expect(batch.attributes[ATTR.DIFFUSION_BATCH_TRACE_IDS]).toEqual(traceIds);
    // The shared work is recorded once, under the batch span.
    const batchTrace = spansOfTrace(batch.spanContext().traceId);
    expect(batchTrace.filter((s) => s.parentSpanContext?.spanId === batch.spanContext().spanId).map((s) => s.name)).toEqual(
      expect.arrayContaining(['text.encode', 'sampling', 'image.decode']),
    );

    for (let i = 0; i < ids.length; i++) {
      const spans = await eventually(() => {
        const s = spansOfTrace(traceIds[i]);
        return s.some((x) => x.name === 'inference') ? s : undefined;
      });
      const names = spans.map((s) => s.name);
      expect(names).toEqual(expect.arrayContaining(['queue.wait', 'inference', 'batch.wait', 'text.encode', 'sampling']));
      const inference = spans.find((s) => s.name === 'inference')!;
      // Member → batch link, batch → member link.
      expect(inference.links.map((l) => l.context.spanId)).toContain(batch.spanContext().spanId);
      expect(inference.attributes[ATTR.DIFFUSION_BATCH_SIZE]).toBe(3);
      expect(inference.attributes[ATTR.DIFFUSION_BATCH_INDEX]).toBe(i);
      const back = batch.links.find((l) => l.context.spanId === inference.spanContext().spanId);
      expect(back?.attributes?.[ATTR.REQUEST_ID]).toBe(ids[i]);
      // Its stage copies hang under its own inference span.
      const sampling = spans.find((s) => s.name === 'sampling')!;
      expect(sampling.parentSpanContext?.spanId).toBe(inference.spanContext().spanId);
      expect(sampling.attributes[ATTR.DIFFUSION_BATCH_SIZE]).toBe(3);
      const wait = spans.find((s) => s.name === 'batch.wait')!;
      expect(wait.parentSpanContext?.spanId).toBe(inference.spanContext().spanId);
      if (ids[i] === victim) {
        // The canceled member's copy ends where it left, with the reason; it stores nothing.
        expect(sampling.status.code).toBe(2);
        expect(sampling.attributes[ATTR.ERROR_TYPE]).toBe('DSC_ERR_INFER_CANCELED');
        expect((sampling.attributes[ATTR.DIFFUSION_STEP_DURATIONS_MS] as number[]).length).toBeLessThan(STEPS);
        expect(names).not.toContain('storage.put');
        expect(names).not.toContain('image.decode');
      } else {
        expect(sampling.status.code).not.toBe(2);
        expect(sampling.attributes[ATTR.DIFFUSION_STEP_DURATIONS_MS]).toHaveLength(STEPS);
        expect(names).toEqual(expect.arrayContaining(['image.decode', 'storage.put']));
      }
    }
    // Every member's pipeline log lines carry its own request id and trace.
    for (let i = 0; i < ids.length; i++) {
      const line = pipelineLines.find((l) => l.event === 'inference_start' && l.request_id === ids[i]);
      expect(line?.trace_id).toBe(traceIds[i]);
      const end = pipelineLines.find(
        (l) => ['inference_complete', 'inference_canceled'].includes(l.event as string) && l.request_id === ids[i],
      );
      expect(end?.event).toBe(ids[i] === victim ? 'inference_canceled' : 'inference_complete');
      expect(end?.trace_id).toBe(traceIds[i]);
    }
  }, 180_000);
});
