export { DiffscopeError, ERRORS, type ErrorCode } from './error-table.js';
