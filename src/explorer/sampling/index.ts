/** Tail-based sampling in the explorer (docs/explorer.md "Tail-based sampling"). */
export { TailSampler, type Verdict } from './tail-sampler.js';
export { SamplingStage, type SamplingReport, type SamplingStageOptions } from './sampling-stage.js';
export { SamplingTotals } from './sampling-totals.js';
export { tailSamplingOptionsFromConfig, samplingSettingsOf, type TailSamplingOptions } from './options.js';
export { keepsByProbability, rejectionThreshold, traceRandomness } from './probabilistic.js';
export { registerSamplingMetrics } from './sampling-metrics.js';
export { registerSamplingRoutes } from './sampling-routes.js';
