/**
 * A maintenance pass (reconciler.ts, retention.ts) run every `intervalMs` on an unref'd timer,
 * one at a time: a tick while a pass still runs waits for it. A pass that throws is handed to
 * `onError` and the next tick runs as planned. stop() ends the ticks and waits for the pass in
 * progress, so a shutdown never closes a store under a running pass.
 */
export function runPeriodically(
  pass: () => Promise<unknown>,
  intervalMs: number,
  onError: (err: Error) => void,
): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const timer = setInterval(() => {
    running = running
      .then(() => (stopped ? undefined : pass()))
      .catch((err: unknown) => onError(err instanceof Error ? err : new Error(String(err))));
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
