export type {
  JaegerLog,
  JaegerProcess,
  JaegerReference,
  JaegerSpan,
  JaegerTag,
  JaegerTrace,
  LogEntry,
  SpanNode,
  StageAnalysis,
  StageGroup,
  StageName,
  StageStats,
  TraceModel,
} from './types.js';
export { transformTrace } from './transform-trace.js';
export { computeCriticalPath } from './critical-path.js';
export type { CriticalPath, CriticalSection } from './critical-path.js';
export { visibleRows, ancestorsOf, groupLogsBySpan } from './visible-rows.js';
export type { Row, VisibleRowsOptions } from './visible-rows.js';
export { summarizeDiffusion, stepStrip, isQueueWait } from './diffusion.js';
export type { CacheState, DiffusionSummary, StepStrip } from './diffusion.js';
export { summarizeTrace } from './trace-summary.js';
export { ownWarnings, spansWithWarnings } from './warnings.js';
export type { TraceSummary } from './trace-summary.js';
export { formatDuration, formatMs, formatTimestampUs, formatClockUs, timeTicks } from './format.js';
export { tagMapOf, tagValue, isTruthyTag, numberTag, numberArrayTag, stringTag, formatTagValue } from './tags.js';
