/**
 * fp16 exports load and run: an fp16 copy of tiny-sd (float16 inputs, outputs and weights,
 * tools/onnx-model/convert-fp16.ts, made at test time) gives the fp32 model's image within
 * half-precision rounding. The first run of each session after it was created is its own
 * `model.warmup` span inside the phase that made it; warm requests have none.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInferencePipeline, type InferencePipelineExt } from '../../src/inference/index.js';
import { float32ToHalf, fromHalfBits, halfToFloat32, toHalfBits } from '../../src/inference/float16.js';
import { withSpan } from '../../src/telemetry/index.js';
import { writeFp16ModelFolder } from '../../tools/onnx-model/convert-fp16.js';
import { installTestTracing } from '../support/tracing.js';
import { FIXTURE_MODELS, params, readPng } from './pipeline-helpers.js';

const exporter = installTestTracing();
let dir: string;
let pipeline: InferencePipelineExt;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'diffscope-fp16-'));
  writeFp16ModelFolder(join(FIXTURE_MODELS, 'tiny-sd'), join(dir, 'tiny-sd-fp16'));
  // The fp32 original beside it.
  cpSync(join(FIXTURE_MODELS, 'tiny-sd'), join(dir, 'tiny-sd'), { recursive: true });
  pipeline = await createInferencePipeline({ modelsDir: dir });
});
afterAll(async () => {
  await pipeline?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('float16 conversion', () => {
  it('round-trips representable values and rounds to nearest even like numpy', () => {
    for (const v of [0, -0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8, Infinity, -Infinity])
      expect(fromHalfBits(toHalfBits(v))).toBe(v);
    expect(Number.isNaN(fromHalfBits(toHalfBits(NaN)))).toBe(true);
    expect(toHalfBits(65520)).toBe(0x7c00); // overflows to Infinity
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie → even (1.0)
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(toHalfBits(2 ** -25)).toBe(0); // below half the smallest subnormal
    const xs = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 10);
    const back = halfToFloat32(float32ToHalf(xs));
    for (let i = 0; i < xs.length; i++) expect(Math.abs(back[i] - xs[i])).toBeLessThanOrEqual(Math.abs(xs[i]) * 2 ** -11 + 1e-7);
  });
});

describe('fp16 export', () => {
  it('loads and generates; the image matches the fp32 model within half-precision rounding', async () => {
    const request = (model: string) => ({ prompt: 'a red circle', params: params({ model, steps: 4, sampler: 'euler' as const }) });
    const half = await pipeline.generate(request('tiny-sd-fp16'));
    const full = await pipeline.generate(request('tiny-sd'));
    const a = readPng(half.images[0].png).data;
    const b = readPng(full.images[0].png).data;
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    console.log(`[fp16] max pixel difference fp16 vs fp32: ${maxDiff}/255`);
    expect(a.length).toBe(b.length);
    expect(maxDiff).toBeLessThanOrEqual(8);
  });
});

describe('model.warmup', () => {
  it('a cold request has one warm-up span per session under its phase; a warm request none', async () => {
    await pipeline.close();
    pipeline = await createInferencePipeline({ modelsDir: dir });
    const spansOf = async () => {
      exporter.reset();
      await withSpan('inference', {}, () =>
        pipeline.generate({ prompt: 'a blue square', params: params({ model: 'tiny-sd-fp16', steps: 3 }) }),
      );
      return exporter.getFinishedSpans();
    };
    const cold = await spansOf();
    const byId = new Map(cold.map((s) => [s.spanContext().spanId, s]));
    const warmups = cold.filter((s) => s.name === 'model.warmup').map((s) => byId.get(s.parentSpanContext!.spanId)!.name);
    expect(warmups).toEqual(['text.encode', 'sampling', 'vae.decode']);
    const warm = await spansOf();
    expect(warm.filter((s) => s.name === 'model.warmup')).toEqual([]);
  });
});
