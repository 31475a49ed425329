/**
 * Graceful shutdown: on SIGTERM/SIGINT run the registered hooks in reverse order (last started,
 * first stopped), then flush spans and log records, then exit(0). A second signal, or the grace
 * period running out, exits at once with code 1.
 */
import { telemetryState } from './state.js';
import type { Logger } from './logger.js';

export interface ShutdownOptions {
  /** Upper bound for hooks + flush before a forced exit(1). Default 10 000 ms. */
  graceMs?: number;
  /** Where shutdown_* events go. */
  logger?: Logger;
}

let graceMs = 10_000;
let shutdownLogger: Logger | undefined;

export function configureShutdown(options: ShutdownOptions): void {
  if (options.graceMs !== undefined) graceMs = options.graceMs;
  if (options.logger !== undefined) shutdownLogger = options.logger;
}

/** Register a hook run on SIGTERM/SIGINT (reverse registration order) before telemetry is flushed. */
export function onShutdown(fn: () => Promise<void> | void): void {
  telemetryState().shutdownHooks.push(fn);
  installSignalHandlers();
}

/** Flush and stop the SDK (spans + log records). Safe to call more than once. */
export async function shutdownTelemetry(): Promise<void> {
  const state = telemetryState();
  const stop = state.sdkShutdown;
  if (stop === undefined) return;
  state.sdkShutdown = undefined;
  try {
    await stop();
  } catch (err) {
    shutdownLogger?.warn('telemetry_flush_failed', { err });
  }
}

async function runHooks(): Promise<void> {
  const hooks = telemetryState().shutdownHooks.splice(0).reverse();
  for (const hook of hooks) {
    try {
      await hook();
    } catch (err) {
      shutdownLogger?.error('shutdown_hook_failed', { err });
    }
  }
}

/** Runs hooks then flushes; resolves when done (does not exit). Exposed for CLIs and tests. */
export function runShutdown(): Promise<void> {
  const state = telemetryState();
  state.shuttingDown ??= (async () => {
    await runHooks();
    await shutdownTelemetry();
  })();
  return state.shuttingDown;
}

function handleSignal(signal: NodeJS.Signals): void {
  const state = telemetryState();
  if (state.shuttingDown !== undefined) {
    shutdownLogger?.warn('shutdown_forced', { signal });
    process.exit(1);
  }
  shutdownLogger?.info('shutdown_started', { signal });
  const timer = setTimeout(() => {
    shutdownLogger?.error('shutdown_timeout', { signal, grace_ms: graceMs });
    process.exit(1);
  }, graceMs);
  timer.unref();
  void runShutdown().then(() => {
    shutdownLogger?.info('shutdown_complete', { signal });
    process.exit(0);
  });
}

/** Idempotent; called by onShutdown() and by the SDK start module. */
export function installSignalHandlers(): void {
  const state = telemetryState();
  if (state.signalHandlersInstalled) return;
  state.signalHandlersInstalled = true;
  process.on('SIGTERM', handleSignal);
  process.on('SIGINT', handleSignal);
  // A process that simply runs out of work exits without a signal: flush then too (the
  // batch processors' timers are unref'd and would not keep it alive).
  process.once('beforeExit', () => {
    void shutdownTelemetry();
  });
}
