/**
 * OTLP/HTTP receiver: POST /v1/traces and /v1/logs, protobuf or JSON, optionally gzip. This
 * (main) thread only checks the token and the content type and collects the body (at most
 * `maxBodyBytes`); decompression (bounded by the same limit), decoding and storing happen on
 * the ingest threads (ingest/ingest-pipeline.ts), and the export is answered once stored.
 * Replies follow the OTLP/HTTP spec: an Export*ServiceResponse in the request's encoding on
 * success (with partial_success when records were rejected or cut), a google.rpc.Status on
 * failure, and 503 + Retry-After when the store cannot take the data now (the SDK retries).
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ExplorerLogger } from '../logger.js';
import { makeAuthHook } from '../security.js';
import {
  fastifyTimeoutOptions,
  hostRefusedMessage,
  registerHostAllowlist,
  type HostAllowlist,
  type HttpTimeoutsOptions,
} from '../../http/index.js';
import type { IngestPipeline } from '../ingest/ingest-pipeline.js';
import type { Encoding, Signal } from '../ingest/messages.js';
import { encodeLogsResponse, encodeRpcStatus, encodeTraceResponse } from './decode-protobuf.js';

export interface OtlpReceiverOptions {
  ingest: IngestPipeline;
  logger: ExplorerLogger;
  maxBodyBytes: number;
  token?: string;
  /** DNS-rebinding guard (src/http/host-allowlist.ts): a refused Host gets 403 before the token check. */
  hostAllowlist?: HostAllowlist;
  /** Socket deadlines (src/http/server-timeouts.ts); default: a 60 s request timeout only. */
  httpTimeouts?: HttpTimeoutsOptions;
}

// google.rpc.Code values used in OTLP error bodies
const RPC_INVALID_ARGUMENT = 3;
const RPC_PERMISSION_DENIED = 7;
const RPC_RESOURCE_EXHAUSTED = 8;
const RPC_INTERNAL = 13;
const RPC_UNAVAILABLE = 14;
const RPC_UNAUTHENTICATED = 16;

function encodingOf(request: FastifyRequest): Encoding | undefined {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

function sendStatus(reply: FastifyReply, encoding: Encoding, httpStatus: number, rpcCode: number, message: string): FastifyReply {
  if (encoding === 'protobuf') {
    return reply
      .code(httpStatus)
      .type('application/x-protobuf')
      .send(Buffer.from(encodeRpcStatus(rpcCode, message)));
  }
  return reply.code(httpStatus).type('application/json').send({ code: rpcCode, message });
}

const RESPONSES: Record<Signal, { encode: (rejected: number, message?: string) => Uint8Array; rejectedField: string }> = {
  traces: { encode: encodeTraceResponse, rejectedField: 'rejectedSpans' },
  logs: { encode: encodeLogsResponse, rejectedField: 'rejectedLogRecords' },
};

export function buildOtlpReceiver(options: OtlpReceiverOptions): FastifyInstance {
  const { ingest, logger, maxBodyBytes } = options;
  // requestTimeout: a sender trickling its body is cut off instead of holding a socket forever
  const timeouts = options.httpTimeouts ? fastifyTimeoutOptions(options.httpTimeouts) : { requestTimeout: 60_000 };
  const app = Fastify({ logger: false, bodyLimit: maxBodyBytes, forceCloseConnections: true, ...timeouts });
  if (options.hostAllowlist) {
    registerHostAllowlist(app, options.hostAllowlist, (request, reply, host) =>
      sendStatus(reply, encodingOf(request) ?? 'json', 403, RPC_PERMISSION_DENIED, hostRefusedMessage(host)),
    );
  }

  // Every body arrives as raw bytes; decoding depends on the route and the content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_request, body, done) => done(null, body));

  // No public route here: every request, whatever path it spelled, needs the token.
  const auth = makeAuthHook(options.token, (request, reply) =>
    sendStatus(reply, encodingOf(request) ?? 'json', 401, RPC_UNAUTHENTICATED, 'missing or invalid explorer token'),
  );
  if (auth) app.addHook('onRequest', auth);

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const encoding = encodingOf(request) ?? 'json';
    if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendStatus(reply, encoding, 413, RPC_RESOURCE_EXHAUSTED, `body larger than ${maxBodyBytes} bytes`);
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendStatus(reply, encoding, error.statusCode, RPC_INVALID_ARGUMENT, error.message);
    }
    logger.error('otlp_receiver_error', { err: error, url: request.url });
    return sendStatus(reply, encoding, 500, RPC_INTERNAL, 'internal error');
  });

  function route(url: string, signal: Signal): void {
    app.post(url, async (request, reply) => {
      const encoding = encodingOf(request);
      if (!encoding) {
        return sendStatus(reply, 'json', 415, RPC_INVALID_ARGUMENT, 'Content-Type must be application/x-protobuf or application/json');
      }
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const contentEncoding = request.headers['content-encoding'];
      const answer = await ingest.submit(signal, encoding, typeof contentEncoding === 'string' ? contentEncoding : '', body);
      if (answer.status === 503) {
        reply.header('retry-after', String(answer.retryAfterS));
        return sendStatus(reply, encoding, 503, RPC_UNAVAILABLE, answer.message);
      }
      if (answer.status !== 200) {
        if (answer.status === 400) logger.debug('otlp_payload_rejected', { url, encoding, reason: answer.message });
        return sendStatus(
          reply,
          encoding,
          answer.status,
          answer.status === 413 ? RPC_RESOURCE_EXHAUSTED : RPC_INVALID_ARGUMENT,
          answer.message,
        );
      }
      const { encode, rejectedField } = RESPONSES[signal];
      if (encoding === 'protobuf') {
        return reply
          .code(200)
          .type('application/x-protobuf')
          .send(Buffer.from(encode(answer.rejected, answer.message)));
      }
      const partial: Record<string, string> = {};
      if (answer.rejected > 0) partial[rejectedField] = String(answer.rejected);
      if (answer.message) partial.errorMessage = answer.message;
      return reply
        .code(200)
        .type('application/json')
        .send(Object.keys(partial).length ? { partialSuccess: partial } : {});
    });
  }

  route('/v1/traces', 'traces');
  route('/v1/logs', 'logs');
  return app;
}
