export { startExplorer, type ExplorerHandle, type ExplorerOptions } from './start-explorer.js';
export type { ExplorerLogger } from './logger.js';
export { ExplorerStore, type ExplorerStoreOptions, type SpanRow, type LogRow } from './store/explorer-store.js';
export { runRetention, type RetentionOptions, type RetentionResult } from './store/retention.js';
export { isLoopbackHost, assertSafeBind, TOKEN_COOKIE } from './security.js';
export { analyzeStages } from './api/analysis.js';
export { decodeTracesProtobuf, decodeLogsProtobuf, otlpTypes } from './otlp/decode-protobuf.js';
export { decodeTracesJson, decodeLogsJson } from './otlp/decode-json.js';
export type { SpanRecord, LogRecordData } from './otlp/model.js';
