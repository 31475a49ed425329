export { buildApiServer } from './build-api-server.js';
export type { ApiServerDeps } from './api-deps.js';
export { formatSseEvent } from './routes/generation-events.js';
export { waitForTerminal } from './wait-for-terminal.js';
