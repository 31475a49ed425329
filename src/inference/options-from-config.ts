/** Builds pipeline options from the one Config (the worker and the bench call this). */
import type { Config } from '../config/index.js';
import type { Logger } from '../telemetry/index.js';
import type { InferencePipelineOptions } from './pipeline.js';

export function inferenceOptionsFromConfig(config: Config, logger?: Logger): InferencePipelineOptions {
  return {
    modelsDir: config.DIFFSCOPE_MODELS_DIR,
    modelCacheMb: config.DIFFSCOPE_MODEL_CACHE_MB,
    executionProvider: config.DIFFSCOPE_EXECUTION_PROVIDER,
    gpuIndex: config.DIFFSCOPE_GPU_INDEX,
    session: {
      intraOpNumThreads: config.DIFFSCOPE_INTRA_OP_THREADS,
      graphOptimizationLevel: config.DIFFSCOPE_GRAPH_OPTIMIZATION,
      webgpu: { preferredLayout: config.DIFFSCOPE_WEBGPU_LAYOUT, validationMode: config.DIFFSCOPE_WEBGPU_VALIDATION },
    },
    ...(logger ? { logger } : {}),
  };
}
