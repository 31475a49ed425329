/**
 * End-to-end numerics against PyTorch: tools/tiny-sd/make_tiny_sd.py runs tiny-sd's torch modules
 * through a DDIM loop written from diffusers' formulas (CFG batch, leading timesteps, VAE scaling),
 * starting from the same seeded noise (a Python port of GaussianNoise) and the same CLIP token
 * ids. The TypeScript pipeline's PNG must give the same pixels (±1 for float rounding).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInferencePipeline, GaussianNoise, type SamplerName } from '../../src/inference/index.js';
import { FIXTURE_MODELS, readPng } from './pipeline-helpers.js';

const ref = JSON.parse(readFileSync(join(FIXTURE_MODELS, 'tiny-sd-reference.json'), 'utf8')) as {
  prompt: string;
  negative_prompt: string;
  seed: number;
  steps: number;
  cfg_scale: number;
  sampler: SamplerName;
  width: number;
  height: number;
  first_noise: number[];
  rgb_base64: string;
};

describe('tiny-sd against the PyTorch reference', () => {
  it('the Python port of the noise generator gives the same stream', () => {
    const out = new Float32Array(4);
    new GaussianNoise(42).fill(out);
    expect(Array.from(out)).toEqual(ref.first_noise);
  });

  it('DDIM + CFG + VAE: same pixels as PyTorch (±1)', async () => {
    const pipeline = await createInferencePipeline({ modelsDir: FIXTURE_MODELS });
    try {
      const result = await pipeline.generate({
        prompt: ref.prompt,
        negativePrompt: ref.negative_prompt,
        params: {
          model: 'tiny-sd',
          sampler: ref.sampler,
          steps: ref.steps,
          cfgScale: ref.cfg_scale,
          seed: ref.seed,
          width: ref.width,
          height: ref.height,
          n: 1,
        },
      });
      const png = readPng(result.images[0].png);
      const want = Buffer.from(ref.rgb_base64, 'base64');
      let maxDiff = 0;
      let differing = 0;
      for (let i = 0; i < ref.width * ref.height; i++) {
        for (let c = 0; c < 3; c++) {
          const d = Math.abs(png.data[i * 4 + c] - want[i * 3 + c]);
          if (d > 0) differing++;
          maxDiff = Math.max(maxDiff, d);
        }
      }
      expect(maxDiff).toBeLessThanOrEqual(1);
      expect(differing / want.length).toBeLessThan(0.01);
    } finally {
      await pipeline.close();
    }
  });
});
