export { useAsync } from './use-async.js';
export type { AsyncState } from './use-async.js';
export { LOOKBACKS, lookbackRange } from './time-range.js';
export { serviceColor } from './colors.js';
export { ErrorBadge, CacheBadge, LevelBadge } from './badges.js';
