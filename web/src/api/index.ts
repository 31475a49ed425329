export {
  ApiError,
  fetchServices,
  fetchOperations,
  searchTraces,
  fetchTrace,
  searchLogs,
  fetchStages,
  fetchComparison,
  fetchSampling,
  imageUrl,
} from './client.js';
export type { TraceQuery, LogQuery } from './client.js';
