/**
 * Model cache: the first request loads (cold start), later ones hit; under a budget that holds
 * two of three models the least recently used one is evicted; a changed file changes the version
 * and forces a reload.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInferencePipeline, type InferencePipelineExt } from '../../src/inference/index.js';
import { params, tempModels } from './pipeline-helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function setup(cacheMb: number): Promise<{ pipeline: InferencePipelineExt; dir: string }> {
  const models = tempModels({ a: 'tiny-sd', b: 'tiny-sd-int64', c: 'tiny-sd' });
  const pipeline = await createInferencePipeline({ modelsDir: models.dir, modelCacheMb: cacheMb });
  cleanups.push(models.cleanup, () => pipeline.close());
  return { pipeline, dir: models.dir };
}

async function cold(pipeline: InferencePipelineExt, model: string): Promise<boolean> {
  return (await pipeline.generate({ prompt: 'a red circle', params: params({ model, steps: 1 }) })).coldStart;
}

describe('model cache', () => {
  it('first request loads, later ones are cache hits', async () => {
    const { pipeline } = await setup(2048);
    const first = await pipeline.generate({ prompt: 'a', params: params({ model: 'a', steps: 1 }) });
    expect(first.coldStart).toBe(true);
    expect(first.timings.modelLoadMs).toBeGreaterThan(0);
    const second = await pipeline.generate({ prompt: 'a', params: params({ model: 'a', steps: 1 }) });
    expect(second.coldStart).toBe(false);
    expect(second.timings.modelLoadMs).toBe(0);
    expect(second.modelVersion).toBe(first.modelVersion);
  });

  it('concurrent first requests share one load', async () => {
    const { pipeline } = await setup(2048);
    const results = await Promise.all([cold(pipeline, 'a'), cold(pipeline, 'a'), cold(pipeline, 'a')]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(pipeline.loadedModels()).toHaveLength(1);
  });

  it('evicts the least recently used model under a budget that holds two', async () => {
    // each tiny model weighs ~0.12 MB of ONNX: 0.3 MB holds two, not three
    const { pipeline } = await setup(0.3);
    expect(await cold(pipeline, 'a')).toBe(true);
    expect(await cold(pipeline, 'b')).toBe(true);
    expect(await cold(pipeline, 'a')).toBe(false); // a is now most recent, b least
    expect(await cold(pipeline, 'c')).toBe(true); // evicts b
    expect(pipeline.loadedModels().map((k) => k.split('@')[0])).toEqual(['a', 'c']);
    expect(await cold(pipeline, 'a')).toBe(false);
    expect(await cold(pipeline, 'b')).toBe(true); // reloaded, evicts c
    expect(pipeline.loadedModels().map((k) => k.split('@')[0])).toEqual(['a', 'b']);
  });

  it('keeps the most recent model even when it alone exceeds the budget', async () => {
    const { pipeline } = await setup(0.01);
    expect(await cold(pipeline, 'a')).toBe(true);
    expect(await cold(pipeline, 'a')).toBe(false);
    expect(await cold(pipeline, 'b')).toBe(true);
    expect(pipeline.loadedModels().map((k) => k.split('@')[0])).toEqual(['b']);
  });

  it('a changed model file gives a new model_version and a reload', async () => {
    const { pipeline, dir } = await setup(2048);
    const before = await pipeline.generate({ prompt: 'a', params: params({ model: 'a', steps: 1 }) });
    const configPath = join(dir, 'a', 'vae_decoder', 'config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    writeFileSync(configPath, JSON.stringify({ ...config, scaling_factor: 0.5 }));
    const after = await pipeline.generate({ prompt: 'a', params: params({ model: 'a', steps: 1 }) });
    expect(after.modelVersion).not.toBe(before.modelVersion);
    expect(after.coldStart).toBe(true);
  });
});
