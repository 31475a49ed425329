/**
 * The worker's batcher in front of the real in-process pipeline (tiny SD fixture): which requests
 * share a batch, what a lone or canceled-while-waiting request gets, and the spans it draws.
 * Groups are made full (DIFFSCOPE_BATCH_MAX images) or their window is long, so no assertion
 * depends on timing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ATTR, SPAN } from '../../src/contract/index.js';
import { createInferencePipeline, type GenerateRequest, type InferencePipelineExt } from '../../src/inference/index.js';
import { noopLogger, runWithRequestScope, withSpan } from '../../src/telemetry/index.js';
import { Batcher } from '../../src/worker/batching/batcher.js';
import { BatchGroups } from '../../src/worker/batching/batch-groups.js';
import { FIXTURE_MODELS, params } from '../inference/pipeline-helpers.js';
import { installTestTracing } from '../support/tracing.js';

const exporter = installTestTracing();
let pipeline: InferencePipelineExt;
beforeAll(async () => {
  pipeline = await createInferencePipeline({ modelsDir: FIXTURE_MODELS, session: { intraOpNumThreads: 1 } });
});
afterAll(async () => {
  await pipeline.close();
});
beforeEach(() => exporter.reset());

/** generate() as the worker calls it: inside the request's scope and its `inference` span. */
function submit(batcher: Batcher, requestId: string, request: GenerateRequest) {
  return runWithRequestScope({ requestId }, () =>
    withSpan('inference', {}, async (span) => ({ result: await batcher.generate(request), traceId: span.spanContext().traceId })),
  );
}

const shared = { sampler: 'ddim' as const, steps: 3 };

describe('BatchGroups', () => {
  it('groups by key up to the image budget; a full group is ready; removal empties a group', () => {
    const groups = new BatchGroups<{ key: string; images: number }>(3);
    const a = { key: 'k', images: 2 };
    const b = { key: 'k', images: 1 };
    const c = { key: 'other', images: 1 };
    const d = { key: 'k', images: 1 };
    expect(groups.add(a, 0).ready).toBe(false);
    expect(groups.add(c, 1).members).toEqual([c]);
    const full = groups.add(b, 2);
    expect(full.members).toEqual([a, b]);
    expect(full.ready).toBe(true);
    expect(groups.add(d, 3).members).toEqual([d]);
    expect(groups.takeReady()?.members).toEqual([a, b]);
    expect(groups.takeReady()).toBeUndefined();
    expect(groups.remove(c)).toBe(true);
    expect(groups.remove(c)).toBe(false);
    expect(groups.size).toBe(1);
  });
});

describe('Batcher', () => {
  it('compatible requests within the window share one batch span, linked both ways', async () => {
    const batcher = new Batcher(pipeline, { maxImages: 3, windowMs: 60_000, logger: noopLogger });
    const runs = await Promise.all([
      submit(batcher, 'req_a', { prompt: 'a', params: params({ ...shared, seed: 1 }) }),
      submit(batcher, 'req_b', { prompt: 'b', params: params({ ...shared, seed: 2, n: 2 }) }),
    ]);
    expect(runs.map((r) => r.result.images.map((i) => i.seed))).toEqual([[1], [2, 3]]);
    // A member's result comes as soon as its images are decoded; the batch span ends after the last.
    const batches = await vi.waitFor(() => {
      const found = exporter.getFinishedSpans().filter((s) => s.name === SPAN.BATCH);
      expect(found).toHaveLength(1);
      return found;
    });
    const spans = exporter.getFinishedSpans();
    expect(batches[0].attributes[ATTR.DIFFUSION_BATCH_REQUEST_IDS]).toEqual(['req_a', 'req_b']);
    expect(batches[0].attributes[ATTR.DIFFUSION_BATCH_TRACE_IDS]).toEqual(runs.map((r) => r.traceId));
    expect(batches[0].attributes[ATTR.DIFFUSION_BATCH_IMAGES]).toBe(3);
    for (const r of runs) {
      const inference = spans.find((s) => s.name === 'inference' && s.spanContext().traceId === r.traceId)!;
      expect(inference.links.map((l) => l.context.spanId)).toEqual([batches[0].spanContext().spanId]);
    }
  });

  it('a request alone when its window ends runs without a batch span but with its batch.wait', async () => {
    const batcher = new Batcher(pipeline, { maxImages: 4, windowMs: 1, logger: noopLogger });
    const { traceId } = await submit(batcher, 'req_alone', { prompt: 'a', params: params({ ...shared, seed: 9 }) });
    const spans = exporter.getFinishedSpans();
    expect(spans.some((s) => s.name === SPAN.BATCH)).toBe(false);
    const wait = spans.find((s) => s.name === SPAN.BATCH_WAIT && s.spanContext().traceId === traceId)!;
    expect(wait.attributes[ATTR.DIFFUSION_BATCH_SIZE]).toBe(1);
    expect(spans.filter((s) => s.spanContext().traceId === traceId).map((s) => s.name)).toEqual(
      expect.arrayContaining(['sampling', 'vae.decode']),
    );
  });

  it('canceled while waiting: rejects at once and leaves its group; incompatible requests never share', async () => {
    const batcher = new Batcher(pipeline, { maxImages: 2, windowMs: 60_000, logger: noopLogger });
    const waiting = new AbortController();
    const canceled = submit(batcher, 'req_gone', { prompt: 'x', params: params({ ...shared, seed: 5 }), signal: waiting.signal });
    waiting.abort();
    await expect(canceled).rejects.toMatchObject({ code: 'DSC_ERR_INFER_CANCELED' });
    // Two with other steps fill a group of their own; the first two fill theirs.
    const runs = await Promise.all([
      submit(batcher, 'req_s3a', { prompt: 'a', params: params({ ...shared, seed: 1 }) }),
      submit(batcher, 'req_s4a', { prompt: 'a', params: params({ ...shared, steps: 4, seed: 1 }) }),
      submit(batcher, 'req_s3b', { prompt: 'b', params: params({ ...shared, seed: 2 }) }),
      submit(batcher, 'req_s4b', { prompt: 'b', params: params({ ...shared, steps: 4, seed: 2 }) }),
    ]);
    expect(runs.map((r) => r.result.timings.stepMs.length)).toEqual([3, 4, 3, 4]);
    const batches = await vi.waitFor(() => {
      const found = exporter.getFinishedSpans().filter((s) => s.name === SPAN.BATCH);
      expect(found).toHaveLength(2);
      return found;
    });
    expect(batches.map((b) => b.attributes[ATTR.DIFFUSION_BATCH_REQUEST_IDS]).sort()).toEqual([
      ['req_s3a', 'req_s3b'],
      ['req_s4a', 'req_s4b'],
    ]);
  });
});
