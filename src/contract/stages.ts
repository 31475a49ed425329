/**
 * The pipeline stages the explorer's "where the time goes" analysis reports, in the order a
 * request passes through them (then the two summaries), and the cold/warm rule. The explorer
 * API computes with them and the UI orders and labels with them: one list, one rule.
 */
import { SPAN } from './span-names.js';

export const STAGES = [
  SPAN.QUEUE_WAIT,
  SPAN.MODEL_LOAD,
  SPAN.MODEL_WARMUP,
  SPAN.TEXT_ENCODE,
  SPAN.SAMPLING,
  SPAN.VAE_DECODE,
  SPAN.STORAGE_PUT,
  SPAN.NOTIFY_WEBHOOK,
  /** The whole `inference` span (its children above are parts of it). */
  SPAN.INFERENCE,
  /** First span start to last span end of the trace. */
  'total',
] as const;

export type StageName = (typeof STAGES)[number];

const STAGE_SET: ReadonlySet<string> = new Set(STAGES);

/** `inference` and `total` contain the other stages: views set them apart and never rank them against the rest. */
export function isSummaryStage(stage: StageName): boolean {
  return stage === SPAN.INFERENCE || stage === 'total';
}

/** The stage a span's duration counts toward; `image.decode` (no VAE) is the decode stage too. */
export function stageOfSpan(spanName: string): StageName | undefined {
  if (spanName === SPAN.IMAGE_DECODE) return SPAN.VAE_DECODE;
  return STAGE_SET.has(spanName) && spanName !== 'total' ? (spanName as StageName) : undefined;
}

/** Position in STAGES; names outside the list sort after it. */
export function stageRank(stage: string): number {
  const i = (STAGES as readonly string[]).indexOf(stage);
  return i < 0 ? STAGES.length : i;
}

export type CacheState = 'cold' | 'warm' | 'unknown';

/** What a trace says about the model cache (attributes already read as booleans). */
export interface CacheEvidence {
  /** The trace has a `model.load` span. */
  modelLoadSpan: boolean;
  /** `diffusion.model.cache_hit` on the `inference` span. */
  cacheHit?: boolean;
  /** `diffusion.cold_start` on the `inference` span. */
  coldStart?: boolean;
}

/**
 * Cold = this request waited for a model load: its own `model.load` span, or the pipeline's
 * attributes saying the cache missed (a request that waited on another request's load has no
 * `model.load` span of its own but `cache_hit=false`, `cold_start=true`). Unknown when the
 * trace carries none of these (spans from another producer).
 */
export function cacheStateOf(evidence: CacheEvidence): CacheState {
  if (evidence.modelLoadSpan) return 'cold';
  if (evidence.cacheHit === false || evidence.coldStart === true) return 'cold';
  if (evidence.cacheHit === true || evidence.coldStart === false) return 'warm';
  return 'unknown';
}
