/**
 * Reads one model folder in the diffusers / optimum ONNX layout and says what it holds,
 * without loading any ONNX: enough for the registry (sizes, kind, version) and the loader.
 *
 * Accepted: `model_index.json`; `scheduler/scheduler_config.json`; `tokenizer/`;
 * `text_encoder/model.onnx`; `unet/model.onnx` (+ external data); `vae_decoder/model.onnx` for
 * latent models. A pixel-space model (our `diffscope.kind: "pixel"`, or no VAE listed and no
 * `vae_decoder/` folder) has none and its UNet output is the image in [-1, 1].
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DiffscopeError } from '../errors/index.js';
import { parsePythonJson } from './schedulers/index.js';

export interface ModelFileEntry {
  /** Path relative to the model folder, `/`-separated. */
  rel: string;
  path: string;
  sizeBytes: number;
  mtimeMs: number;
}

export interface ModelLayout {
  id: string;
  path: string;
  kind: 'pixel' | 'latent';
  textEncoderPath: string;
  unetPath: string;
  vaeDecoderPath?: string;
  tokenizerDir: string;
  schedulerConfig: Record<string, unknown>;
  /** Latents are divided by this before the VAE (diffusers' `vae.config.scaling_factor`). */
  vaeScalingFactor: number;
  /** Pixels per latent cell (2^(len(block_out_channels)-1), 8 for SD). 1 for pixel models. */
  vaeScaleFactor: number;
  defaultWidth: number;
  defaultHeight: number;
  sizes: { min: number; max: number; multipleOf: number };
  description?: string;
  files: ModelFileEntry[];
  /** What the ONNX files weigh on disk: the cache's estimate of their memory. */
  onnxBytes: number;
}

type Json = Record<string, unknown>;

async function readJsonFile(path: string, required: boolean): Promise<Json | undefined> {
  if (!existsSync(path)) {
    if (required) throw new DiffscopeError('DSC_ERR_MODEL_INVALID', `missing ${path}`);
    return undefined;
  }
  try {
    // diffusers' configs are written by Python and may hold -Infinity (e.g. lambda_min_clipped).
    const value: unknown = parsePythonJson(await readFile(path, 'utf8'));
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Json;
  } catch (err) {
    throw new DiffscopeError('DSC_ERR_MODEL_INVALID', `${path} is not a valid JSON object`, { cause: err });
  }
}

async function listFiles(root: string): Promise<ModelFileEntry[]> {
  const out: ModelFileEntry[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() || entry.isSymbolicLink()) {
        const st = await stat(full);
        if (!st.isFile()) continue;
        out.push({ rel: relative(root, full).split('\\').join('/'), path: full, sizeBytes: st.size, mtimeMs: st.mtimeMs });
      }
    }
  };
  await walk(root);
  out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return out;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function requireFile(path: string, what: string): string {
  if (!existsSync(path)) throw new DiffscopeError('DSC_ERR_MODEL_INVALID', `model is missing ${what} (${path})`);
  return path;
}

export async function readModelLayout(id: string, path: string): Promise<ModelLayout> {
  if (!existsSync(path)) throw new DiffscopeError('DSC_ERR_MODEL_NOT_FOUND', `model '${id}' not found (${path} does not exist)`);
  const index = await readJsonFile(join(path, 'model_index.json'), true);
  const block = (index!.diffscope ?? {}) as Json;
  const hasVaeEntry = Array.isArray(index!.vae_decoder) || Array.isArray(index!.vae);
  const declaredKind = block.kind === 'pixel' || block.kind === 'latent' ? block.kind : undefined;
  const kind: 'pixel' | 'latent' = declaredKind ?? (hasVaeEntry || existsSync(join(path, 'vae_decoder')) ? 'latent' : 'pixel');

  const schedulerConfig = await readJsonFile(join(path, 'scheduler', 'scheduler_config.json'), true);
  const tokenizerDir = join(path, 'tokenizer');
  if (!existsSync(tokenizerDir)) throw new DiffscopeError('DSC_ERR_MODEL_INVALID', `model '${id}' is missing tokenizer/`);
  const textEncoderPath = requireFile(join(path, 'text_encoder', 'model.onnx'), 'text_encoder/model.onnx');
  const unetPath = requireFile(join(path, 'unet', 'model.onnx'), 'unet/model.onnx');
  const unetConfig = (await readJsonFile(join(path, 'unet', 'config.json'), false)) ?? {};

  let vaeDecoderPath: string | undefined;
  let vaeScalingFactor = 1;
  let vaeScaleFactor = 1;
  if (kind === 'latent') {
    vaeDecoderPath = requireFile(join(path, 'vae_decoder', 'model.onnx'), 'vae_decoder/model.onnx');
    const vaeConfig = (await readJsonFile(join(path, 'vae_decoder', 'config.json'), false)) ?? {};
    vaeScalingFactor = num(vaeConfig.scaling_factor) ?? 0.18215;
    const blocks = vaeConfig.block_out_channels;
    vaeScaleFactor = Array.isArray(blocks) && blocks.length > 0 ? 2 ** (blocks.length - 1) : 8;
  }

  const sampleSize = num(block.sample_size) ?? num(unetConfig.sample_size) ?? (kind === 'latent' ? 64 : 32);
  const defaultSize = sampleSize * vaeScaleFactor;
  const sizeBlock = (block.sizes ?? {}) as Json;
  // Pixel models are trained at one size; SD-style UNets downsample latents 3×, so 64 px steps.
  const sizes =
    kind === 'pixel'
      ? { min: num(sizeBlock.min) ?? defaultSize, max: num(sizeBlock.max) ?? defaultSize, multipleOf: num(sizeBlock.multipleOf) ?? 1 }
      : { min: num(sizeBlock.min) ?? 64, max: num(sizeBlock.max) ?? 2048, multipleOf: num(sizeBlock.multipleOf) ?? vaeScaleFactor * 8 };

  const files = await listFiles(path);
  const onnxBytes = files
    .filter((f) => /^(text_encoder|unet|vae_decoder)\//.test(f.rel) && !f.rel.endsWith('.json'))
    .reduce((sum, f) => sum + f.sizeBytes, 0);

  return {
    id,
    path,
    kind,
    textEncoderPath,
    unetPath,
    vaeDecoderPath,
    tokenizerDir,
    schedulerConfig: schedulerConfig!,
    vaeScalingFactor,
    vaeScaleFactor,
    defaultWidth: num(block.width) ?? defaultSize,
    defaultHeight: num(block.height) ?? defaultSize,
    sizes,
    description: typeof block.description === 'string' ? block.description : undefined,
    files,
    onnxBytes,
  };
}
