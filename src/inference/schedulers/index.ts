export type { BetaSchedule, PredictionType, Scheduler, SchedulerConfig, TimestepSpacing } from './scheduler.js';
export { parseSchedulerConfig, parseSchedulerConfigText } from './config.js';
export { createScheduler, isSamplerName, type CreateSchedulerOptions } from './create-scheduler.js';
