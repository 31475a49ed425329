/**
 * Telemetry's part in a process's end: flush and stop the SDK (spans and log records). Signals,
 * shutdown hooks and exiting belong to the service runtime (src/cli/service-lifecycle.ts), which
 * calls this last; a process that simply runs out of work flushes on 'beforeExit' (sdk-start.ts).
 */
import type { Logger } from './logger.js';
import { telemetryState } from './state.js';

/** Flush and stop the SDK. Safe to call more than once, and without an SDK (then a no-op). */
export async function shutdownTelemetry(logger?: Logger): Promise<void> {
  const state = telemetryState();
  const stop = state.sdkShutdown;
  if (stop === undefined) return;
  state.sdkShutdown = undefined;
  try {
    await stop();
  } catch (err) {
    logger?.warn('telemetry_flush_failed', { err });
  }
}
