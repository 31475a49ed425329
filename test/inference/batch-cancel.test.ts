/**
 * Canceling one member of a batch (in-process pipeline, deterministic: the member's signal is
 * aborted from its own progress callback after step 2): it rejects with DSC_ERR_INFER_CANCELED
 * after 2 steps, the batch shrinks and goes on, and the other members' images are those they get
 * alone (within one 8-bit level, the bound measured in batch-equality.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInferencePipeline, type GenerateRequest, type InferencePipelineExt } from '../../src/inference/index.js';
import { context } from '../../src/telemetry/index.js';
import { FIXTURE_MODELS, params, readPng } from './pipeline-helpers.js';

let pipeline: InferencePipelineExt;
beforeAll(async () => {
  pipeline = await createInferencePipeline({ modelsDir: FIXTURE_MODELS, session: { intraOpNumThreads: 2 } });
});
afterAll(async () => {
  await pipeline.close();
});

function maxPixelDiff(a: Buffer, b: Buffer): number {
  const pa = readPng(a).data;
  const pb = readPng(b).data;
  let max = 0;
  for (let i = 0; i < pa.length; i++) max = Math.max(max, Math.abs(pa[i] - pb[i]));
  return max;
}

describe.each([
  { sampler: 'dpmpp_2m' as const, cfgScale: 7.5 },
  { sampler: 'euler_a' as const, cfgScale: 1 },
])('cancel one member ($sampler, cfg $cfgScale)', ({ sampler, cfgScale }) => {
  it('it stops after its step 2; the others finish with their unbatched images', async () => {
    const shared = { sampler, cfgScale, steps: 6 };
    const requests: GenerateRequest[] = [
      { prompt: 'a red circle', params: params({ ...shared, seed: 1, n: 1 }) },
      { prompt: 'a blue square', params: params({ ...shared, seed: 2, n: 2 }) },
      { prompt: 'a green triangle', negativePrompt: 'red', params: params({ ...shared, seed: 3, n: 1 }) },
    ];
    const victim = new AbortController();
    const victimSteps: number[] = [];
    const progress: number[][] = [[], [], []];
    const run = pipeline.generateBatch(
      requests.map((r, i) => ({
        ...r,
        context: context.active(),
        signal: i === 1 ? victim.signal : undefined,
        onProgress: (p) => {
          progress[i].push(p.step);
          if (i !== 1) return;
          victimSteps.push(p.step);
          if (p.step === 2) victim.abort();
        },
      })),
    );
    const outcomes = await Promise.allSettled(run.results);
    await run.done;
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { code: 'DSC_ERR_INFER_CANCELED' } });
    expect(victimSteps).toEqual([1, 2]);
    expect(progress[0]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(progress[2]).toEqual([1, 2, 3, 4, 5, 6]);
    for (const i of [0, 2]) {
      const outcome = outcomes[i];
      if (outcome.status !== 'fulfilled') throw outcome.reason;
      const alone = await pipeline.generate(requests[i]);
      expect(outcome.value.images.map((img) => img.seed)).toEqual(alone.images.map((img) => img.seed));
      for (let k = 0; k < alone.images.length; k++)
        expect(maxPixelDiff(outcome.value.images[k].png, alone.images[k].png)).toBeLessThanOrEqual(1);
    }
  });
});

it('a member canceled before the batch starts never runs; the others do', async () => {
  const canceled = new AbortController();
  canceled.abort();
  const shared = { sampler: 'ddim' as const, steps: 3 };
  const run = pipeline.generateBatch([
    { prompt: 'a', params: params({ ...shared, seed: 1 }), context: context.active(), signal: canceled.signal },
    { prompt: 'b', params: params({ ...shared, seed: 2 }), context: context.active() },
  ]);
  const [a, b] = await Promise.allSettled(run.results);
  await run.done;
  expect(a).toMatchObject({ status: 'rejected', reason: { code: 'DSC_ERR_INFER_CANCELED' } });
  expect(b.status).toBe('fulfilled');
});
