/**
 * Which SQLite failures are the store's (every row of the batch would fail: a lock, a full disk,
 * an I/O error, a damaged file) and which are one row's (a constraint, a value too big). The
 * first kind answers the export 503 + Retry-After so the sender retries; the second rejects the
 * row alone.
 */
const STORE_FAILURES = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_READONLY',
  'SQLITE_CANTOPEN',
  'SQLITE_NOMEM',
  'SQLITE_PROTOCOL',
  'SQLITE_INTERRUPT',
  'SQLITE_PERM',
  'SQLITE_AUTH',
  'SQLITE_ERROR',
  'SQLITE_SCHEMA',
  'SQLITE_NOLFS',
  'SQLITE_ABORT',
];

function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** A failure of the store itself (extended codes such as SQLITE_IOERR_WRITE count as their base code). */
export function isStoreFailure(err: unknown): boolean {
  const code = sqliteCode(err);
  return code !== undefined && STORE_FAILURES.some((c) => code === c || code.startsWith(`${c}_`));
}

/** Seconds the sender should wait before retrying: a lock clears quickly, a full disk or damage does not. */
export function retryAfterSeconds(err: unknown): number {
  const code = sqliteCode(err) ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') ? 1 : 5;
}

/** What a client may be told: the SQLite code and message, never a stack or a path. */
export function describeStoreFailure(err: unknown): string {
  const code = sqliteCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return code ? `${code}: ${message}` : message;
}
