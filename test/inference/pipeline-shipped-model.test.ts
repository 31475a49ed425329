/**
 * The shipped default model (models/shapes-v1) runs through the same pipeline: pixel-space, no
 * VAE, WordLevel tokenizer.json, DDIM with use_clipped_model_output. Whether it draws what it is
 * told is measured by the model's own evaluation (test/inference/eval); here: it loads, the
 * output has its size, and it is deterministic.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInferencePipeline, type InferencePipelineExt } from '../../src/inference/index.js';
import { params, readPng } from './pipeline-helpers.js';

const MODELS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');
const present = existsSync(join(MODELS, 'shapes-v1', 'model_index.json'));
if (!present) {
  if (process.env.CI === 'true') throw new Error('models/shapes-v1 is missing: the shipped model must be committed');
  console.log('skipping shipped-model tests: models/shapes-v1 not present yet');
}

let pipeline: InferencePipelineExt | undefined;
afterAll(async () => {
  await pipeline?.close();
});

describe.runIf(present)('shipped model shapes-v1', () => {
  it('is listed as a 32×32 pixel model and generates deterministic 32×32 PNGs', async () => {
    pipeline = await createInferencePipeline({ modelsDir: MODELS });
    const info = pipeline.listModels().find((m) => m.id === 'shapes-v1');
    expect(info).toMatchObject({ kind: 'pixel', defaultWidth: 32, defaultHeight: 32 });
    const p = params({ model: 'shapes-v1', width: 32, height: 32, steps: 8, cfgScale: 6, n: 2, seed: 5 });
    const a = await pipeline.generate({ prompt: 'a large red circle', params: p });
    const b = await pipeline.generate({ prompt: 'a large red circle', params: p });
    for (const image of a.images) expect([readPng(image.png).width, readPng(image.png).height]).toEqual([32, 32]);
    expect(Buffer.compare(a.images[0].png, b.images[0].png)).toBe(0);
    expect(a.modelVersion).toBe(info!.version);
  });
});
