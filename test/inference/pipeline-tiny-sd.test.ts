/**
 * The SD-shaped path end to end on the random-weight tiny models (tools/tiny-sd/make_tiny_sd.py):
 * CLIP BPE tokenizer, text encoder, UNet with and without the CFG batch, VAE decoder, PNG —
 * for the int32/float32 export, the int64 + external-data export and a pixel-space model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInferencePipeline, SAMPLER_NAMES, type InferencePipelineExt } from '../../src/inference/index.js';
import { FIXTURE_MODELS, params, readPng } from './pipeline-helpers.js';

let pipeline: InferencePipelineExt;

beforeAll(async () => {
  pipeline = await createInferencePipeline({ modelsDir: FIXTURE_MODELS, session: { intraOpNumThreads: 1 } });
});
afterAll(async () => {
  await pipeline.close();
});

describe('registry', () => {
  it('lists every model folder with kind, sizes and a content version', () => {
    const models = Object.fromEntries(pipeline.listModels().map((m) => [m.id, m]));
    expect(Object.keys(models).sort()).toEqual(['tiny-pixel', 'tiny-sd', 'tiny-sd-int64']);
    expect(models['tiny-sd']).toMatchObject({ kind: 'latent', defaultWidth: 64, defaultHeight: 64, sizes: { min: 64, multipleOf: 64 } });
    expect(models['tiny-pixel']).toMatchObject({ kind: 'pixel', defaultWidth: 16, sizes: { min: 16, max: 16 } });
    for (const m of Object.values(models)) expect(m.version).toMatch(/^[0-9a-f]{12}$/);
    expect(models['tiny-sd'].version).not.toBe(models['tiny-sd-int64'].version);
  });
});

describe.each(['tiny-sd', 'tiny-sd-int64'])('%s end to end', (model) => {
  it.each(SAMPLER_NAMES.flatMap((sampler) => [7.5, 1].map((cfgScale) => ({ sampler, cfgScale }))))(
    '$sampler, cfg $cfgScale → n PNGs of the requested size, one progress call per step',
    async ({ sampler, cfgScale }) => {
      const progress: number[] = [];
      const result = await pipeline.generate({
        prompt: 'a red circle on the left',
        negativePrompt: cfgScale > 1 ? 'blue square' : undefined,
        params: params({ model, sampler, cfgScale, steps: 3, n: 2, seed: 11 }),
        onProgress: (p) => {
          expect(p.totalSteps).toBe(3);
          progress.push(p.step);
        },
      });
      expect(progress).toEqual([1, 2, 3]);
      expect(result.images).toHaveLength(2);
      expect(result.images.map((i) => i.seed)).toEqual([11, 12]);
      for (const image of result.images) {
        const png = readPng(image.png);
        expect([png.width, png.height]).toEqual([64, 64]);
        // random weights still give a non-constant image
        expect(new Set(png.data).size).toBeGreaterThan(10);
      }
      expect(result.modelId).toBe(model);
      expect(result.timings.stepMs).toHaveLength(3);
      expect(result.device).toBe('cpu');
      expect(result.peakMemoryMb).toBeGreaterThan(0);
      expect(result.peakGpuMemoryMb).toBeUndefined();
    },
  );
});

describe('pixel-space model (no VAE, tokenizer.json WordLevel)', () => {
  it.each(SAMPLER_NAMES)('%s generates 16×16 images', async (sampler) => {
    const result = await pipeline.generate({
      prompt: 'a large red circle',
      params: params({ model: 'tiny-pixel', sampler, width: 16, height: 16, steps: 4, cfgScale: 3, n: 2 }),
    });
    expect(result.images.map((i) => [readPng(i.png).width, readPng(i.png).height])).toEqual([
      [16, 16],
      [16, 16],
    ]);
  });
});

describe('determinism', () => {
  it('same seed and params → bit-identical PNGs, run after run', async () => {
    for (const model of ['tiny-sd', 'tiny-pixel']) {
      const size = model === 'tiny-pixel' ? 16 : 64;
      const p = params({ model, sampler: 'euler_a', seed: 1234, width: size, height: size, n: 2 });
      const a = await pipeline.generate({ prompt: 'a blue square', params: p });
      const b = await pipeline.generate({ prompt: 'a blue square', params: p });
      expect(Buffer.compare(a.images[0].png, b.images[0].png)).toBe(0);
      expect(Buffer.compare(a.images[1].png, b.images[1].png)).toBe(0);
      expect(Buffer.compare(a.images[0].png, a.images[1].png)).not.toBe(0);
    }
  });

  it('image k of n equals the single image of seed + k (stochastic sampler included)', async () => {
    const batch = await pipeline.generate({ prompt: 'a red circle', params: params({ sampler: 'euler_a', seed: 500, n: 3 }) });
    const single = await pipeline.generate({ prompt: 'a red circle', params: params({ sampler: 'euler_a', seed: 502, n: 1 }) });
    expect(Buffer.compare(batch.images[2].png, single.images[0].png)).toBe(0);
  });

  it('a different seed or prompt changes the image', async () => {
    const a = await pipeline.generate({ prompt: 'a red circle', params: params({ seed: 1 }) });
    const b = await pipeline.generate({ prompt: 'a red circle', params: params({ seed: 2 }) });
    const c = await pipeline.generate({ prompt: 'a blue square', params: params({ seed: 1 }) });
    expect(Buffer.compare(a.images[0].png, b.images[0].png)).not.toBe(0);
    expect(Buffer.compare(a.images[0].png, c.images[0].png)).not.toBe(0);
  });
});
