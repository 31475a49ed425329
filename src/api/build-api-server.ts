/**
 * The api-server as a Fastify instance (not listening): tests inject into it, the CLI calls
 * `listen`. One plugin per resource; the shared concerns (Host allowlist, request id, span A,
 * auth, metrics, error mapping) are registered on the root so they apply to every route. The
 * socket deadlines (src/http/server-timeouts.ts) cut off clients that trickle a request.
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { DiffscopeError } from '../errors/index.js';
import { QueueWatch } from '../generation/index.js';
import { ConcurrencySlots, createHostAllowlist, fastifyTimeoutOptions, httpTimeoutsFromConfig, parseHostList } from '../http/index.js';
import { completionQueueName } from '../notifier/index.js';
import { metricsRegistry } from '../telemetry/index.js';
import type { ApiContext } from './api-context.js';
import type { ApiServerDeps } from './api-deps.js';
import { apiClientErrorHandler } from './client-error-handler.js';
import { registerErrorHandling } from './error-handler.js';
import { GenerationService } from './generation-service.js';
import { createHttpMetrics } from './http-metrics.js';
import { newRequestId, registerRequestContext } from './request-context.js';
import { generationDeletePlugin } from './routes/generation-delete.js';
import { generationEventsPlugin } from './routes/generation-events.js';
import { generationsPlugin } from './routes/generations.js';
import { healthPlugin } from './routes/health.js';
import { modelsPlugin } from './routes/models.js';
import { openAiImagesPlugin } from './routes/openai-images.js';
import { collectRoutes, openApiPlugin } from './routes/openapi.js';

export async function buildApiServer(deps: ApiServerDeps): Promise<FastifyInstance> {
  const { config, logger } = deps;
  const queueName = config.DIFFSCOPE_QUEUE_NAME;
  const producer = deps.producer ?? (await deps.queue.producer(queueName));
  const models = typeof deps.models === 'function' ? deps.models : () => deps.models as ReturnType<ApiContext['models']>;
  const metrics = createHttpMetrics(metricsRegistry(), () => deps.queue.depth(queueName));

  const timeouts = fastifyTimeoutOptions(httpTimeoutsFromConfig(config));
  const app = Fastify({
    logger: false, // our own JSON lines, through the telemetry logger
    bodyLimit: config.DIFFSCOPE_MAX_BODY_BYTES,
    genReqId: newRequestId,
    requestIdHeader: false, // the id is also the generation id: never taken from the client
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Requests Node's parser refuses, answered in our error shape too.
    clientErrorHandler: apiClientErrorHandler(logger),
    ...timeouts,
    // Node answers an HTTP/1.1 request without Host with a bare 400: request-context.ts refuses it in our shape instead.
    http: { ...timeouts.http, requireHostHeader: false },
    // Errors Fastify raises before routing (undecodable URL, over-long path parameter) skip the
    // hooks: answer them in our error shape, with the headers every response carries.
    frameworkErrors: (error, request, reply) => {
      const err =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new DiffscopeError('DSC_ERR_API_NOT_FOUND')
          : new DiffscopeError('DSC_ERR_API_VALIDATION', 'malformed URL (bad percent-encoding)');
      logger.warn('request_rejected', { code: err.code, status: err.status, reason: err.message, method: request.method });
      (reply as unknown as FastifyReply)
        .code(err.status)
        .header('x-request-id', request.id)
        .header('traceresponse', `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`)
        .send({ error: err.toJSON() });
    },
  });

  // An `Expect` other than 100-continue would get a bare 417 from Node; RFC 9110 §10.1.1 lets a
  // server ignore it instead, so the request is handled as if it had none.
  app.server.on('checkExpectation', (req, res) => app.server.emit('request', req, res));

  // Only JSON bodies; anything else is 415. An empty JSON body is "no body" (e.g. cancel).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new DiffscopeError('DSC_ERR_API_MALFORMED_JSON'), undefined);
    }
  });

  const service = new GenerationService({
    queue: deps.queue,
    producer,
    queueName,
    store: deps.store,
    logger,
    quota: {
      maxQueued: config.DIFFSCOPE_MAX_QUEUE_DEPTH,
      maxQueuedPerClient: config.DIFFSCOPE_CLIENT_MAX_QUEUED,
      maxActivePerClient: config.DIFFSCOPE_CLIENT_MAX_ACTIVE,
    },
    completionQueue: completionQueueName(config),
  });
  const ctx: ApiContext = {
    config,
    logger,
    store: deps.store,
    queue: deps.queue,
    queueName,
    objectStore: deps.objectStore,
    models,
    service,
    metrics,
    sseHeartbeatMs: deps.sseHeartbeatMs ?? 15_000,
    syncPollMs: deps.syncPollMs ?? 1_000,
    queuePlaces: new QueueWatch({ store: deps.store, refreshMs: deps.queuePlaceRefreshMs }),
    streams: new ConcurrencySlots(config.DIFFSCOPE_SSE_MAX_STREAMS, config.DIFFSCOPE_SSE_MAX_STREAMS_PER_CLIENT),
  };

  const routes = collectRoutes(app); // before any route: /openapi.json lists exactly what is registered
  const hostAllowlist = createHostAllowlist({
    bindHost: config.DIFFSCOPE_API_HOST,
    publicUrl: config.DIFFSCOPE_PUBLIC_URL,
    allowedHosts: parseHostList(config.DIFFSCOPE_ALLOWED_HOSTS),
  });
  registerRequestContext(app, {
    apiKeys: config.DIFFSCOPE_API_KEYS,
    logger,
    metrics,
    hostAllowlist,
    trustIncomingTraceContext: config.DIFFSCOPE_TRUST_INCOMING_TRACE_CONTEXT,
  });
  registerErrorHandling(app, logger);
  app.addHook('onClose', async () => ctx.queuePlaces.close());
  await app.register(healthPlugin(ctx));
  await app.register(generationsPlugin(ctx));
  await app.register(generationDeletePlugin(ctx));
  await app.register(generationEventsPlugin(ctx));
  await app.register(openAiImagesPlugin(ctx));
  await app.register(modelsPlugin(ctx));
  await app.register(openApiPlugin(ctx, routes));
  return app;
}
