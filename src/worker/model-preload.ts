/**
 * A worker loads its default model (DIFFSCOPE_DEFAULT_MODEL) when it starts, through the same
 * pipeline as its jobs (the inference thread in production), so it is ready (/readyz, see
 * readiness-checks.ts) without waiting for a first job, and that job pays neither for the load
 * nor for the sessions' first runs. DIFFSCOPE_WORKER_PRELOAD=false leaves the load to the first
 * job, as before. The preload is the root of its own trace (`model.preload`: `model.load`, then
 * the warm-up step with its `model.warmup` runs); jobs that arrive meanwhile share the load.
 */
import { SPAN } from '../contract/index.js';
import type { PreloadingPipeline } from '../inference/types.js';
import { ATTR, withSpan, type Logger } from '../telemetry/index.js';

/** Resolves when the model is loaded and warm, or when that failed (logged: the first job of the model tries again). */
export async function preloadDefaultModel(pipeline: PreloadingPipeline, modelId: string, logger: Logger): Promise<void> {
  try {
    await withSpan(SPAN.MODEL_PRELOAD, { attributes: { [ATTR.DIFFUSION_MODEL_ID]: modelId } }, () => pipeline.preload(modelId));
  } catch (err) {
    logger.warn('model_preload_failed', { model_id: modelId, err });
  }
}
