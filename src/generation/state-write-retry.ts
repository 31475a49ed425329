/**
 * A state write that must not be lost to a passing store failure (the dead-letter path's
 * finish): tried again with exponential backoff. When every try failed the last error is
 * thrown; the reconciler (src/generation/reconciler.ts) is the backstop after that.
 */
export interface StateWriteRetryOptions {
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
  /** Told before each wait. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

export const DEFAULT_STATE_WRITE_RETRY: Omit<StateWriteRetryOptions, 'onRetry' | 'signal'> = {
  attempts: 8,
  firstDelayMs: 100,
  maxDelayMs: 5_000,
};

export async function retryStateWrite<T>(write: () => Promise<T>, options: StateWriteRetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= options.attempts || options.signal?.aborted) throw err;
      const delayMs = Math.min(options.firstDelayMs * 2 ** (attempt - 1), options.maxDelayMs);
      options.onRetry?.(err, attempt, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
