import type { SpanNode, TraceModel } from './types.js';
import { isTruthyTag, numberArrayTag, numberTag, stringTag, tagValue } from './tags.js';

export type CacheState = 'cold' | 'warm' | 'unknown';

export interface DiffusionSummary {
  cache: CacheState;
  inferenceIndex: number;
  samplingIndex: number;
  queueWaitUs: number | undefined;
  model?: string;
  sampler?: string;
  steps?: number;
  size?: string;
  requestId?: string;
  /** How many output images were stored (storage.put spans, else spans naming an output_location). */
  imageCount: number;
}

export interface StepStrip {
  durationsMs: number[];
  maxMs: number;
  totalMs: number;
  stepsPerSecond: number | undefined;
}

export function isQueueWait(span: SpanNode): boolean {
  return span.operationName === 'queue.wait';
}

/** model.load in the trace → cold; diffusion.model.cache_hit=true on inference → warm. */
export function summarizeDiffusion(model: TraceModel): DiffusionSummary {
  let inferenceIndex = -1;
  let samplingIndex = -1;
  let hasModelLoad = false;
  let cacheHit = false;
  let storagePuts = 0;
  let outputLocations = 0;
  let queueWaitUs: number | undefined;
  let requestId: string | undefined;
  for (const s of model.spans) {
    switch (s.operationName) {
      case 'inference':
        if (inferenceIndex < 0) inferenceIndex = s.index;
        if (isTruthyTag(tagValue(s.tags, 'diffusion.model.cache_hit'))) cacheHit = true;
        break;
      case 'model.load':
        hasModelLoad = true;
        break;
      case 'sampling':
        if (samplingIndex < 0) samplingIndex = s.index;
        break;
      case 'storage.put':
        storagePuts++;
        break;
      case 'queue.wait':
        queueWaitUs = (queueWaitUs ?? 0) + s.durationUs;
        break;
      default:
        break;
    }
    if (tagValue(s.tags, 'diffusion.output_location') !== undefined) outputLocations++;
    requestId ??= stringTag(tagValue(s.tags, 'diffscope.request_id'));
  }
  const inf = inferenceIndex >= 0 ? model.spans[inferenceIndex] : undefined;
  const tag = (k: string): unknown => (inf ? tagValue(inf.tags, k) : undefined);
  const width = numberTag(tag('diffusion.width'));
  const height = numberTag(tag('diffusion.height'));
  return {
    cache: hasModelLoad ? 'cold' : cacheHit ? 'warm' : isTruthyTag(tag('diffusion.cold_start')) ? 'cold' : 'unknown',
    inferenceIndex,
    samplingIndex,
    queueWaitUs,
    model: stringTag(tag('diffusion.model.id') ?? tag('gen_ai.request.model')),
    sampler: stringTag(tag('diffusion.sampler')),
    steps: numberTag(tag('diffusion.steps')),
    size: width !== undefined && height !== undefined ? `${width}×${height}` : undefined,
    requestId,
    // Only stored images can be shown: a failed request asked for n but has none.
    imageCount: storagePuts > 0 ? storagePuts : outputLocations,
  };
}

export function stepStrip(span: SpanNode): StepStrip | undefined {
  const durationsMs = numberArrayTag(tagValue(span.tags, 'diffusion.step_durations_ms'));
  if (!durationsMs || durationsMs.length === 0) return undefined;
  let maxMs = 0;
  let totalMs = 0;
  for (const d of durationsMs) {
    if (d > maxMs) maxMs = d;
    totalMs += d;
  }
  const tagged = numberTag(tagValue(span.tags, 'diffusion.steps_per_second'));
  return {
    durationsMs,
    maxMs,
    totalMs,
    stepsPerSecond: tagged ?? (totalMs > 0 ? durationsMs.length / (totalMs / 1000) : undefined),
  };
}
