export type { BetaSchedule, PredictionType, Scheduler, SchedulerConfig, TimestepSpacing } from './scheduler.js';
export { parseSchedulerConfig, parseSchedulerConfigText, parsePythonJson } from './config.js';
export { createScheduler, isSamplerName, type CreateSchedulerOptions } from './create-scheduler.js';
