/**
 * CPU vs WebGPU on one model, for a machine with a GPU (scripts/gpu-check.sh runs it):
 * median step time on each provider and the speed-up, the first (warm-up) run, the UNet
 * outputs' max abs difference on identical inputs, the generated images' max pixel difference,
 * and the peak GPU memory the pipeline measured (nvidia-smi).
 *
 *   BENCH_MODELS_DIR=models BENCH_MODEL=shapes-v1 npx tsx bench/inference/gpu-compare.ts
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { PNG } from 'pngjs';
import { createInferencePipeline, type GenerationParams } from '../../src/inference/index.js';

const env = process.env;
const modelsDir = env.BENCH_MODELS_DIR ?? 'models';
const modelId = env.BENCH_MODEL ?? 'shapes-v1';
const steps = Number(env.BENCH_STEPS ?? 20);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function unetRuns(provider: 'cpu' | 'webgpu', path: string): Promise<{ firstMs: number; medianMs: number; out: Float32Array }> {
  const session = await ort.InferenceSession.create(path, { executionProviders: [provider] });
  const meta = session.inputMetadata.find((m) => m.name === 'sample') as { shape: readonly (number | string)[] };
  const [c, h, w] = meta.shape.slice(1).map((d) => (typeof d === 'number' ? d : 64)) as [number, number, number];
  const ehsMeta = session.inputMetadata.find((m) => m.name === 'encoder_hidden_states') as { shape: readonly (number | string)[] };
  const [seq, hidden] = ehsMeta.shape.slice(1).map((d) => (typeof d === 'number' ? d : 77)) as [number, number];
  const tsMeta = session.inputMetadata.find((m) => m.name === 'timestep') as { type: string };
  const sample = Float32Array.from({ length: 2 * c * h * w }, (_, i) => Math.sin(i));
  const feeds = {
    sample: new ort.Tensor('float32', sample, [2, c, h, w]),
    timestep:
      tsMeta.type === 'int64'
        ? new ort.Tensor('int64', new BigInt64Array([500n, 500n]), [2])
        : new ort.Tensor('float32', new Float32Array([500, 500]), [2]),
    encoder_hidden_states: new ort.Tensor(
      'float32',
      Float32Array.from({ length: 2 * seq * hidden }, (_, i) => Math.cos(i)),
      [2, seq, hidden],
    ),
  };
  const t0 = performance.now();
  let result = await session.run(feeds);
  const firstMs = performance.now() - t0;
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const s = performance.now();
    result = await session.run(feeds);
    times.push(performance.now() - s);
  }
  const out = (result[session.outputNames[0]].data as Float32Array).slice();
  await session.release();
  return { firstMs, medianMs: median(times), out };
}

const unetPath = join(modelsDir, modelId, 'unet', 'model.onnx');
const cpu = await unetRuns('cpu', unetPath);
const gpu = await unetRuns('webgpu', unetPath);
let maxAbs = 0;
for (let i = 0; i < cpu.out.length; i++) maxAbs = Math.max(maxAbs, Math.abs(cpu.out[i] - gpu.out[i]));
console.log(
  `${modelId} UNet (batch 2): cpu ${cpu.medianMs.toFixed(2)} ms, webgpu ${gpu.medianMs.toFixed(2)} ms → ${(cpu.medianMs / gpu.medianMs).toFixed(2)}× ; first run cpu ${cpu.firstMs.toFixed(0)} ms, webgpu ${gpu.firstMs.toFixed(0)} ms; max |Δ| ${maxAbs.toExponential(2)}`,
);

const images: Buffer[] = [];
for (const provider of ['cpu', 'webgpu'] as const) {
  const pipeline = await createInferencePipeline({ modelsDir, executionProvider: provider });
  const info = await pipeline.describeModel(modelId);
  const params: GenerationParams = {
    model: modelId,
    sampler: 'ddim',
    steps,
    cfgScale: 6,
    seed: 1,
    width: info.defaultWidth,
    height: info.defaultHeight,
    n: 1,
  };
  await pipeline.generate({ prompt: 'a large red circle', params });
  const r = await pipeline.generate({ prompt: 'a large red circle', params });
  console.log(
    `${modelId} pipeline on ${provider}: device ${r.device}, ${(r.timings.samplingMs / steps).toFixed(2)} ms/step, peak_gpu_memory_mb ${r.peakGpuMemoryMb ?? 'n/a'}, peak_memory_mb ${r.peakMemoryMb ?? 'n/a'}`,
  );
  images.push(r.images[0].png);
  await pipeline.close();
}
const [a, b] = images.map((png) => PNG.sync.read(png).data);
let maxPixel = 0;
for (let i = 0; i < a.length; i++) maxPixel = Math.max(maxPixel, Math.abs(a[i] - b[i]));
console.log(`${modelId} image cpu vs webgpu: max pixel difference ${maxPixel}/255`);
