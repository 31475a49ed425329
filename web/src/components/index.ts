export { useAsync } from './use-async.js';
export type { AsyncState } from './use-async.js';
export { LOOKBACKS, lookbackRange, toLocalInput } from './time-range.js';
export type { TimeRangeValue } from './time-range.js';
export { TimeRangeInput } from './time-range-input.js';
export { serviceColor } from './colors.js';
export { ErrorBadge, CacheBadge, LevelBadge } from './badges.js';
