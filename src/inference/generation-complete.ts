/**
 * The end of a successful generation, the same for a request alone (pipeline.ts) and for a
 * batch member (batch-requests.ts): peak memory on its `inference` span, the fields of its
 * `inference_complete` line (after the request's own fields) and its GenerateResult.
 */
import { ATTR, promptHash, type LogFields, type Span } from '../telemetry/index.js';
import type { ResolvedModel } from './model-registry.js';
import type { RunOutput } from './run-batch.js';
import type { GenerateResult } from './types.js';

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
      timings: { modelLoadMs, textEncodeMs: out.textEncodeMs, samplingMs: out.samplingMs, decodeMs: out.decodeMs, totalMs, stepMs: out.stepMs },
      device: done.device,
      peakMemoryMb,
      ...(gpu ? { peakGpuMemoryMb } : {}),
    },
  };
}
