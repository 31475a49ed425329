/**
 * GET /api/compare: two to four requests side by side, stage by stage (the explorer computes it in
 * src/explorer/api/compare.ts; the UI's /compare/<a>...<b> page draws it). The first trace is the
 * baseline every delta is measured against.
 */
import type { CacheState, StageName } from './stages.js';

export const MIN_COMPARED_TRACES = 2;
export const MAX_COMPARED_TRACES = 4;

/** The request parameters set side by side, in the order they are shown. */
export const COMPARED_PARAMETERS = ['model', 'version', 'sampler', 'steps', 'size', 'device', 'worker', 'attempt'] as const;
export type ComparedParameterName = (typeof COMPARED_PARAMETERS)[number];

export interface ComparedTrace {
  trace_id: string;
  /** µs since the epoch: the first span's start. */
  start_us: number;
  /** First span start to last span end. */
  duration_ms: number;
  root_service: string;
  root_operation: string;
  cache: CacheState;
  /** Spans with status ERROR. */
  error_count: number;
  /** Per-step durations of the sampling span (the last attempt's when the job ran more than once); empty without one. */
  step_durations_ms: number[];
  steps_per_second: number | null;
  /** The stage that grew most against the first trace (summary stages left out); null for the first trace or when none grew. */
  grew_most: StageName | null;
}

export interface StageComparison {
  stage: StageName;
  /** One entry per trace, in the order asked; null when the trace has no span of this stage. */
  durations_ms: (number | null)[];
  /**
   * One entry per trace: its duration minus the first trace's, a missing stage counting as 0 ms
   * (a warm request spends nothing on model.load). null when neither trace has the stage.
   */
  deltas_ms: (number | null)[];
}

export interface ParameterComparison {
  name: ComparedParameterName;
  /** Where the value was read: a span attribute key, or `service.instance.id` from the resource. */
  source: string;
  /** One entry per trace; null when the trace does not say. */
  values: (string | null)[];
  /** Not all values are equal (a missing value differs from a present one). */
  differs: boolean;
}

export interface TraceComparison {
  traces: ComparedTrace[];
  /** One entry per STAGES name, in STAGES order. */
  stages: StageComparison[];
  /** The largest growth of any non-summary stage of any trace over the first; null when nothing grew. */
  grew_most: { stage: StageName; trace_index: number; delta_ms: number } | null;
  parameters: ParameterComparison[];
}

export interface TraceComparisonResponse {
  data: TraceComparison;
}
