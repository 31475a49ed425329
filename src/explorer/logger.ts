/**
 * The narrow logger the explorer needs; src/telemetry's Logger satisfies it. Defaults to a
 * no-op so the explorer can be embedded in tests and benchmarks without a telemetry setup.
 * Event names are the contract's catalogue (src/contract/log-events.ts).
 */
import type { LogEventName } from '../contract/index.js';

export interface ExplorerLogger {
  debug(event: LogEventName, fields?: Record<string, unknown>): void;
  info(event: LogEventName, fields?: Record<string, unknown>): void;
  warn(event: LogEventName, fields?: Record<string, unknown>): void;
  error(event: LogEventName, fields?: Record<string, unknown>): void;
}

const noop = (): void => {};
export const silentLogger: ExplorerLogger = { debug: noop, info: noop, warn: noop, error: noop };
