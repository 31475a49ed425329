/**
 * The warm-up of a preloaded model (OnnxInferencePipeline.preload): one sampling step at the
 * model's default size, with guidance when the export can take it (as requests have it by
 * default), so every ONNX session has run once — each first run is a `model.warmup` span, where
 * WebGPU compiles its shaders — before the first request. The image is thrown away; the run
 * writes no log lines (its spans say what it did).
 */
import { GENERATION_LIMITS } from '../contract/index.js';
import { noopLogger } from '../telemetry/index.js';
import type { LoadedModel } from './loaded-model.js';
import { MemorySampler } from './memory-sampler.js';
import { runGeneration } from './run-generation.js';
import type { ModelInfo } from './types.js';

/** True when every session of the model has run since it was created. */
export function isWarm(model: LoadedModel): boolean {
  return model.warm.textEncoder && model.warm.unet && (model.warm.vaeDecoder || model.vaeDecoder === undefined);
}

export async function warmUp(model: LoadedModel, info: ModelInfo): Promise<void> {
  if (isWarm(model)) return;
  // A UNet exported for a batch of 1 cannot take guidance's two rows.
  const cfgScale = model.io.unetBatch === 1 ? 1 : GENERATION_LIMITS.cfgScale.default;
  await runGeneration(
    model,
    {
      prompt: '',
      // Any sampler: the sessions' inputs do not depend on it.
      params: { model: info.id, sampler: 'ddim', steps: 1, cfgScale, seed: 0, width: info.defaultWidth, height: info.defaultHeight, n: 1 },
    },
    { logger: noopLogger, memory: new MemorySampler(0) },
  );
}
