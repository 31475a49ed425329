/**
 * OTLP/HTTP receiver: POST /v1/traces and /v1/logs, protobuf or JSON, optionally gzip.
 * The body limit holds twice: on the bytes received and on the bytes after gunzip (so a
 * small zip bomb is refused with 413 instead of inflating in memory). Replies follow the
 * OTLP/HTTP spec: an Export*ServiceResponse in the request's encoding on success, a
 * google.rpc.Status on failure.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { gunzip, inflate } from 'node:zlib';
import { promisify } from 'node:util';
import type { ExplorerStore } from '../store/explorer-store.js';
import type { ExplorerLogger } from '../logger.js';
import { makeAuthHook } from '../security.js';
import {
  decodeLogsProtobuf,
  decodeTracesProtobuf,
  encodeLogsResponse,
  encodeRpcStatus,
  encodeTraceResponse,
} from './decode-protobuf.js';
import { decodeLogsJson, decodeTracesJson } from './decode-json.js';
import type { DecodedBatch } from './model.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export interface OtlpReceiverOptions {
  store: ExplorerStore;
  logger: ExplorerLogger;
  maxBodyBytes: number;
  token?: string;
}

type Encoding = 'protobuf' | 'json';

// google.rpc.Code values used in OTLP error bodies
const RPC_INVALID_ARGUMENT = 3;
const RPC_RESOURCE_EXHAUSTED = 8;
const RPC_UNAUTHENTICATED = 16;

function encodingOf(request: FastifyRequest): Encoding | undefined {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

function sendStatus(reply: FastifyReply, encoding: Encoding, httpStatus: number, rpcCode: number, message: string): FastifyReply {
  if (encoding === 'protobuf') {
    return reply.code(httpStatus).type('application/x-protobuf').send(Buffer.from(encodeRpcStatus(rpcCode, message)));
  }
  return reply.code(httpStatus).type('application/json').send({ code: rpcCode, message });
}

class TooLargeError extends Error {}

async function decompress(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Promise<Buffer> {
  const enc = (contentEncoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return await gunzipAsync(body, { maxOutputLength: maxBytes });
    if (enc === 'deflate') return await inflateAsync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new TooLargeError('decompressed body too large');
    throw new Error(`cannot decompress ${enc} body: ${(err as Error).message}`);
  }
  throw new Error(`unsupported Content-Encoding "${enc}"`);
}

export function buildOtlpReceiver(options: OtlpReceiverOptions): FastifyInstance {
  const { store, logger, maxBodyBytes } = options;
  const app = Fastify({ logger: false, bodyLimit: maxBodyBytes, forceCloseConnections: true });

  // Every body arrives as raw bytes; decoding depends on the route and the content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_request, body, done) => done(null, body));

  const auth = makeAuthHook(options.token, () => true, (request, reply) =>
    sendStatus(reply, encodingOf(request) ?? 'json', 401, RPC_UNAUTHENTICATED, 'missing or invalid explorer token'));
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
    return sendStatus(reply, encoding, 500, 13, 'internal error');
  });

  function route<T>(
    url: string,
    decoders: Record<Encoding, (body: Uint8Array) => DecodedBatch<T>>,
    accept: (records: T[]) => void,
    respond: (rejected: number, message?: string) => Uint8Array,
    rejectedField: string,
  ): void {
    app.post(url, async (request, reply) => {
      const encoding = encodingOf(request);
      if (!encoding) {
        return sendStatus(reply, 'json', 415, RPC_INVALID_ARGUMENT, 'Content-Type must be application/x-protobuf or application/json');
      }
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      let body: Buffer;
      try {
        body = await decompress(raw, request.headers['content-encoding'] as string | undefined, maxBodyBytes);
      } catch (err) {
        if (err instanceof TooLargeError) {
          return sendStatus(reply, encoding, 413, RPC_RESOURCE_EXHAUSTED, `decompressed body larger than ${maxBodyBytes} bytes`);
        }
        return sendStatus(reply, encoding, 400, RPC_INVALID_ARGUMENT, (err as Error).message);
      }
      let batch: DecodedBatch<T>;
      try {
        batch = decoders[encoding](body);
      } catch (err) {
        logger.debug('otlp_payload_rejected', { url, encoding, reason: (err as Error).message });
        return sendStatus(reply, encoding, 400, RPC_INVALID_ARGUMENT, `malformed OTLP ${encoding} payload: ${(err as Error).message}`);
      }
      accept(batch.records);
      if (encoding === 'protobuf') {
        return reply.code(200).type('application/x-protobuf').send(Buffer.from(respond(batch.rejected, batch.rejectReason)));
      }
      const payload = batch.rejected > 0
        ? { partialSuccess: { [rejectedField]: String(batch.rejected), errorMessage: batch.rejectReason ?? '' } }
        : {};
      return reply.code(200).type('application/json').send(payload);
    });
  }

  route('/v1/traces', { protobuf: decodeTracesProtobuf, json: decodeTracesJson }, (r) => store.addSpans(r), encodeTraceResponse, 'rejectedSpans');
  route('/v1/logs', { protobuf: decodeLogsProtobuf, json: decodeLogsJson }, (r) => store.addLogs(r), encodeLogsResponse, 'rejectedLogRecords');
  return app;
}
