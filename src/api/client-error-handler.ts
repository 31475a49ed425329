/**
 * Requests Node's HTTP parser refuses before any route sees them (a header value with a control
 * character, conflicting content-length/transfer-encoding, a bad chunk size, headers over Node's
 * limit, a request not finished within DIFFSCOPE_HTTP_REQUEST_TIMEOUT_MS) are answered in the API's
 * error shape, `{error:{code,message}}` with `x-request-id`, instead of Fastify's default
 * `{"error":"Bad Request",...}`: docs/api.md promises that shape for every error. The socket is
 * then closed, as the parser cannot tell where the next request would start.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { DiffscopeError, type ErrorCode } from '../errors/index.js';
import type { Logger } from '../telemetry/index.js';
import { newRequestId } from './request-context.js';

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

function errorOf(err: NodeJS.ErrnoException): DiffscopeError {
  let code: ErrorCode = 'DSC_ERR_API_VALIDATION';
  let message = 'malformed HTTP request';
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    code = 'DSC_ERR_API_HEADERS_TOO_LARGE';
    message = 'request headers too large';
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    code = 'DSC_ERR_API_REQUEST_TIMEOUT';
    message = 'request not received in time';
  }
  return new DiffscopeError(code, message);
}

/** Fastify's `clientErrorHandler`: one answer in our shape (when the socket can still take it), then close. */
export function apiClientErrorHandler(logger: Logger): (err: NodeJS.ErrnoException, socket: Socket) => void {
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const error = errorOf(err);
    const requestId = newRequestId();
    logger.warn('request_rejected', { code: error.code, status: error.status, reason: `${error.message} (${err.code ?? err.message})` });
    if (socket.writable) {
      const body = JSON.stringify({ error: error.toJSON() });
      socket.write(
        [
          `HTTP/1.1 ${error.status} ${REASONS[error.status] ?? 'Bad Request'}`,
          'content-type: application/json; charset=utf-8',
          `content-length: ${Buffer.byteLength(body)}`,
          `x-request-id: ${requestId}`,
          // Never traced (no request was parsed), but every answer names a trace id the client can quote.
          `traceresponse: 00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`,
          ...(error.retryable ? ['retry-after: 2'] : []),
          'connection: close',
          '',
          body,
        ].join('\r\n'),
      );
    }
    socket.destroy(err);
  };
}
