/**
 * Tail-based sampling in the explorer (src/explorer/sampling/, docs/explorer.md "Tail-based
 * sampling"): the policy names its counters are labelled with, and the wire shape of
 * `GET /api/sampling` that the UI's sampling panel reads. Policy names follow the OpenTelemetry
 * Collector's tail_sampling processor (`status_code`, `latency`, `probabilistic`,
 * `rate_limiting`) where one fits; `retry` is the Collector's `numeric_attribute` on
 * `messaging.delivery.attempt`, `group_latency` and `span_links` are diffscope's own.
 */

/** The policies that can keep a trace, in the order they are asked (the first that keeps a trace names the decision). */
export const KEEP_POLICIES = ['status_code', 'retry', 'latency', 'group_latency', 'span_links', 'probabilistic'] as const;
export type KeepPolicy = (typeof KEEP_POLICIES)[number];

/** Why a trace was dropped: no policy kept it, or one did and the per-minute cap refused it. */
export const DROP_REASONS = ['no_policy', 'rate_limiting'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Why a trace was decided before it looked complete (its late spans then follow that decision). */
export const EARLY_DECISION_REASONS = ['buffer_full', 'max_wait', 'shutdown'] as const;
export type EarlyDecisionReason = (typeof EARLY_DECISION_REASONS)[number];

export interface SampledRecordCounts {
  /** Records of decided traces written / discarded at their decision. */
  kept: number;
  dropped: number;
  /** Records that arrived after their trace was decided and followed that decision. */
  late_kept: number;
  late_dropped: number;
}

/** Counts since the explorer started (they survive an ingest-thread restart). */
export interface SamplingCounts {
  traces: { kept: Partial<Record<KeepPolicy, number>>; dropped: Partial<Record<DropReason, number>> };
  /** Every policy's answer for every decided trace (the Collector's count_traces_sampled{policy, sampled}). */
  policies: Partial<Record<KeepPolicy, { sampled: number; not_sampled: number }>>;
  spans: SampledRecordCounts;
  logs: SampledRecordCounts;
  /** Logs of traces that had no span by the time they were written (kept, undecided). */
  logs_without_spans: number;
  decided_early: Partial<Record<EarlyDecisionReason, number>>;
  /** Records of kept traces the store refused past every retry (lost). */
  lost_records: number;
}

/** What is waiting for a decision right now. */
export interface SamplingHeld {
  traces: number;
  spans: number;
  logs: number;
  /** Estimate of the memory those rows take (their strings plus a fixed per-row cost). */
  bytes: number;
  /** Decisions remembered for late spans (the decision cache). */
  decisions: number;
}

export interface SamplingSettings {
  decision_wait_ms: number;
  max_trace_wait_ms: number;
  max_traces: number;
  max_records: number;
  decision_cache_size: number;
  /** 0: the latency policy is off. */
  latency_threshold_ms: number;
  /** 0: the group_latency policy is off. */
  group_percentile: number;
  group_min_traces: number;
  group_window: number;
  probabilistic_percentage: number;
  /** 0: no cap. */
  max_traces_per_minute: number;
  dropped_logs: 'drop' | 'keep';
}

/** GET /api/sampling → `{ data: SamplingStatus }`. */
export interface SamplingStatus {
  enabled: boolean;
  settings: SamplingSettings | null;
  counts: SamplingCounts;
  held: SamplingHeld;
}

export function emptySamplingCounts(): SamplingCounts {
  const records = (): SampledRecordCounts => ({ kept: 0, dropped: 0, late_kept: 0, late_dropped: 0 });
  return {
    traces: { kept: {}, dropped: {} },
    policies: {},
    spans: records(),
    logs: records(),
    logs_without_spans: 0,
    decided_early: {},
    lost_records: 0,
  };
}

/** Adds `delta` into `into` (the main thread sums the write thread's deltas). */
export function addSamplingCounts(into: SamplingCounts, delta: SamplingCounts): void {
  const addMap = <K extends string>(a: Partial<Record<K, number>>, b: Partial<Record<K, number>>) => {
    for (const k of Object.keys(b) as K[]) a[k] = (a[k] ?? 0) + (b[k] ?? 0);
  };
  addMap(into.traces.kept, delta.traces.kept);
  addMap(into.traces.dropped, delta.traces.dropped);
  addMap(into.decided_early, delta.decided_early);
  for (const k of Object.keys(delta.policies) as KeepPolicy[]) {
    const d = delta.policies[k]!;
    const a = (into.policies[k] ??= { sampled: 0, not_sampled: 0 });
    a.sampled += d.sampled;
    a.not_sampled += d.not_sampled;
  }
  for (const signal of ['spans', 'logs'] as const) {
    into[signal].kept += delta[signal].kept;
    into[signal].dropped += delta[signal].dropped;
    into[signal].late_kept += delta[signal].late_kept;
    into[signal].late_dropped += delta[signal].late_dropped;
  }
  into.logs_without_spans += delta.logs_without_spans;
  into.lost_records += delta.lost_records;
}
