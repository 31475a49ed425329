/**
 * A long-running service's end, owned by the CLI (not by telemetry): on SIGTERM/SIGINT run the
 * registered hooks in reverse order (last started, first stopped), then flush telemetry, then
 * exit 0. A second signal, or the grace period running out, exits at once with code 1. All state
 * lives on the instance; the process has one because `diffscope <service>` starts one.
 */
import { shutdownTelemetry, type Logger } from '../telemetry/index.js';

export type ShutdownHook = () => Promise<void> | void;

export interface ServiceLifecycleOptions {
  /** Upper bound for hooks + flush before a forced exit(1). */
  graceMs: number;
  /** Where shutdown_* events go. */
  logger: Logger;
}

export class ServiceLifecycle {
  readonly #graceMs: number;
  readonly #logger: Logger;
  readonly #hooks: ShutdownHook[] = [];
  #shuttingDown: Promise<void> | undefined;
  #signalsInstalled = false;

  constructor(options: ServiceLifecycleOptions) {
    this.#graceMs = options.graceMs;
    this.#logger = options.logger;
  }

  /** Run `hook` on shutdown, before everything registered earlier and before telemetry is flushed. */
  onShutdown(hook: ShutdownHook): void {
    this.#hooks.push(hook);
  }

  /** Hooks (reverse order, a failing one does not stop the others), then the telemetry flush. Runs once. */
  shutdown(): Promise<void> {
    this.#shuttingDown ??= (async () => {
      for (const hook of this.#hooks.splice(0).reverse()) {
        try {
          await hook();
        } catch (err) {
          this.#logger.error('shutdown_hook_failed', { err });
        }
      }
      await shutdownTelemetry(this.#logger);
    })();
    return this.#shuttingDown;
  }

  /** SIGTERM/SIGINT → shutdown() then exit. Idempotent. */
  installSignalHandlers(): void {
    if (this.#signalsInstalled) return;
    this.#signalsInstalled = true;
    const onSignal = (signal: NodeJS.Signals) => this.#handleSignal(signal);
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }

  #handleSignal(signal: NodeJS.Signals): void {
    if (this.#shuttingDown !== undefined) {
      this.#logger.warn('shutdown_forced', { signal });
      process.exit(1);
    }
    this.#logger.info('shutdown_started', { signal });
    const timer = setTimeout(() => {
      this.#logger.error('shutdown_timeout', { signal, grace_ms: this.#graceMs });
      process.exit(1);
    }, this.#graceMs);
    timer.unref();
    void this.shutdown().then(() => {
      this.#logger.info('shutdown_complete', { signal });
      process.exit(0);
    });
  }
}
