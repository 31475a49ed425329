/**
 * diffscope's contract: the names and shapes that services, the explorer and its UI (web/)
 * agree on — service and span names, span attribute keys, the pipeline stages and the cold/warm
 * rule, the log events with their fields, generation parameters with their wire names and limits,
 * and the explorer API's wire types. Plain TypeScript with no imports outside this folder, so
 * the browser bundle imports it as it is.
 */
export { SERVICE, type ServiceName } from './services.js';
export { SPAN, httpServerSpanName, type SpanName } from './span-names.js';
export { ATTR, type AttributeKey } from './attributes.js';
export {
  STAGES,
  cacheStateOf,
  isSummaryStage,
  stageOfSpan,
  stageRank,
  type CacheEvidence,
  type CacheState,
  type StageName,
} from './stages.js';
export {
  BASE_LOG_FIELDS,
  ERROR_DETAIL_FIELDS,
  ERROR_FIELDS,
  GENERATION_PARAM_FIELDS,
  LOG_LEVELS,
  REQUEST_LOG_FIELDS,
  logFieldTypes,
  matchesLogFieldType,
  type LogFieldSpec,
  type LogFieldSpecs,
  type LogFieldType,
  type LogLevelName,
} from './log-fields.js';
export { LOG_EVENTS, isLogEventName, type LogEventName, type LogEventSpec, type LogScope } from './log-events.js';
export { validateLogRecord, type ValidateLogRecordOptions } from './log-validation.js';
export {
  SAMPLER_NAMES,
  paramLogFields,
  paramsFromWire,
  paramsToWire,
  type GenerationParams,
  type SamplerName,
  type WireParams,
} from './generation-params.js';
export { GENERATION_LIMITS, withinLimit, type LimitedParam, type NumericLimit } from './limits.js';
export {
  COMPARED_PARAMETERS,
  MAX_COMPARED_TRACES,
  MIN_COMPARED_TRACES,
  type ComparedParameterName,
  type ComparedTrace,
  type ParameterComparison,
  type StageComparison,
  type TraceComparison,
  type TraceComparisonResponse,
} from './trace-comparison.js';
export type {
  ApiErrorBody,
  DependencyLink,
  ExplorerHealth,
  JaegerEnvelope,
  JaegerError,
  JaegerErrorEnvelope,
  JaegerLog,
  JaegerOperation,
  JaegerProcess,
  JaegerReference,
  JaegerSpan,
  JaegerTag,
  JaegerTagType,
  JaegerTrace,
  LogEntry,
  LogSearchResponse,
  StageAnalysis,
  StageAnalysisResponse,
  StageGroup,
  StageGroupKey,
  StageStats,
} from './explorer-api.js';
export {
  DROP_REASONS,
  EARLY_DECISION_REASONS,
  KEEP_POLICIES,
  addSamplingCounts,
  emptySamplingCounts,
  type DropReason,
  type EarlyDecisionReason,
  type KeepPolicy,
  type SampledRecordCounts,
  type SamplingCounts,
  type SamplingHeld,
  type SamplingSettings,
  type SamplingStatus,
} from './tail-sampling.js';
