export { startExplorer, type ExplorerHandle, type ExplorerOptions } from './start-explorer.js';
export type { ExplorerLogger } from './logger.js';
export { ExplorerStore, type SpanRow, type LogRow } from './store/explorer-store.js';
export { StoreWriter } from './store/store-writer.js';
export { DEFAULT_INGEST_LIMITS, DEFAULT_QUERY_LIMITS, EXPLORER_ATTR, type IngestLimits, type QueryLimits } from './limits.js';
export { isLoopbackHost, TOKEN_COOKIE } from './security.js';
export { decodeTracesProtobuf, decodeLogsProtobuf, otlpTypes } from './otlp/decode-protobuf.js';
