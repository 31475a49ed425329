export { DiffscopeError, ERRORS, type ErrorCode } from './error-table.js';
export { asDiffscopeError, errorFromRecord, isErrorCode, isRetryable, publicError, type PublicError } from './error-mapping.js';
