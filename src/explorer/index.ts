export { startExplorer, type ExplorerHandle, type ExplorerOptions } from './start-explorer.js';
export type { ExplorerLogger } from './logger.js';
export { ExplorerStore, type SpanRow, type LogRow } from './store/explorer-store.js';
export { isLoopbackHost, TOKEN_COOKIE } from './security.js';
export { decodeTracesProtobuf, decodeLogsProtobuf, otlpTypes } from './otlp/decode-protobuf.js';
