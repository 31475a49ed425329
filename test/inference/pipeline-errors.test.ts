/**
 * Broken models and bad requests fail that request with a clear DiffscopeError; the pipeline
 * keeps serving afterwards. Broken models are built at runtime in a temp dir.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInferencePipeline, type InferencePipelineExt } from '../../src/inference/index.js';
import { DiffscopeError } from '../../src/errors/index.js';
import { GENERATION_LIMITS } from '../../src/contract/limits.js';
import { FIXTURE_MODELS, params, tempModels } from './pipeline-helpers.js';

let pipeline: InferencePipelineExt;
let models: ReturnType<typeof tempModels>;

beforeAll(async () => {
  models = tempModels({
    good: 'tiny-sd',
    'missing-vae': 'tiny-sd',
    'corrupt-unet': 'tiny-sd',
    'wrong-unet': 'tiny-sd',
    'bad-json': 'tiny-sd',
    'no-tokenizer': 'tiny-sd',
    'mismatched-encoder': 'tiny-pixel',
  });
  // SD-sized text encoder (hidden 32) in front of a UNet that takes hidden 16
  copyFileSync(
    join(FIXTURE_MODELS, 'tiny-sd', 'text_encoder', 'model.onnx'),
    join(models.dir, 'mismatched-encoder', 'text_encoder', 'model.onnx'),
  );
  rmSync(join(models.dir, 'missing-vae', 'vae_decoder', 'model.onnx'));
  writeFileSync(join(models.dir, 'corrupt-unet', 'unet', 'model.onnx'), Buffer.from('this is not a protobuf \x00\x01\x02'.repeat(50)));
  // a valid ONNX file with the wrong inputs: the VAE decoder where the UNet should be
  copyFileSync(join(FIXTURE_MODELS, 'tiny-sd', 'vae_decoder', 'model.onnx'), join(models.dir, 'wrong-unet', 'unet', 'model.onnx'));
  writeFileSync(join(models.dir, 'bad-json', 'scheduler', 'scheduler_config.json'), '{ not json');
  rmSync(join(models.dir, 'no-tokenizer', 'tokenizer'), { recursive: true });
  mkdirSync(join(models.dir, 'not-a-model'));
  pipeline = await createInferencePipeline({ modelsDir: models.dir });
});

afterAll(async () => {
  await pipeline.close();
  models.cleanup();
});

async function failure(promise: Promise<unknown>): Promise<DiffscopeError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(DiffscopeError);
    return err as DiffscopeError;
  }
  throw new Error('expected the request to fail');
}

async function stillWorks(): Promise<void> {
  const result = await pipeline.generate({ prompt: 'a red circle', params: params({ model: 'good' }) });
  expect(result.images).toHaveLength(1);
}

describe('broken models', () => {
  it('skips broken folders when listing, keeps the good one', () => {
    const ids = pipeline.listModels().map((m) => m.id);
    expect(ids).toContain('good');
    expect(ids).not.toContain('not-a-model');
    expect(ids).not.toContain('missing-vae');
  });

  it.each([
    ['does-not-exist', 'DSC_ERR_MODEL_NOT_FOUND', /not found/],
    ['../etc', 'DSC_ERR_MODEL_NOT_FOUND', /not valid/],
    ['not-a-model', 'DSC_ERR_MODEL_NOT_FOUND', /not found/],
    ['missing-vae', 'DSC_ERR_MODEL_INVALID', /vae_decoder\/model\.onnx/],
    ['corrupt-unet', 'DSC_ERR_MODEL_INVALID', /unet\/model\.onnx.*could not be loaded/],
    ['wrong-unet', 'DSC_ERR_MODEL_SHAPE_MISMATCH', /unet\/model\.onnx has no input 'sample'/],
    ['bad-json', 'DSC_ERR_MODEL_INVALID', /scheduler_config\.json/],
    ['no-tokenizer', 'DSC_ERR_MODEL_INVALID', /tokenizer/],
    ['mismatched-encoder', 'DSC_ERR_MODEL_SHAPE_MISMATCH', /hidden size 32 but unet\/model\.onnx expects encoder_hidden_states of size 16/],
  ])('%s → %s, and the pipeline still works', async (model, code, message) => {
    const size = model === 'mismatched-encoder' ? { width: 16, height: 16 } : {};
    const err = await failure(pipeline.generate({ prompt: 'x', params: params({ model, ...size }) }));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    await stillWorks();
    // a failed load is not cached: the second try fails the same way
    if (code !== 'DSC_ERR_MODEL_NOT_FOUND') {
      expect((await failure(pipeline.generate({ prompt: 'x', params: params({ model, ...size }) }))).code).toBe(code);
    }
  });
});

describe('bad requests', () => {
  it('unknown sampler → DSC_ERR_INFER_UNKNOWN_SAMPLER', async () => {
    const err = await failure(pipeline.generate({ prompt: 'x', params: params({ model: 'good', sampler: 'plms' as never }) }));
    expect(err.code).toBe('DSC_ERR_INFER_UNKNOWN_SAMPLER');
    expect(err.field).toBe('sampler');
    await stillWorks();
  });

  it.each([
    [65, 64],
    [32, 64],
    [64, 4096],
    [100, 100],
  ])('size %i×%i on a 64-multiple latent model → DSC_ERR_INFER_BAD_SIZE', async (width, height) => {
    const err = await failure(pipeline.generate({ prompt: 'x', params: params({ model: 'good', width, height }) }));
    expect(err.code).toBe('DSC_ERR_INFER_BAD_SIZE');
    expect(err.message).toMatch(/not supported by model 'good'/);
    await stillWorks();
  });

  it('a non-square multiple of 64 is accepted by a dynamic-shape export', async () => {
    const result = await pipeline.generate({ prompt: 'x', params: params({ model: 'good', width: 128, height: 64 }) });
    expect(result.images[0].width).toBe(128);
  });

  // The pipeline enforces the API's limits (src/contract/limits.ts), with its own error code.
  it.each([
    [{ steps: 0 }, 'steps'],
    [{ steps: GENERATION_LIMITS.steps.max + 1 }, 'steps'],
    [{ n: 0 }, 'n'],
    [{ n: GENERATION_LIMITS.n.max + 1 }, 'n'],
    [{ seed: -1 }, 'seed'],
    [{ seed: GENERATION_LIMITS.seed.max + 1 }, 'seed'],
    [{ cfgScale: GENERATION_LIMITS.cfgScale.max + 0.5 }, 'cfg_scale'],
  ])('invalid %o → DSC_ERR_INFER_BAD_PARAMS on %s', async (override, field) => {
    const err = await failure(pipeline.generate({ prompt: 'x', params: params({ model: 'good', ...override }) }));
    expect(err.code).toBe('DSC_ERR_INFER_BAD_PARAMS');
    expect(err.status).toBe(400);
    expect(err.field).toBe(field);
  });
});

describe('execution provider', () => {
  it('cuda without a CUDA-enabled onnxruntime-node → DSC_ERR_CONFIG_INVALID naming the provider', async () => {
    const cuda = await createInferencePipeline({ modelsDir: FIXTURE_MODELS, session: { executionProviders: ['cuda'] } });
    try {
      const outcome = await cuda.generate({ prompt: 'x', params: params() }).then(
        (r) => r,
        (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
      );
      if (!(outcome instanceof Error)) {
        console.log('CUDA execution provider available here: generated on', outcome.device);
        expect(outcome.device).toBe('cuda');
        return;
      }
      expect(outcome).toBeInstanceOf(DiffscopeError);
      expect(outcome).toMatchObject({
        code: 'DSC_ERR_CONFIG_INVALID',
        message: expect.stringMatching(/execution provider \["cuda"\] is not available/),
      });
    } finally {
      await cuda.close();
    }
  });
});
