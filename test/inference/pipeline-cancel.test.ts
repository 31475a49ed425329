/** Cancellation between steps: an abort during step k stops before step k + 1 runs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInferencePipeline, type InferencePipelineExt } from '../../src/inference/index.js';
import { DiffscopeError } from '../../src/errors/index.js';
import { FIXTURE_MODELS, params } from './pipeline-helpers.js';

let pipeline: InferencePipelineExt;
beforeAll(async () => {
  pipeline = await createInferencePipeline({ modelsDir: FIXTURE_MODELS });
});
afterAll(async () => {
  await pipeline.close();
});

describe('cancellation', () => {
  it('stops within one step of the abort with DSC_ERR_INFER_CANCELED', async () => {
    const controller = new AbortController();
    const steps: number[] = [];
    const run = pipeline.generate({
      prompt: 'a red circle',
      params: params({ steps: 20 }),
      signal: controller.signal,
      onProgress: ({ step }) => {
        steps.push(step);
        if (step === 3) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'DSC_ERR_INFER_CANCELED' });
    expect(steps).toEqual([1, 2, 3]);
  });

  it('an already aborted signal runs no step', async () => {
    const controller = new AbortController();
    controller.abort();
    let calls = 0;
    const err = await pipeline
      .generate({ prompt: 'x', params: params(), signal: controller.signal, onProgress: () => calls++ })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiffscopeError);
    expect((err as DiffscopeError).code).toBe('DSC_ERR_INFER_CANCELED');
    expect(calls).toBe(0);
  });

  it('the pipeline serves the next request normally', async () => {
    const result = await pipeline.generate({ prompt: 'x', params: params({ steps: 2 }) });
    expect(result.images).toHaveLength(1);
  });
});
