/**
 * The contract between the inference library and its callers (the worker, benchmarks, tests).
 * Nothing here depends on ONNX Runtime, so callers can be type-checked without loading it.
 */
import type { GenerationParams } from '../contract/index.js';
import type { Context } from '../telemetry/index.js';

// The parameters are part of the contract (the API, logs and the explorer UI name them too).
export { SAMPLER_NAMES, type GenerationParams, type SamplerName } from '../contract/index.js';

export interface GenerateRequest {
  prompt: string;
  negativePrompt?: string;
  params: GenerationParams;
  /** Called after every sampling step, with 1-based `step` of `totalSteps`. Must be cheap. */
  onProgress?: (progress: StepProgress) => void;
  /** Checked between steps: an aborted signal stops sampling within one step. */
  signal?: AbortSignal;
}

export interface StepProgress {
  step: number;
  totalSteps: number;
  stepMs: number;
}

export interface GeneratedImage {
  png: Buffer;
  width: number;
  height: number;
  seed: number;
}

export interface GenerateResult {
  images: GeneratedImage[];
  modelId: string;
  modelVersion: string;
  /** True when the model had to be loaded for this request (`model.load` span present). */
  coldStart: boolean;
  timings: {
    modelLoadMs: number;
    textEncodeMs: number;
    samplingMs: number;
    decodeMs: number;
    totalMs: number;
    stepMs: number[];
  };
  /** `cpu`, or the GPU as nvidia-smi names it (`gpu:0 NVIDIA H200`), else the provider (`webgpu`, `cuda`). */
  device: string;
  /** Peak resident memory of the process while this request ran (CPU). */
  peakMemoryMb?: number;
  /** Only when running on a GPU and read from the device. */
  peakGpuMemoryMb?: number;
}

export interface ModelInfo {
  id: string;
  version: string;
  path: string;
  kind: 'pixel' | 'latent';
  defaultWidth: number;
  defaultHeight: number;
  /** Allowed output sizes, or a [min, max, multiple] range. */
  sizes: { min: number; max: number; multipleOf: number };
  description?: string;
}

export interface InferencePipeline {
  listModels(): ModelInfo[];
  generate(request: GenerateRequest): Promise<GenerateResult>;
  close(): Promise<void>;
}

/** One request of a batch: its own prompt, seed, n, progress, cancel, and the context of its own span. */
export interface BatchMemberRequest extends GenerateRequest {
  /**
   * The member's span context (the worker's `inference` span): its copies of the stage spans
   * start there and its log lines are written in it. The batch's own stage spans go under the
   * context active when generateBatch() is called (the `batch` span).
   */
  context: Context;
}

export interface BatchRun {
  /** One per member, in order; each settles as soon as that member is done (or canceled, or failed). */
  results: Promise<GenerateResult>[];
  /** Resolves when the whole batch is over (every span of it ended). Never rejects. */
  done: Promise<void>;
}

/** A pipeline that can run compatible requests (src/inference/batch-key.ts) as one UNet batch. */
export interface BatchingPipeline extends InferencePipeline {
  generateBatch(members: BatchMemberRequest[]): BatchRun;
}

export function canBatch(pipeline: InferencePipeline): pipeline is BatchingPipeline {
  return typeof (pipeline as Partial<BatchingPipeline>).generateBatch === 'function';
}

/** A pipeline that can load and warm a model before any request asks for it. */
export interface PreloadingPipeline extends InferencePipeline {
  preload(modelId: string): Promise<void>;
}

export function canPreload(pipeline: InferencePipeline): pipeline is PreloadingPipeline {
  return typeof (pipeline as Partial<PreloadingPipeline>).preload === 'function';
}
