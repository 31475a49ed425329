export type { BetaSchedule, PredictionType, Scheduler, SchedulerConfig, TimestepSpacing } from './scheduler.js';
export { parseSchedulerConfig } from './config.js';
export { createScheduler, isSamplerName, type CreateSchedulerOptions } from './create-scheduler.js';
