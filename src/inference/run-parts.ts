/**
 * The session-level pieces of a run, shared by a request alone and a batch (run-batch.ts):
 * first-run warm-up spans, ORT error mapping, text encoding of a list of prompts, the encoder
 * states tensor for a UNet batch, and the decode of one request's latents to PNGs.
 * fp16 exports: float16 tensors are fed and read at the session boundary (float16.ts); the
 * text states, latents, guidance and samplers stay float32.
 */
import { DiffscopeError } from '../errors/index.js';
import { ATTR, withSpan } from '../telemetry/index.js';
import type { GeneratedImage } from './types.js';
import type { LoadedModel, WarmState } from './loaded-model.js';
import { float32ToHalf, halfToFloat32 } from './float16.js';
import { ort } from './onnx-session.js';
import { planarToPng } from './png-encode.js';

type IntArray = Int32Array | BigInt64Array;

/** Runs a session's first run since creation inside `model.warmup`; later runs go straight through. */
export async function warmingRun<T>(model: LoadedModel, part: keyof WarmState, run: () => Promise<T>): Promise<T> {
  if (model.warm[part]) return run();
  const out = await withSpan('model.warmup', { attributes: { [ATTR.DIFFUSION_MODEL_ID]: model.layout.id } }, run);
  model.warm[part] = true;
  return out;
}

export function floats(tensor: ort.Tensor): Float32Array {
  return tensor.type === 'float16' ? halfToFloat32(tensor.data as Uint16Array) : (tensor.data as Float32Array);
}

export function canceled(): DiffscopeError {
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
    for (let r = 0; r < rows.length; r++) for (let i = 0; i < length; i++) data[r * length + i] = BigInt(rows[r][i]);
  } else {
    data = new Int32Array(rows.length * length);
    for (let r = 0; r < rows.length; r++) data.set(rows[r], r * length);
  }
  return new ort.Tensor(model.io.idsType, data, [rows.length, length]);
}

export interface EncodedPrompts {
  /** One [seq × hidden] float32 block per prompt, in the order given. */
  states: Float32Array[];
  seq: number;
  hidden: number;
}

/** The text encoder over all prompts in one run (one run each when the export's batch is fixed at 1). */
export async function encodePrompts(model: LoadedModel, prompts: readonly string[]): Promise<EncodedPrompts> {
  const rows = prompts.map((p) => model.tokenizer.encode(p));
  const states: Float32Array[] = [];
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
    for (let b = 0; b < batch.length; b++) states.push(data.slice(b * stride, (b + 1) * stride));
  }
  return { states, seq, hidden };
}

/** `encoder_hidden_states` for a UNet batch: one row per entry of `rows` (each a prompt's block). */
export function statesTensor(model: LoadedModel, rows: readonly Float32Array[], seq: number, hidden: number): ort.Tensor {
  const stride = seq * hidden;
  const tiled = new Float32Array(rows.length * stride);
  for (let r = 0; r < rows.length; r++) tiled.set(rows[r], r * stride);
  const dims = [rows.length, seq, hidden];
  return model.io.encoderStatesType === 'float16'
    ? new ort.Tensor('float16', float32ToHalf(tiled), dims)
    : new ort.Tensor('float32', tiled, dims);
}

/** One request's n images: the VAE one image per run (pixel models: the latents are the image). */
export async function decodeImages(
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
    for (let j = 0; j < per; j++) vaeInput[j] = latents[k * per + j] * inv;
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
