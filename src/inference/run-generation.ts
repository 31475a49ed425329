/**
 * One generation on a loaded model: text encoding, the sampling loop, decoding to PNG.
 * The step loop allocates nothing of its own: input/output tensors, the CFG buffer and the
 * feeds object are built before it, and the closures it calls are made once per request.
 * Spans: `text.encode`, `sampling` (per-step durations as one array attribute), and
 * `vae.decode` for latent models or `image.decode` for pixel models (no VAE to run). The first
 * run of each session after it was created gets its own `model.warmup` span inside the phase
 * that made it (WebGPU compiles its shaders there: ~1 s on an H200 where a step takes 14 ms).
 * fp16 exports: float16 tensors are fed and read at the session boundary (float16.ts); the
 * text states, latents, guidance and samplers stay float32.
 */
import { performance } from 'node:perf_hooks';
import { DiffscopeError } from '../errors/index.js';
import { ATTR, withSpan, type Logger } from '../telemetry/index.js';
import { createScheduler } from './schedulers/index.js';
import type { Scheduler } from './schedulers/scheduler.js';
import type { GenerateRequest, GeneratedImage } from './types.js';
import type { LoadedModel, WarmState } from './loaded-model.js';
import { float32ToHalf, halfToFloat32, toHalfBits } from './float16.js';
import { ort } from './onnx-session.js';
import { GaussianNoise } from './seeded-noise.js';
import { planarToPng } from './png-encode.js';
import type { MemorySampler } from './memory-sampler.js';

export interface RunOutput {
  images: GeneratedImage[];
  textEncodeMs: number;
  samplingMs: number;
  decodeMs: number;
  stepMs: number[];
}

export interface RunContext {
  logger: Logger;
  memory: MemorySampler;
}

type IntArray = Int32Array | BigInt64Array;

/** Runs a session's first run since creation inside `model.warmup`; later runs go straight through. */
async function warmingRun<T>(model: LoadedModel, part: keyof WarmState, run: () => Promise<T>): Promise<T> {
  if (model.warm[part]) return run();
  const out = await withSpan('model.warmup', { attributes: { [ATTR.DIFFUSION_MODEL_ID]: model.layout.id } }, run);
  model.warm[part] = true;
  return out;
}

function floats(tensor: ort.Tensor): Float32Array {
  return tensor.type === 'float16' ? halfToFloat32(tensor.data as Uint16Array) : (tensor.data as Float32Array);
}

function canceled(): DiffscopeError {
  return new DiffscopeError('DSC_ERR_INFER_CANCELED', 'generation was canceled between sampling steps');
}

