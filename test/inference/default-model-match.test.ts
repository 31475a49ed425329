import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInferencePipeline, type InferencePipelineExt } from '../../src/inference/index.js';
import { measurePromptMatch } from '../../src/inference/eval/index.js';

// The shipped default model, run through the real ONNX pipeline and read back from the pixels.
// Floors sit well under the rates measured at export (tools/default-model/README.md), so the
// test catches a broken model, sampler or pipeline, not run-to-run wobble.
const MODELS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');
const COUNT = 24;
const FLOORS = { colour: 0.85, shape: 0.8, colourShape: 0.75, positionNamed: 0.7 };

describe('shipped default model shapes-v1', () => {
  let pipeline: InferencePipelineExt;

  beforeAll(async () => {
    expect(existsSync(join(MODELS_DIR, 'shapes-v1', 'model_index.json')), 'models/shapes-v1 is committed').toBe(true);
    pipeline = await createInferencePipeline({ modelsDir: MODELS_DIR });
  });
  afterAll(async () => {
    await pipeline?.close();
  });

  it('is listed as a 32x32 pixel model', () => {
    const info = pipeline.listModels().find((m) => m.id === 'shapes-v1');
    expect(info).toMatchObject({ kind: 'pixel', defaultWidth: 32, defaultHeight: 32 });
  });

  it(`draws what ${COUNT} prompts ask for (DDIM 50 steps, cfg 6)`, async () => {
    const report = await measurePromptMatch({ pipeline, model: 'shapes-v1', count: COUNT, seed: 1234 });
    const misses = report.rows.filter((r) => !r.match.colourShape).map((r) => `${r.prompt.prompt} -> ${r.read.colour} ${r.read.shape}`);
    console.log(
      `shapes-v1 prompt match over ${COUNT}: ${JSON.stringify(report.rates)}${misses.length ? `\nmisses: ${misses.join('; ')}` : ''}`,
    );
    expect(report.count).toBe(COUNT);
    expect(report.rates.colour).toBeGreaterThanOrEqual(FLOORS.colour);
    expect(report.rates.shape).toBeGreaterThanOrEqual(FLOORS.shape);
    expect(report.rates.colourShape).toBeGreaterThanOrEqual(FLOORS.colourShape);
    expect(report.rates.positionNamed).toBeGreaterThanOrEqual(FLOORS.positionNamed);
  }, 300_000); // ~10 s alone; generous because the machine is shared
});
