/**
 * The narrow logger the explorer needs; src/telemetry's Logger satisfies it. Defaults to a
 * no-op so the explorer can be embedded in tests and benchmarks without a telemetry setup.
 */
export interface ExplorerLogger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

const noop = (): void => {};
export const silentLogger: ExplorerLogger = { debug: noop, info: noop, warn: noop, error: noop };
