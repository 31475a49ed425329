/**
 * Zipkin's span collector endpoint, `POST /api/v2/spans`, on the OTLP/HTTP receiver's server
 * (so it shares that server's token check, Host allowlist, body limit and socket deadlines).
 * Zipkin v2 JSON, optionally gzip (`Content-Encoding`), goes to the same ingest entry point as
 * OTLP (IngestPipeline.submit), decoded on the decode thread (decode-zipkin-json.ts) under the
 * same limits. Answers as a Zipkin collector does: 202 with no body once stored; 400 for a body
 * Zipkin would refuse; 413 when too large; 503 + Retry-After when the store cannot take it now.
 * Zipkin has no partial-success answer, so what OTLP would report there (spans rejected, values
 * cut by the limits) is only counted on the stored records (`otel.dropped_*_count`, ...).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ExplorerLogger } from '../logger.js';
import type { IngestPipeline } from '../ingest/ingest-pipeline.js';

export const ZIPKIN_SPANS_PATH = '/api/v2/spans';

export interface ZipkinRouteOptions {
  ingest: IngestPipeline;
  logger: ExplorerLogger;
}

// google.rpc.Code values, the same error body the OTLP/HTTP receiver sends in JSON
const RPC_INVALID_ARGUMENT = 3;
const RPC_RESOURCE_EXHAUSTED = 8;
const RPC_UNAVAILABLE = 14;

function refuse(reply: FastifyReply, httpStatus: number, code: number, message: string): FastifyReply {
  return reply.code(httpStatus).type('application/json').send({ code, message });
}

export function registerZipkinRoute(app: FastifyInstance, options: ZipkinRouteOptions): void {
  const { ingest, logger } = options;
  app.post(ZIPKIN_SPANS_PATH, async (request, reply) => {
    // Zipkin's collector reads a body without Content-Type as JSON v2, and so does this one.
    const type = (request.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      return refuse(
        reply,
        415,
        RPC_INVALID_ARGUMENT,
        'Content-Type must be application/json (Zipkin v2 JSON; Zipkin proto3 is not accepted)',
      );
    }
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const contentEncoding = request.headers['content-encoding'];
    const answer = await ingest.submit('traces', 'zipkin-json', typeof contentEncoding === 'string' ? contentEncoding : '', body);
    if (answer.status === 503) {
      reply.header('retry-after', String(answer.retryAfterS));
      return refuse(reply, 503, RPC_UNAVAILABLE, answer.message);
    }
    if (answer.status !== 200) {
      if (answer.status === 400)
        logger.debug('otlp_payload_rejected', { url: ZIPKIN_SPANS_PATH, encoding: 'zipkin-json', reason: answer.message });
      return refuse(reply, answer.status, answer.status === 413 ? RPC_RESOURCE_EXHAUSTED : RPC_INVALID_ARGUMENT, answer.message);
    }
    return reply.code(202).send();
  });
}
