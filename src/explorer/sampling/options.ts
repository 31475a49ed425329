/**
 * The tail-sampling settings as the sampler reads them, built once from the configuration
 * (DIFFSCOPE_TAIL_SAMPLING_*, src/config/schema.ts; documented in docs/explorer.md). Plain data:
 * it travels to the write thread as workerData.
 */
import { ConfigError, type Config } from '../../config/index.js';
import type { SamplingSettings } from '../../contract/index.js';

export interface TailSamplingOptions {
  /** After the root span and every queued job's consumer span arrived: how long no new span may come before the trace is decided. */
  decisionWaitMs: number;
  /** A trace still incomplete this long after its first record is decided with what it has. */
  maxTraceWaitMs: number;
  /** Undecided traces held at most (the Collector's num_traces); past it the oldest is decided early. */
  maxTraces: number;
  /** Spans plus log records held at most; past it the oldest trace is decided early. */
  maxRecords: number;
  /** Decisions remembered for late spans (oldest forgotten first). */
  decisionCacheSize: number;
  /** Keep traces at least this long, end to end (0: off). */
  latencyThresholdMs: number;
  /** Keep traces longer than this percentile of their model/sampler/steps group (0: off). */
  groupPercentile: number;
  /** A group's percentile is used once it has seen this many traces. */
  groupMinTraces: number;
  /** The group's percentile is over its last this many traces (kept or dropped). */
  groupWindow: number;
  /** Share of the remaining traces kept, by trace id (0-100). */
  probabilisticPercentage: number;
  /** Kept traces per clock minute at most (0: no cap). */
  maxTracesPerMinute: number;
  /** What becomes of the logs of a dropped trace: dropped with it, or kept (then never held). */
  droppedLogs: 'drop' | 'keep';
}

/** Undefined when DIFFSCOPE_TAIL_SAMPLING=off (every record is stored, as before). */
export function tailSamplingOptionsFromConfig(config: Config): TailSamplingOptions | undefined {
  if (config.DIFFSCOPE_TAIL_SAMPLING !== 'on') return undefined;
  const options: TailSamplingOptions = {
    decisionWaitMs: config.DIFFSCOPE_TAIL_SAMPLING_DECISION_WAIT_MS,
    maxTraceWaitMs: config.DIFFSCOPE_TAIL_SAMPLING_MAX_TRACE_WAIT_MS,
    maxTraces: config.DIFFSCOPE_TAIL_SAMPLING_MAX_TRACES,
    maxRecords: config.DIFFSCOPE_TAIL_SAMPLING_MAX_RECORDS,
    decisionCacheSize: config.DIFFSCOPE_TAIL_SAMPLING_DECISION_CACHE_SIZE,
    latencyThresholdMs: config.DIFFSCOPE_TAIL_SAMPLING_LATENCY_THRESHOLD_MS,
    groupPercentile: config.DIFFSCOPE_TAIL_SAMPLING_GROUP_PERCENTILE,
    groupMinTraces: config.DIFFSCOPE_TAIL_SAMPLING_GROUP_MIN_TRACES,
    groupWindow: config.DIFFSCOPE_TAIL_SAMPLING_GROUP_WINDOW,
    probabilisticPercentage: config.DIFFSCOPE_TAIL_SAMPLING_PERCENTAGE,
    maxTracesPerMinute: config.DIFFSCOPE_TAIL_SAMPLING_MAX_TRACES_PER_MINUTE,
    droppedLogs: config.DIFFSCOPE_TAIL_SAMPLING_DROPPED_LOGS,
  };
  const issues: { variable: string; message: string }[] = [];
  if (options.maxTraceWaitMs < options.decisionWaitMs) {
    issues.push({
      variable: 'DIFFSCOPE_TAIL_SAMPLING_MAX_TRACE_WAIT_MS',
      message: `must be at least DIFFSCOPE_TAIL_SAMPLING_DECISION_WAIT_MS (${options.decisionWaitMs})`,
    });
  }
  if (options.groupPercentile > 0 && options.groupWindow < options.groupMinTraces) {
    issues.push({
      variable: 'DIFFSCOPE_TAIL_SAMPLING_GROUP_WINDOW',
      message: `must be at least DIFFSCOPE_TAIL_SAMPLING_GROUP_MIN_TRACES (${options.groupMinTraces})`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return options;
}

/** The settings as GET /api/sampling shows them. */
export function samplingSettingsOf(o: TailSamplingOptions): SamplingSettings {
  return {
    decision_wait_ms: o.decisionWaitMs,
    max_trace_wait_ms: o.maxTraceWaitMs,
    max_traces: o.maxTraces,
    max_records: o.maxRecords,
    decision_cache_size: o.decisionCacheSize,
    latency_threshold_ms: o.latencyThresholdMs,
    group_percentile: o.groupPercentile,
    group_min_traces: o.groupMinTraces,
    group_window: o.groupWindow,
    probabilistic_percentage: o.probabilisticPercentage,
    max_traces_per_minute: o.maxTracesPerMinute,
    dropped_logs: o.droppedLogs,
  };
}
