/**
 * Waits for work to settle, but no longer than a limit: the consumers' close sequence
 * (drain, then hand-back grace) and BullMQ's worker close use it.
 */

/** Resolves true once every promise has settled, or false when `limitMs` passes first (absent: no limit). */
export function settledWithin(promises: Iterable<Promise<unknown>>, limitMs?: number): Promise<boolean> {
  const all = Promise.allSettled(promises).then(() => true);
  if (limitMs === undefined) return all;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), limitMs);
  });
  return Promise.race([all, late]).finally(() => clearTimeout(timer));
}
