/**
 * What a generation reports besides its images, the same for a request alone (pipeline.ts) and
 * for a batch member (batch-requests.ts): the model and device on its `inference` span and log
 * lines, its memory samplers, and at its successful end the peak memory on the span, the fields
 * of its `inference_complete` line and its GenerateResult.
 */
import { paramLogFields } from '../contract/generation-params.js';
import { ATTR, promptHash, type Attributes, type LogFields, type Span } from '../telemetry/index.js';
import { GpuMemorySampler } from './gpu/gpu-memory-sampler.js';
import { MemorySampler } from './memory-sampler.js';
import type { ResolvedModel } from './model-registry.js';
import type { RunOutput } from './run-batch.js';
import type { GenerateResult, GenerationParams } from './types.js';

/** The `inference` span's attributes naming the model and the device. */
export function modelSpanAttributes(resolved: ResolvedModel, device: string): Attributes {
  return { [ATTR.DIFFUSION_MODEL_ID]: resolved.info.id, [ATTR.DIFFUSION_MODEL_VERSION]: resolved.version, [ATTR.DIFFUSION_DEVICE]: device };
}

/** The fields every inference_* line of a request carries: its parameters, the model and the device. */
export function modelLogFields(params: GenerationParams, resolved: ResolvedModel, device: string): LogFields {
  return { ...paramLogFields(params), model_id: resolved.info.id, model_version: resolved.version, device };
}

/** Process memory sampling, started; GPU memory only on a GPU (never reported for CPU runs). */
export function startMemorySamplers(
  onGpu: boolean,
  memoryIntervalMs: number,
  gpuIntervalMs: number,
): { memory: MemorySampler; gpuMemory?: GpuMemorySampler } {
  const memory = new MemorySampler(memoryIntervalMs);
  memory.start();
  if (!onGpu) return { memory };
  const gpuMemory = new GpuMemorySampler(gpuIntervalMs);
  gpuMemory.start();
  return { memory, gpuMemory };
}

export interface CompletedGeneration {
  resolved: ResolvedModel;
  device: string;
  cacheHit: boolean;
  /** Only hashed, for the log line; the prompt itself never reaches a log. */
  prompt: string;
  output: RunOutput;
  modelLoadMs: number;
  totalMs: number;
  peakMemoryMb: number;
  /** Only on a GPU run. */
  peakGpuMemoryMb?: number;
}

export function completeGeneration(done: CompletedGeneration, span: Span | undefined): { logFields: LogFields; result: GenerateResult } {
  const { output: out, peakMemoryMb, peakGpuMemoryMb, modelLoadMs, totalMs } = done;
  span?.setAttribute(ATTR.DIFFUSION_PEAK_MEMORY_MB, peakMemoryMb);
  if (peakGpuMemoryMb !== undefined) span?.setAttribute(ATTR.DIFFUSION_PEAK_GPU_MEMORY_MB, peakGpuMemoryMb);
  const gpu = peakGpuMemoryMb !== undefined;
  return {
    logFields: {
      inference_time_ms: Math.round(totalMs),
      model_load_ms: Math.round(modelLoadMs),
      text_encode_ms: Math.round(out.textEncodeMs),
      sampling_ms: Math.round(out.samplingMs),
      decode_ms: Math.round(out.decodeMs),
      steps_per_second: out.samplingMs > 0 ? Math.round((out.stepMs.length * 1e5) / out.samplingMs) / 100 : 0,
      peak_memory_mb: peakMemoryMb,
      ...(gpu ? { peak_gpu_memory_mb: peakGpuMemoryMb } : {}),
      cache_hit: done.cacheHit,
      prompt_hash: promptHash(done.prompt),
      status: 'success',
    },
    result: {
      images: out.images,
      modelId: done.resolved.info.id,
      modelVersion: done.resolved.version,
      coldStart: !done.cacheHit,
      timings: {
        modelLoadMs,
        textEncodeMs: out.textEncodeMs,
        samplingMs: out.samplingMs,
        decodeMs: out.decodeMs,
        totalMs,
        stepMs: out.stepMs,
      },
      device: done.device,
      peakMemoryMb,
      ...(gpu ? { peakGpuMemoryMb } : {}),
    },
  };
}
