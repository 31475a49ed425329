/** The explorer's HTTP side on DIFFSCOPE_EXPLORER_PORT: query API under /api, the UI elsewhere. */
import Fastify, { type FastifyInstance } from 'fastify';
import type { ExplorerHealth } from '../../contract/index.js';
import type { ExplorerStore } from '../store/explorer-store.js';
import type { ExplorerLogger } from '../logger.js';
import { makeAuthHook } from '../security.js';
import {
  fastifyTimeoutOptions,
  hostRefusedMessage,
  registerHostAllowlist,
  type HostAllowlist,
  type HttpTimeoutsOptions,
} from '../../http/index.js';
import { isStoreFailure, retryAfterSeconds } from '../ingest/storage-errors.js';
import { registerJaegerRoutes } from './jaeger-routes.js';
import { registerJaegerV3Routes } from './jaeger-v3-routes.js';
import { registerSpmRoutes } from './spm-routes.js';
import { registerLogRoutes } from './logs-routes.js';
import { registerAnalysisRoutes } from './analysis.js';
import { registerCompareRoutes } from './compare-routes.js';
import { registerImageRoute } from './image-route.js';
import { registerStaticUi } from './static-ui.js';
import { registerExplorerMetrics } from '../explorer-metrics.js';

export interface QueryServerOptions {
  store: ExplorerStore;
  logger: ExplorerLogger;
  token?: string;
  /** DNS-rebinding guard (src/http/host-allowlist.ts): a refused Host gets 403 before the token check. */
  hostAllowlist?: HostAllowlist;
  /** Socket deadlines (src/http/server-timeouts.ts); default: a 30 s request timeout only. */
  httpTimeouts?: HttpTimeoutsOptions;
  webRoot: string;
  outputDir: string;
}

export function buildQueryServer(options: QueryServerOptions): FastifyInstance {
  const { store, logger } = options;
  // requestTimeout: a client trickling its request is cut off instead of holding a socket forever
  const app = Fastify({
    logger: false,
    forceCloseConnections: true,
    ...(options.httpTimeouts ? fastifyTimeoutOptions(options.httpTimeouts) : { requestTimeout: 30_000 }),
  });
  if (options.hostAllowlist) {
    registerHostAllowlist(app, options.hostAllowlist, (_request, reply, host) =>
      reply.code(403).send({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 403, msg: hostRefusedMessage(host) }] }),
    );
  }
  // Deny by default: only the UI's static routes are public (static-ui.ts); every other route,
  // matched on the decoded path, and every unmatched request needs the token.
  const auth = makeAuthHook(options.token, (_request, reply) =>
    reply.code(401).send({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 401, msg: 'missing or invalid explorer token' }] }),
  );
  if (auth) app.addHook('onRequest', auth);
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    // a locked, full or damaged store: the reader should come back later, not see a crash
    if (isStoreFailure(error)) {
      logger.error('explorer_query_error', { err: error, url: request.url });
      return reply
        .code(503)
        .header('retry-after', String(retryAfterSeconds(error)))
        .send({
          data: null,
          total: 0,
          limit: 0,
          offset: 0,
          errors: [{ code: 503, msg: "the explorer's store is unavailable, retry later" }],
        });
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) logger.error('explorer_query_error', { err: error, url: request.url });
    return reply.code(status).send({
      data: null,
      total: 0,
      limit: 0,
      offset: 0,
      errors: [{ code: status, msg: status === 500 ? 'internal error' : error.message }],
    });
  });
  registerExplorerMetrics(app, store);
  app.get('/api/health', async (): Promise<ExplorerHealth> => ({
    status: 'ok',
    spans_written: store.spansWritten,
    logs_written: store.logsWritten,
  }));
  registerJaegerRoutes(app, store);
  registerJaegerV3Routes(app, store);
  registerSpmRoutes(app, store);
  registerLogRoutes(app, store);
  registerAnalysisRoutes(app, store);
  registerCompareRoutes(app, store);
  registerImageRoute(app, store, options.outputDir);
  registerStaticUi(app, options.webRoot, options.token);
  return app;
}