/** ORT failures during a run: shape errors get their own code, the rest are inference failures. */
export function runError(err: unknown, what: string): DiffscopeError {
  if (err instanceof DiffscopeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = /dimension|shape|rank/i.test(message) ? 'DSC_ERR_MODEL_SHAPE_MISMATCH' : 'DSC_ERR_INFER_FAILED';
  return new DiffscopeError(code, `${what} failed: ${message}`, { cause: err });
}

function idsTensor(model: LoadedModel, rows: Int32Array[]): ort.Tensor {
  const length = model.io.sequenceLength;
  let data: IntArray;
  if (model.io.idsType === 'int64') {
    data = new BigInt64Array(rows.length * length);
    for (let r = 0; r < rows.length; r++) for (let i = 0; i < length; i++) data[r * length + i] = BigInt(rows[r]![i]!);
  } else {
    data = new Int32Array(rows.length * length);
    for (let r = 0; r < rows.length; r++) data.set(rows[r]!, r * length);
  }
  return new ort.Tensor(model.io.idsType, data, [rows.length, length]);
}

/** Encoder states for the UNet batch: [uncond × n, cond × n] with CFG, [cond × n] without. */
async function encodeText(model: LoadedModel, request: GenerateRequest, useCfg: boolean, n: number): Promise<ort.Tensor> {
  const rows = [model.tokenizer.encode(request.prompt)];
  if (useCfg) rows.unshift(model.tokenizer.encode(request.negativePrompt ?? ''));
  const perPrompt: Float32Array[] = [];
  let seq = 0;
  let hidden = 0;
  const batches = model.io.textEncoderBatchOne ? rows.map((r) => [r]) : [rows];
  for (const batch of batches) {
    let out: ort.Tensor;
    try {
      const feeds = { [model.io.idsName]: idsTensor(model, batch) };
      const result = await warmingRun(model, 'textEncoder', () => model.textEncoder.run(feeds));
      out = result[model.io.hiddenName]!;
    } catch (err) {
      throw runError(err, 'text_encoder');
    }
    seq = out.dims[1]!;
    hidden = out.dims[2]!;
    const data = floats(out);
    const stride = seq * hidden;
    for (let b = 0; b < batch.length; b++) perPrompt.push(data.slice(b * stride, (b + 1) * stride));
  }
  const stride = seq * hidden;
  const tiled = new Float32Array(perPrompt.length * n * stride);
  for (let p = 0; p < perPrompt.length; p++) for (let k = 0; k < n; k++) tiled.set(perPrompt[p]!, (p * n + k) * stride);
  const dims = [perPrompt.length * n, seq, hidden];
  return model.io.encoderStatesType === 'float16' ? new ort.Tensor('float16', float32ToHalf(tiled), dims) : new ort.Tensor('float32', tiled, dims);
}

export async function runGeneration(model: LoadedModel, request: GenerateRequest, ctx: RunContext): Promise<RunOutput> {
  const { params, signal } = request;
  const { io, layout } = model;
  const n = params.n;
  const useCfg = params.cfgScale > 1;
  const batch = useCfg ? 2 * n : n;
  const latentH = params.height / layout.vaeScaleFactor;
  const latentW = params.width / layout.vaeScaleFactor;
  const channels = io.latentChannels;
  const per = channels * latentH * latentW;
  const latentLength = n * per;
  if (io.unetBatch !== undefined && io.unetBatch !== batch) {
    throw new DiffscopeError(
      'DSC_ERR_MODEL_SHAPE_MISMATCH',
      `unet/model.onnx was exported for batch ${io.unetBatch}; this request needs ${batch} (n=${n}${useCfg ? ', CFG doubles it' : ''})`,
    );
  }
  if (signal?.aborted) throw canceled();

  let scheduler: Scheduler;
  try {
    scheduler = createScheduler(params.sampler, model.schedulerConfig, params.steps, { karrasSigmas: params.karrasSigmas });
  } catch (err) {
    if (err instanceof DiffscopeError) throw err;
    throw new DiffscopeError('DSC_ERR_INFER_FAILED', `sampler ${params.sampler}: ${(err as Error).message}`, { cause: err });
  }

  // ---- text.encode
  const textStart = performance.now();
  const ehs = await withSpan('text.encode', { attributes: { [ATTR.DIFFUSION_MODEL_ID]: layout.id } }, () =>
    encodeText(model, request, useCfg, n),
  );
  const textEncodeMs = performance.now() - textStart;
  ctx.memory.sample();

  // ---- buffers for the loop (image k draws from its own generator seeded seed + k)
  const generators: GaussianNoise[] = [];
  for (let k = 0; k < n; k++) generators.push(new GaussianNoise(params.seed + k));
  let latents: Float32Array = new Float32Array(latentLength);
  for (let k = 0; k < n; k++) generators[k]!.fill(latents, k * per, per);
  const sigma0 = scheduler.initNoiseSigma;
  if (sigma0 !== 1) for (let i = 0; i < latentLength; i++) latents[i]! *= sigma0;
  const stepNoise = new Float32Array(latentLength);
  const noise = (): Float32Array => {
    for (let k = 0; k < n; k++) generators[k]!.fill(stepNoise, k * per, per);
    return stepNoise;
  };

  const scratch = new Float32Array(latentLength);
  const unetInput = new Float32Array(batch * per);
  const dims = [batch, channels, latentH, latentW];
  const timestepLength = io.timestepShape === 'batch' ? batch : 1;
  const timestepDims = io.timestepShape === 'scalar' ? [] : [timestepLength];
  const tsFloat = io.timestepType === 'float32' ? new Float32Array(timestepLength) : undefined;
  const tsInt = io.timestepType === 'int64' ? new BigInt64Array(timestepLength) : undefined;
  const tsHalf = io.timestepType === 'float16' ? new Uint16Array(timestepLength) : undefined;
  const sampleHalf = io.sampleType === 'float16' ? new Uint16Array(batch * per) : undefined;
  const feeds: Record<string, ort.Tensor> = {
    sample: sampleHalf ? new ort.Tensor('float16', sampleHalf, dims) : new ort.Tensor('float32', unetInput, dims),
    timestep: tsFloat
      ? new ort.Tensor('float32', tsFloat, timestepDims)
      : tsHalf
        ? new ort.Tensor('float16', tsHalf, timestepDims)
        : new ort.Tensor('int64', tsInt!, timestepDims),
    encoder_hidden_states: ehs,
  };
  // Two alternating buffers for what the scheduler receives: multistep samplers (DPM++ 2M) may
  // keep the previous step's model output by reference. fp16 outputs land in half buffers and
  // are widened into the float32 pair.
  const halfOut = io.unetOutType === 'float16';
  const outFloats = [new Float32Array(batch * per), new Float32Array(batch * per)];
  const outTensors = halfOut
    ? [new ort.Tensor('float16', new Uint16Array(batch * per), dims), new ort.Tensor('float16', new Uint16Array(batch * per), dims)]
    : [new ort.Tensor('float32', outFloats[0]!, dims), new ort.Tensor('float32', outFloats[1]!, dims)];
  const guided = useCfg ? [new Float32Array(latentLength), new Float32Array(latentLength)] : undefined;
  const fetches: Record<string, ort.Tensor> = { [io.unetOutName]: outTensors[0]! };
  const cfg = params.cfgScale;
  const timesteps = scheduler.timesteps;
  const totalSteps = timesteps.length;
  const stepMs: number[] = new Array<number>(totalSteps);
  const onProgress = request.onProgress;
  const debug = ctx.logger.isLevelEnabled('debug');

  // ---- sampling
  const samplingStart = performance.now();
  await withSpan('sampling', { attributes: { [ATTR.DIFFUSION_SAMPLER]: params.sampler, [ATTR.DIFFUSION_STEPS]: totalSteps } }, async (span) => {
    for (let i = 0; i < totalSteps; i++) {
      if (signal?.aborted) throw canceled();
      const t0 = performance.now();
      scratch.set(latents);
      const scaled = scheduler.scaleModelInput(scratch, i);
      unetInput.set(scaled, 0);
      if (useCfg) unetInput.set(scaled, latentLength);
      const t = timesteps[i]!;
      // diffusers' ONNX pipelines cast with numpy (truncation) when the export takes int64.
      if (tsFloat) tsFloat.fill(t);
      else if (tsHalf) tsHalf.fill(toHalfBits(t));
      else tsInt!.fill(BigInt(Math.trunc(t)));
      if (sampleHalf) float32ToHalf(unetInput, sampleHalf);
      const outTensor = outTensors[i & 1]!;
      fetches[io.unetOutName] = outTensor;
      try {
        if (model.warm.unet) await model.unet.run(feeds, fetches);
        else await warmingRun(model, 'unet', () => model.unet.run(feeds, fetches));
      } catch (err) {
        throw runError(err, `unet step ${i + 1}/${totalSteps}`);
      }
      const out = halfOut ? halfToFloat32(outTensor.data as Uint16Array, outFloats[i & 1]!) : (outTensor.data as Float32Array);
      let modelOutput: Float32Array;
      if (guided) {
        modelOutput = guided[i & 1]!;
        for (let j = 0; j < latentLength; j++) {
          const u = out[j]!;
          modelOutput[j] = u + cfg * (out[latentLength + j]! - u);
        }
      } else {
        modelOutput = out;
      }
      latents = scheduler.step(modelOutput, i, latents, noise);
      const ms = performance.now() - t0;
      stepMs[i] = ms;
      if (debug) ctx.logger.debug('sampling_step', { step: i + 1, total_steps: totalSteps, step_ms: ms });
      if (onProgress) onProgress({ step: i + 1, totalSteps, stepMs: ms });
    }
    const total = performance.now() - samplingStart;
    span.setAttribute(ATTR.DIFFUSION_STEP_DURATIONS_MS, stepMs.map(roundMs));
    span.setAttribute(ATTR.DIFFUSION_STEPS_PER_SECOND, total > 0 ? roundMs((totalSteps * 1000) / total) : 0);
  });
  const samplingMs = performance.now() - samplingStart;
  if (signal?.aborted) throw canceled();

  // ---- decode
  const decodeStart = performance.now();
  const images = await withSpan(model.vaeDecoder ? 'vae.decode' : 'image.decode', { attributes: { [ATTR.DIFFUSION_N]: n } }, () =>
    decodeImages(model, latents, n, per, params.width, params.height, params.seed),
  );
  const decodeMs = performance.now() - decodeStart;
  ctx.memory.sample();
  return { images, textEncodeMs, samplingMs, decodeMs, stepMs };
}

function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

async function decodeImages(
  model: LoadedModel,
  latents: Float32Array,
  n: number,
  per: number,
  width: number,
  height: number,
  seed: number,
): Promise<GeneratedImage[]> {
  const images: GeneratedImage[] = [];
  const vae = model.vaeDecoder;
  if (!vae) {
    for (let k = 0; k < n; k++) images.push({ png: planarToPng(latents, k * per, width, height), width, height, seed: seed + k });
    return images;
  }
  const { io, layout } = model;
  const vaeInput = new Float32Array(per);
  const vaeDims = [1, io.latentChannels, height / layout.vaeScaleFactor, width / layout.vaeScaleFactor];
  const vaeHalf = io.vaeInType === 'float16' ? new Uint16Array(per) : undefined;
  const tensor = vaeHalf ? new ort.Tensor('float16', vaeHalf, vaeDims) : new ort.Tensor('float32', vaeInput, vaeDims);
  const inv = 1 / layout.vaeScalingFactor;
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < per; j++) vaeInput[j] = latents[k * per + j]! * inv;
    if (vaeHalf) float32ToHalf(vaeInput, vaeHalf);
    const feeds = { [io.vaeInName]: tensor };
    let out: ort.Tensor;
    try {
      out = (await warmingRun(model, 'vaeDecoder', () => vae.run(feeds)))[io.vaeOutName]!;
    } catch (err) {
      throw runError(err, 'vae_decoder');
    }
    if (out.dims[1] !== 3 || out.dims[2] !== height || out.dims[3] !== width) {
      throw new DiffscopeError(
        'DSC_ERR_MODEL_SHAPE_MISMATCH',
        `vae_decoder/model.onnx returned [${out.dims.join(', ')}] for a ${width}×${height} request (expected [1, 3, ${height}, ${width}])`,
      );
    }
    images.push({ png: planarToPng(floats(out), 0, width, height), width, height, seed: seed + k });
  }
  return images;
}
