/**
 * Every error becomes `{error:{code, message, field?}}` with a 4xx status when the client
 * caused it: client input never produces a 500. Fastify's own errors (content type, body
 * size, …) are mapped onto the DSC_ERR_* table.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DiffscopeError, type ErrorCode } from '../errors/index.js';
import type { Logger } from '../telemetry/index.js';
import { inRequest } from './request-context.js';

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'DSC_ERR_API_UNSUPPORTED_MEDIA',
  FST_ERR_CTP_INVALID_TYPE: 'DSC_ERR_API_UNSUPPORTED_MEDIA',
  FST_ERR_CTP_BODY_TOO_LARGE: 'DSC_ERR_API_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'DSC_ERR_API_MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'DSC_ERR_API_MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'DSC_ERR_API_MALFORMED_JSON',
  FST_ERR_BAD_URL: 'DSC_ERR_API_NOT_FOUND',
  FST_ERR_ASYNC_CONSTRAINT: 'DSC_ERR_API_NOT_FOUND',
};

/** Seconds a client is told to wait: a full queue drains in seconds, an outage is probed again soon. */
const RETRY_AFTER_S: Record<number, number> = { 429: 5, 503: 2 };

export function toDiffscopeError(err: unknown): DiffscopeError {
  if (err instanceof DiffscopeError) return err;
  const e = err as Partial<FastifyError> & { type?: string };
  const mapped = e.code ? FASTIFY_CODES[e.code] : undefined;
  if (mapped) return new DiffscopeError(mapped, undefined, { cause: err });
  if (e instanceof SyntaxError || e.type === 'entity.parse.failed')
    return new DiffscopeError('DSC_ERR_API_MALFORMED_JSON', undefined, { cause: err });
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status === 413) return new DiffscopeError('DSC_ERR_API_BODY_TOO_LARGE', undefined, { cause: err });
  if (status === 415) return new DiffscopeError('DSC_ERR_API_UNSUPPORTED_MEDIA', undefined, { cause: err });
  if (status === 404) return new DiffscopeError('DSC_ERR_API_NOT_FOUND', undefined, { cause: err });
  if (status >= 400 && status < 500) return new DiffscopeError('DSC_ERR_API_VALIDATION', e.message, { cause: err });
  return new DiffscopeError('DSC_ERR_API_INTERNAL', undefined, { cause: err });
}

export function sendError(request: FastifyRequest, reply: FastifyReply, err: DiffscopeError, logger: Logger): FastifyReply {
  inRequest(request, () => {
    const fields = { code: err.code, status: err.status, field: err.field, method: request.method, route: request.routeOptions.url };
    if (err.status >= 500) logger.error('request_error', { ...fields, err: err.cause ?? err });
    else logger.warn('request_rejected', { ...fields, reason: err.message });
    if (err.status >= 500) request.serverSpan?.recordException((err.cause as Error) ?? err);
  });
  // Every "come back later" answer says when (RFC 9110 §10.2.3), so clients back off instead of hammering.
  const retryAfter = RETRY_AFTER_S[err.status];
  if (err.retryable && retryAfter !== undefined && !reply.hasHeader('retry-after')) reply.header('retry-after', String(retryAfter));
  const body: { error: Record<string, unknown> } = { error: err.toJSON() };
  // OpenAI clients read error.type / error.param.
  if (request.url.startsWith('/v1/images/'))
    Object.assign(body.error, { type: err.status < 500 ? 'invalid_request_error' : 'server_error', param: err.field ?? null });
  return reply.status(err.status).type('application/json; charset=utf-8').send(body);
}

export function registerErrorHandling(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((err, request, reply) => sendError(request, reply, toDiffscopeError(err), logger));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      new DiffscopeError('DSC_ERR_API_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
      logger,
    ),
  );
}
