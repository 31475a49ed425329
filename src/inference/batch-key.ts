/**
 * Which requests may share one UNet batch: the same model, size, sampler (with its Karras
 * option), steps and guidance. Seeds, prompts, negative prompts and n may differ — each member
 * keeps its own scheduler, noise generators and text states (docs/inference.md, batching).
 * No ONNX Runtime here: the worker's batcher groups requests with it on the main thread.
 */
import type { GenerationParams } from './types.js';

export function batchKey(params: GenerationParams): string {
  const karras = params.sampler === 'dpmpp_2m' && params.karrasSigmas === true;
  return JSON.stringify([params.model, params.width, params.height, params.sampler, karras, params.steps, params.cfgScale]);
}
