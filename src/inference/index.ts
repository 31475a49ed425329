/** The inference library: ONNX Runtime diffusion pipeline, model registry/cache, samplers. */
export {
  SAMPLER_NAMES,
  type SamplerName,
  type GenerationParams,
  type GenerateRequest,
  type GenerateResult,
  type GeneratedImage,
  type InferencePipeline,
  type ModelInfo,
  type StepProgress,
  type BatchMemberRequest,
  type BatchRun,
  type BatchingPipeline,
  type PreloadingPipeline,
  canBatch,
  canPreload,
} from './types.js';
export { batchKey } from './batch-key.js';
export { createInferencePipeline, type InferencePipelineOptions, type InferencePipelineExt } from './pipeline.js';
export { createThreadedInferencePipeline } from './thread/threaded-pipeline.js';
export { chooseExecutionProvider, checkWebGpu, type ExecutionProviderChoice, type ProviderChoice } from './execution-provider.js';
export { gpuDeviceName, processGpuMemoryMb, queryGpus, type GpuStatus } from './gpu/nvidia-smi.js';
export { GpuMemorySampler } from './gpu/gpu-memory-sampler.js';
export { inferenceOptionsFromConfig } from './options-from-config.js';
export type { SessionRuntimeOptions, ExecutionProvider, GraphOptimizationLevel } from './onnx-session.js';
export { GaussianNoise } from './seeded-noise.js';
export { loadPromptTokenizer, type PromptTokenizer } from './prompt-tokenizer.js';
export { planarToPng } from './png-encode.js';
export { createScheduler, parseSchedulerConfig } from './schedulers/index.js';
export type { Scheduler, SchedulerConfig } from './schedulers/scheduler.js';
