/**
 * Wait until a generation reaches a terminal status: the store's live subscription wakes us
 * up at once; a slow poll covers stores whose fan-out may drop a message.
 */
import { TERMINAL_STATUSES, type GenerationRecord, type GenerationStore } from '../state/index.js';

/** Resolves with the terminal record, or null on timeout or when `signal` aborts (client gone). */
export async function waitForTerminal(
  store: GenerationStore,
  id: string,
  timeoutMs: number,
  pollMs: number,
  signal?: AbortSignal,
): Promise<GenerationRecord | null> {
  let wake: () => void = () => {};
  const onAbort = () => wake();
  signal?.addEventListener('abort', onAbort, { once: true });
  const unsubscribe = await store.subscribe(id, (event) => {
    if (event.type === 'succeeded' || event.type === 'failed' || event.type === 'canceled') wake();
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const record = await store.get(id);
      if (record && TERMINAL_STATUSES.includes(record.status)) return record;
      const left = deadline - Date.now();
      if (left <= 0 || signal?.aborted) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(pollMs, left));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await unsubscribe().catch(() => {});
  }
}
