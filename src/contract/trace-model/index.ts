/**
 * The trace model shared by the explorer UI (web/src/model re-exports it) and the CLI's
 * `diffscope trace`: shaping a Jaeger trace, its critical path, and the diffusion summary (queue
 * wait, step strip). Plain TypeScript with no imports outside src/contract, so the browser bundle
 * and Node both import it as it is.
 */
export type { SpanNode, TraceModel } from './types.js';
export { transformTrace } from './transform-trace.js';
export { computeCriticalPath, type CriticalPath, type CriticalSection } from './critical-path.js';
export { summarizeDiffusion, stepStrip, isQueueWait, type DiffusionSummary, type StepStrip } from './diffusion.js';
export { tagMapOf, tagValue, isTruthyTag, booleanTag, numberTag, numberArrayTag, stringTag, formatTagValue } from './tags.js';
export {
  batchMembership,
  batchFanIn,
  batchCriticalShare,
  type BatchMembership,
  type BatchFanIn,
  type BatchMember,
} from './batch-fan-in.js';
