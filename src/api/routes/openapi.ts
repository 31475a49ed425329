/**
 * `GET /openapi.json`: the OpenAPI 3.1 document, generated from the zod schemas (see
 * src/api/openapi/build-document.ts) for exactly the routes this server registered.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { serviceVersion } from '../../telemetry/index.js';
import type { ApiContext } from '../api-context.js';
import { publicBaseUrl } from '../generation-view.js';
import { buildOpenApiDocument } from '../openapi/build-document.js';
import { traced } from '../request-context.js';

/**
 * Records every route registered on `app` from now on (`METHOD /path`, HEAD left out: Fastify adds
 * one per GET). Call it right after creating the instance, before the route plugins.
 */
export function collectRoutes(app: FastifyInstance): ReadonlySet<string> {
  const routes = new Set<string>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.add(`${method} ${route.url}`);
  });
  return routes;
}

export function openApiPlugin(ctx: ApiContext, routes: ReadonlySet<string>): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    // Built once, on first use (every route is registered by then); only `servers` follows the request.
    let document: Record<string, unknown> | undefined;
    app.get(
      '/openapi.json',
      traced(async (request) => {
        document ??= buildOpenApiDocument({
          version: serviceVersion(),
          maxPromptChars: ctx.config.DIFFSCOPE_MAX_PROMPT_CHARS,
          routes,
        });
        return { ...document, servers: [{ url: publicBaseUrl(ctx.config, request) }] };
      }),
    );
  };
}
