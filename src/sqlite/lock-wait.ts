/**
 * Waiting for a SQLite lock that another process holds, without freezing the event loop.
 * better-sqlite3 waits for a lock synchronously (`busy_timeout`), so a connection keeps that
 * wait to a few milliseconds (SHORT_BUSY_TIMEOUT_MS) and the rest of the wait happens here,
 * between event-loop turns: the statement is tried again after a short pause until `lockWaitMs`
 * passed, then the caller's error (a 503 DSC_ERR_* code) is thrown. Used by the state store
 * (src/state/sqlite-generation-store.ts) and the embedded queue (src/queue/sqlite-queue-db.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** The synchronous part of a lock wait: what one statement may block the event loop for. */
export const SHORT_BUSY_TIMEOUT_MS = 10;

export function isSqliteBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

export interface LockWaitOptions {
  /** How long to keep trying a locked database. */
  lockWaitMs: number;
  /** The error thrown once `lockWaitMs` passed (`cause`: the last SQLITE_BUSY). */
  busyError: (cause: unknown) => Error;
}

/** Runs `fn` (synchronous: one statement or one transaction), trying again while the database is locked. */
export async function whileLocked<T>(fn: () => T, options: LockWaitOptions): Promise<T> {
  const deadline = Date.now() + options.lockWaitMs;
  for (let pauseMs = 2; ; pauseMs = Math.min(pauseMs * 2, 50)) {
    try {
      return fn();
    } catch (err) {
      if (!isSqliteBusy(err)) throw err;
      if (Date.now() + pauseMs > deadline) throw options.busyError(err);
    }
    await sleep(pauseMs);
  }
}
