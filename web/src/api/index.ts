export { ApiError, fetchServices, fetchOperations, searchTraces, fetchTrace, searchLogs, fetchStages, fetchComparison, imageUrl } from './client.js';
export type { TraceQuery, LogQuery } from './client.js';
