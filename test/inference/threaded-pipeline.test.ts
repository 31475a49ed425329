/**
 * The pipeline in a worker thread behaves like the in-process one: same images, the same span
 * tree under the caller's `inference` span (replayed with the thread's timings), log lines with
 * the request's trace context, coded errors, the model cache kept in the thread, and a cancel
 * that lands between steps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInferencePipeline, createThreadedInferencePipeline, type InferencePipelineExt } from '../../src/inference/index.js';
import { ATTR, createLogger, runWithRequestScope, withSpan } from '../../src/telemetry/index.js';
import { installTestTracing } from '../support/tracing.js';
import { FIXTURE_MODELS, params } from './pipeline-helpers.js';

const exporter = installTestTracing();
const lines: Record<string, unknown>[] = [];
let threaded: InferencePipelineExt;
let inProcess: InferencePipelineExt;

beforeAll(async () => {
  const logger = createLogger({
    service: 'inference-worker',
    level: 'debug',
    destination: { write: (s: string) => lines.push(JSON.parse(s)) },
  });
  threaded = await createThreadedInferencePipeline({ modelsDir: FIXTURE_MODELS, logger });
  inProcess = await createInferencePipeline({ modelsDir: FIXTURE_MODELS });
});
afterAll(async () => {
  await threaded?.close();
  await inProcess?.close();
});

describe('threaded inference pipeline', () => {
  it('lists models synchronously and makes the same image as the in-process pipeline', async () => {
    expect(
      threaded
        .listModels()
        .map((m) => m.id)
        .sort(),
    ).toEqual(
      inProcess
        .listModels()
        .map((m) => m.id)
        .sort(),
    );
    const request = { prompt: 'a red circle', params: params({ steps: 4 }) };
    const [a, b] = [await threaded.generate(request), await inProcess.generate(request)];
    expect(Buffer.isBuffer(a.images[0].png)).toBe(true);
    expect(a.images[0].png.equals(b.images[0].png)).toBe(true);
    expect(a.timings.stepMs).toHaveLength(4);
    expect(threaded.loadedModels()).toEqual([`tiny-sd@${a.modelVersion}`]);
  });

  it('spans: model cache hit in the thread, phases under the caller span with real timings; logs carry its trace', async () => {
    exporter.reset();
    lines.length = 0;
    const progress: number[] = [];
    const { traceId, spanId } = await runWithRequestScope({ requestId: 'req_thread_test' }, () =>
      withSpan('inference', {}, async (span) => {
        await threaded.generate({ prompt: 'a blue square', params: params({ steps: 3 }), onProgress: (p) => progress.push(p.step) });
        return span.spanContext();
      }),
    );
    expect(progress).toEqual([1, 2, 3]);
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const parent = spans.find((s) => s.name === 'inference')!;
    const kids = spans.filter((s) => s.parentSpanContext?.spanId === spanId);
    expect(kids.map((s) => s.name)).toEqual(['text.encode', 'sampling', 'vae.decode']);
    expect(parent.attributes[ATTR.DIFFUSION_CACHE_HIT]).toBe(true);
    expect(parent.attributes[ATTR.DIFFUSION_MODEL_ID]).toBe('tiny-sd');
    const sampling = kids.find((s) => s.name === 'sampling')!;
    expect(sampling.attributes[ATTR.DIFFUSION_STEP_DURATIONS_MS]).toHaveLength(3);
    // Children lie inside the parent and in order.
    const t = (hr: [number, number]) => hr[0] * 1e3 + hr[1] / 1e6;
    for (const k of kids) {
      expect(t(k.startTime)).toBeGreaterThanOrEqual(t(parent.startTime) - 1);
      expect(t(k.endTime)).toBeLessThanOrEqual(t(parent.endTime) + 1);
    }
    expect(t(kids[0].endTime)).toBeLessThanOrEqual(t(kids[1].startTime) + 1);
    const complete = lines.find((l) => l.event === 'inference_complete')!;
    expect(complete).toMatchObject({
      trace_id: traceId,
      span_id: spanId,
      request_id: 'req_thread_test',
      model_id: 'tiny-sd',
      status: 'success',
    });
    const step = lines.find((l) => l.event === 'sampling_step')!;
    expect(step).toMatchObject({ trace_id: traceId, span_id: sampling.spanContext().spanId });
    expect(JSON.stringify(lines)).not.toContain('a blue square');
  });

  it('errors keep their code and field', async () => {
    await expect(threaded.generate({ prompt: 'x', params: params({ model: 'no-such-model' }) })).rejects.toMatchObject({
      code: 'DSC_ERR_MODEL_NOT_FOUND',
    });
    await expect(threaded.generate({ prompt: 'x', params: params({ width: 65 }) })).rejects.toMatchObject({
      code: 'DSC_ERR_INFER_BAD_SIZE',
      field: 'width',
    });
  });

  // Tiny-model steps take ~1 ms, so the thread runs ahead of the progress messages: here we check
  // that an abort stops the run; test/worker/slow-model-*.test.ts checks "within one step" on
  // steps that take seconds.
  it('an abort during sampling stops the run with DSC_ERR_INFER_CANCELED; an aborted signal never starts', async () => {
    const controller = new AbortController();
    const steps: number[] = [];
    const run = threaded.generate({
      prompt: 'a green circle',
      params: params({ steps: 150 }),
      signal: controller.signal,
      onProgress: (p) => {
        steps.push(p.step);
        if (p.step === 2) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'DSC_ERR_INFER_CANCELED' });
    expect(Math.max(...steps)).toBeLessThan(150);
    const none: number[] = [];
    await expect(
      threaded.generate({ prompt: 'x', params: params(), signal: AbortSignal.abort(), onProgress: (p) => none.push(p.step) }),
    ).rejects.toMatchObject({
      code: 'DSC_ERR_INFER_CANCELED',
    });
    expect(none).toEqual([]);
  });

  it('describeModel and refreshModels answer through the thread', async () => {
    expect((await threaded.describeModel('tiny-sd')).kind).toBe('latent');
    expect((await threaded.refreshModels()).length).toBe(threaded.listModels().length);
  });
});
