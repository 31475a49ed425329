import { ATTR } from '../attributes.js';
import { SPAN } from '../span-names.js';
import { cacheStateOf, type CacheState } from '../stages.js';
import type { SpanNode, TraceModel } from './types.js';
import { booleanTag, numberArrayTag, numberTag, stringTag, tagValue } from './tags.js';

export type { CacheState };

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
  return span.operationName === SPAN.QUEUE_WAIT;
}

/** Cold/warm by the contract's rule (cacheStateOf in src/contract/stages.ts), shared with the stage analysis. */
export function summarizeDiffusion(model: TraceModel): DiffusionSummary {
  let inferenceIndex = -1;
  let samplingIndex = -1;
  let hasModelLoad = false;
  let cacheHit: boolean | undefined;
  let storagePuts = 0;
  let outputLocations = 0;
  let queueWaitUs: number | undefined;
  let requestId: string | undefined;
  for (const s of model.spans) {
    switch (s.operationName) {
      case SPAN.INFERENCE:
        if (inferenceIndex < 0) inferenceIndex = s.index;
        cacheHit = booleanTag(tagValue(s.tags, ATTR.DIFFUSION_CACHE_HIT)) ?? cacheHit;
        break;
      case SPAN.MODEL_LOAD:
        hasModelLoad = true;
        break;
      case SPAN.SAMPLING:
        if (samplingIndex < 0) samplingIndex = s.index;
        break;
      case SPAN.STORAGE_PUT:
        storagePuts++;
        break;
      case SPAN.QUEUE_WAIT:
        queueWaitUs = (queueWaitUs ?? 0) + s.durationUs;
        break;
      default:
        break;
    }
    if (tagValue(s.tags, ATTR.DIFFUSION_OUTPUT_LOCATION) !== undefined) outputLocations++;
    requestId ??= stringTag(tagValue(s.tags, ATTR.REQUEST_ID));
  }
  const inf = inferenceIndex >= 0 ? model.spans[inferenceIndex] : undefined;
  const tag = (k: string): unknown => (inf ? tagValue(inf.tags, k) : undefined);
  const width = numberTag(tag(ATTR.DIFFUSION_WIDTH));
  const height = numberTag(tag(ATTR.DIFFUSION_HEIGHT));
  return {
    cache: cacheStateOf({ modelLoadSpan: hasModelLoad, cacheHit, coldStart: booleanTag(tag(ATTR.DIFFUSION_COLD_START)) }),
    inferenceIndex,
    samplingIndex,
    queueWaitUs,
    model: stringTag(tag(ATTR.DIFFUSION_MODEL_ID) ?? tag(ATTR.GEN_AI_REQUEST_MODEL)),
    sampler: stringTag(tag(ATTR.DIFFUSION_SAMPLER)),
    steps: numberTag(tag(ATTR.DIFFUSION_STEPS)),
    size: width !== undefined && height !== undefined ? `${width}×${height}` : undefined,
    requestId,
    // Only stored images can be shown: a failed request asked for n but has none.
    imageCount: storagePuts > 0 ? storagePuts : outputLocations,
  };
}

export function stepStrip(span: SpanNode): StepStrip | undefined {
  const durationsMs = numberArrayTag(tagValue(span.tags, ATTR.DIFFUSION_STEP_DURATIONS_MS));
  if (!durationsMs || durationsMs.length === 0) return undefined;
  let maxMs = 0;
  let totalMs = 0;
  for (const d of durationsMs) {
    if (d > maxMs) maxMs = d;
    totalMs += d;
  }
  const tagged = numberTag(tagValue(span.tags, ATTR.DIFFUSION_STEPS_PER_SECOND));
  return {
    durationsMs,
    maxMs,
    totalMs,
    stepsPerSecond: tagged ?? (totalMs > 0 ? durationsMs.length / (totalMs / 1000) : undefined),
  };
}
