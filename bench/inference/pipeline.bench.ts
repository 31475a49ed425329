/**
 * Inference pipeline vs a bare loop of `session.run` calls, same model, same steps, same run.
 *
 *   npx tsx bench/inference/pipeline.bench.ts            (or: npm run bench:infer)
 *   BENCH_MODEL=tiny-sd BENCH_STEPS=20 BENCH_ROUNDS=8 npx tsx bench/inference/pipeline.bench.ts
 *   BENCH_MODELS_DIR=/some/models BENCH_MODEL=my-model …
 *   BENCH_THREAD=1 …   (the pipeline in its worker thread, as the worker runs it)
 *   DIFFSCOPE_EXECUTION_PROVIDER=webgpu …   (both loops on WebGPU)
 *
 * Model: models/shapes-v1 (the shipped model) when present, else the tiny-sd test fixture (printed).
 * Bare loop: the text encoder once on the [uncond, cond] batch, then `steps` UNet runs on the CFG
 * batch of two with the same shapes and dtypes, then the VAE decoder when the model has one —
 * no tokenizer, scheduler math, guidance mix, PNG encoding or telemetry. Rounds alternate
 * (pipeline first on even rounds, bare first on odd ones) so drift on this shared machine hits
 * both; medians are compared. Target: ratio ≤ 1.05.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { loadConfig } from '../../src/config/index.js';
import {
  chooseExecutionProvider,
  createInferencePipeline,
  createThreadedInferencePipeline,
  inferenceOptionsFromConfig,
  type GenerationParams,
} from '../../src/inference/index.js';

const env = process.env;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const shippedDir = join(root, 'models');
const fixtureDir = join(root, 'test', 'fixtures', 'models');
const modelId = env.BENCH_MODEL ?? (existsSync(join(shippedDir, 'shapes-v1', 'model_index.json')) ? 'shapes-v1' : 'tiny-sd');
const modelsDir = env.BENCH_MODELS_DIR ?? (existsSync(join(shippedDir, modelId, 'model_index.json')) ? shippedDir : fixtureDir);
const steps = Number(env.BENCH_STEPS ?? 20);
const rounds = Number(env.BENCH_ROUNDS ?? 10);
const cfgScale = Number(env.BENCH_CFG ?? 6);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(): Promise<void> {
  const options = inferenceOptionsFromConfig(loadConfig(env, { DIFFSCOPE_MODELS_DIR: modelsDir }));
  // BENCH_THREAD=1: the pipeline in its worker thread, as the worker runs it.
  const threaded = env.BENCH_THREAD === '1';
  const pipeline = await (threaded ? createThreadedInferencePipeline : createInferencePipeline)(options);
  const info = await pipeline.describeModel(modelId);
  const params: GenerationParams = {
    model: modelId,
    sampler: 'ddim',
    steps,
    cfgScale,
    seed: 1,
    width: info.defaultWidth,
    height: info.defaultHeight,
    n: 1,
  };
  console.log(`# inference pipeline bench — model ${modelId} (${info.kind}, ${info.path}), ${info.defaultWidth}×${info.defaultHeight}`);
  console.log(
    `# ${steps} DDIM steps, cfg ${cfgScale} (UNet batch ${cfgScale > 1 ? 2 : 1}), ${rounds} alternating rounds, ORT ${JSON.stringify(options.session)}, provider ${options.executionProvider ?? 'cpu'}, pipeline ${threaded ? 'in a worker thread' : 'in-process'}`,
  );

  // ---- bare loop: own sessions, same options and shapes
  const { provider } = await chooseExecutionProvider(options.executionProvider ?? 'cpu', options.session);
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: [provider === 'webgpu' ? { name: 'webgpu', ...options.session?.webgpu } : provider],
    graphOptimizationLevel: options.session?.graphOptimizationLevel ?? 'all',
    ...(options.session?.intraOpNumThreads ? { intraOpNumThreads: options.session.intraOpNumThreads } : {}),
  };
  const te = await ort.InferenceSession.create(join(info.path, 'text_encoder', 'model.onnx'), sessionOptions);
  const unet = await ort.InferenceSession.create(join(info.path, 'unet', 'model.onnx'), sessionOptions);
  const vaePath = join(info.path, 'vae_decoder', 'model.onnx');
  const vae = info.kind === 'latent' ? await ort.InferenceSession.create(vaePath, sessionOptions) : undefined;
  const meta = (s: ort.InferenceSession, name: string) =>
    s.inputMetadata.find((m) => m.name === name) as ort.InferenceSession.ValueMetadata & { type: string; shape: (number | string)[] };
  const ids = meta(te, 'input_ids');
  const seq = typeof ids.shape[1] === 'number' ? ids.shape[1] : 77;
  const batch = cfgScale > 1 ? 2 : 1;
  const idsTensor =
    ids.type === 'int64'
      ? new ort.Tensor('int64', new BigInt64Array(batch * seq), [batch, seq])
      : new ort.Tensor('int32', new Int32Array(batch * seq), [batch, seq]);
  const sampleMeta = meta(unet, 'sample');
  const scale = info.kind === 'latent' ? 8 : 1;
  const ch = typeof sampleMeta.shape[1] === 'number' ? sampleMeta.shape[1] : info.kind === 'latent' ? 4 : 3;
  const h = info.defaultHeight / scale;
  const w = info.defaultWidth / scale;
  const sample = new ort.Tensor('float32', new Float32Array(batch * ch * h * w).fill(0.1), [batch, ch, h, w]);
  const tsMeta = meta(unet, 'timestep');
  const tsLen = tsMeta.shape.length === 0 ? 1 : tsMeta.shape[0] === 1 ? 1 : batch;
  const tsDims = tsMeta.shape.length === 0 ? [] : [tsLen];
  const timestep =
    tsMeta.type === 'int64'
      ? new ort.Tensor('int64', new BigInt64Array(tsLen).fill(500n), tsDims)
      : new ort.Tensor('float32', new Float32Array(tsLen).fill(500), tsDims);
  const latentIn = new ort.Tensor('float32', new Float32Array(ch * h * w), [1, ch, h, w]);

  const bareStepMs: number[] = [];
  async function bare(): Promise<number> {
    const t0 = performance.now();
    const hidden = (await te.run({ input_ids: idsTensor }))[
      te.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : te.outputNames[0]
    ];
    for (let i = 0; i < steps; i++) {
      const s0 = performance.now();
      await unet.run({ sample, timestep, encoder_hidden_states: hidden });
      bareStepMs.push(performance.now() - s0);
    }
    if (vae) await vae.run({ latent_sample: latentIn });
    return performance.now() - t0;
  }
  const pipeStepMs: number[] = [];
  async function full(): Promise<{ ms: number; samplingMs: number }> {
    const t0 = performance.now();
    const r = await pipeline.generate({ prompt: 'a large red circle', params });
    pipeStepMs.push(...r.timings.stepMs);
    return { ms: performance.now() - t0, samplingMs: r.timings.samplingMs };
  }

  // warm-up (loads the model into the cache, lets ORT settle its arenas)
  await full();
  await bare();
  pipeStepMs.length = 0;
  bareStepMs.length = 0;
  const fullMs: number[] = [];
  const bareMs: number[] = [];
  const samplingMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      const f = await full();
      fullMs.push(f.ms);
      samplingMs.push(f.samplingMs);
      bareMs.push(await bare());
    } else {
      bareMs.push(await bare());
      const f = await full();
      fullMs.push(f.ms);
      samplingMs.push(f.samplingMs);
    }
  }
  // batched throughput: 4 images per request
  const n4: number[] = [];
  for (let r = 0; r < Math.max(2, rounds >> 2); r++) {
    const t0 = performance.now();
    await pipeline.generate({ prompt: 'a blue square', params: { ...params, n: 4 } });
    n4.push(performance.now() - t0);
  }

  const pm = median(fullMs);
  const bm = median(bareMs);
  const min = (xs: number[]) => Math.min(...xs);
  console.log(
    `pipeline  per image: median ${pm.toFixed(1)} ms, min ${min(fullMs).toFixed(1)} ms → ${(1000 / pm).toFixed(2)} images/s; sampling ${(median(samplingMs) / steps).toFixed(2)} ms/step`,
  );
  console.log(
    `bare loop per image: median ${bm.toFixed(1)} ms, min ${min(bareMs).toFixed(1)} ms (text encoder + ${steps} UNet runs${vae ? ' + VAE' : ''})`,
  );
  console.log(
    `per step (UNet run + pipeline bookkeeping vs UNet run alone): median ${median(pipeStepMs).toFixed(3)} vs ${median(bareStepMs).toFixed(3)} ms → ratio ${(median(pipeStepMs) / median(bareStepMs)).toFixed(3)}`,
  );
  console.log(`batched n=4: median ${median(n4).toFixed(1)} ms/request → ${((4 * 1000) / median(n4)).toFixed(2)} images/s`);
  console.log(
    `ratio pipeline/bare per image: median ${(pm / bm).toFixed(3)}, min ${(min(fullMs) / min(bareMs)).toFixed(3)} (target ≤ 1.05)`,
  );
  await pipeline.close();
  await Promise.all([te.release(), unet.release(), vae?.release()]);
}

await main();
