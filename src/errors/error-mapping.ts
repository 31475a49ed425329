/**
 * How an error travels from where it happens to a client, written once: the pipeline and the
 * worker turn whatever was thrown into a DiffscopeError, the worker stores its public part
 * (`{code, message}`) on the generation record, and the API turns a stored error back into a
 * DiffscopeError whose HTTP status and retryability come from the table. A code the table
 * does not know (a record written by a newer version) reads as DSC_ERR_INFER_FAILED.
 */
import { DiffscopeError, ERRORS, type ErrorCode } from './error-table.js';

/** The part of an error a generation record keeps and a client sees: no stack, no cause. */
export interface PublicError {
  code: string;
  message: string;
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code);
}

/** Any thrown value as a DiffscopeError; anything else becomes `fallback` with the original as cause. */
export function asDiffscopeError(err: unknown, fallback: ErrorCode = 'DSC_ERR_INFER_FAILED'): DiffscopeError {
  if (err instanceof DiffscopeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new DiffscopeError(fallback, message, { cause: err });
}

/** What a generation record keeps about a failure. */
export function publicError(err: unknown): PublicError {
  const error = asDiffscopeError(err);
  return { code: error.code, message: error.message };
}

/** Whether trying the same work again may succeed: our codes say; unknown errors (a crashed session, a full disk) may pass. */
export function isRetryable(err: unknown): boolean {
  return err instanceof DiffscopeError ? err.retryable : true;
}

/** A stored error back as the DiffscopeError a client receives. */
export function errorFromRecord(stored: PublicError | undefined, fallbackMessage: string): DiffscopeError {
  const code = stored !== undefined && isErrorCode(stored.code) ? stored.code : 'DSC_ERR_INFER_FAILED';
  return new DiffscopeError(code, stored?.message ?? fallbackMessage);
}
