/** `/v1/generations`: create, read, cancel, images. */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { DiffscopeError } from '../../errors/index.js';
import { isTerminal, normalizeWebhookEvents, type GenerationRecord, type GenerationStore } from '../../generation/index.js';
import { DEFAULT_WEBHOOK_EVENTS, checkWebhookUrl } from '../../notifier/index.js';
import type { ApiContext } from '../api-context.js';
import { stateError } from '../generation-service.js';
import { generationLinks, generationView, publicBaseUrl } from '../generation-view.js';
import { traced } from '../request-context.js';
import { requestLogFields } from '../request-log-fields.js';
import { generationBodySchema, parseBody, resolveParams } from '../validation.js';

export async function loadOwned(store: GenerationStore, id: string, clientId: string): Promise<GenerationRecord> {
  let record: GenerationRecord | null;
  try {
    record = /^[A-Za-z0-9_-]{1,128}$/.test(id) ? await store.get(id) : null;
  } catch (err) {
    throw stateError(err);
  }
  // Someone else's generation is indistinguishable from a missing one.
  if (!record || record.clientId !== clientId) throw new DiffscopeError('DSC_ERR_API_NOT_FOUND', `generation ${id} not found`);
  return record;
}

export function generationsPlugin(ctx: ApiContext): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    const { config, logger, store, service } = ctx;
    const schema = generationBodySchema(config.DIFFSCOPE_MAX_PROMPT_CHARS);

    app.post(
      '/v1/generations',
      traced(async (request, reply) => {
        const raw = (request.body ?? {}) as Record<string, unknown>;
        logger.info('request_received', {
          method: request.method,
          route: '/v1/generations',
          ...requestLogFields(raw),
        });
        const body = parseBody(schema, request.body);
        const { params } = resolveParams(body, ctx.models(), config.DIFFSCOPE_DEFAULT_MODEL);
        let webhook: { url: string; events: string[] } | undefined;
        if (body.webhook) {
          const url = await checkWebhookUrl(body.webhook.url, { allowPrivate: config.DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE });
          webhook = { url: url.href, events: normalizeWebhookEvents(body.webhook.events ?? DEFAULT_WEBHOOK_EVENTS) };
        }
        const record = await service.enqueue({
          id: request.id,
          clientId: request.clientId,
          traceId: request.traceId,
          prompt: body.prompt,
          negativePrompt: body.negative_prompt,
          params,
          webhook,
        });
        const links = generationLinks(record.id);
        reply.code(202).header('location', links.self);
        return {
          id: record.id,
          status: 'queued',
          trace_id: record.traceId,
          created_at: new Date(record.createdAt).toISOString(),
          seed: params.seed,
          links,
        };
      }),
    );

    app.get<{ Params: { id: string } }>(
      '/v1/generations/:id',
      traced(async (request) => {
        const record = await loadOwned(store, request.params.id, request.clientId);
        const place = record.status === 'queued' ? await ctx.queuePlaces.place(record.id) : undefined;
        return generationView(record, publicBaseUrl(config, request), place);
      }),
    );

    app.post<{ Params: { id: string } }>(
      '/v1/generations/:id/cancel',
      traced(async (request, reply) => {
        const record = await loadOwned(store, request.params.id, request.clientId);
        if (isTerminal(record.status)) {
          throw new DiffscopeError('DSC_ERR_API_CONFLICT', `generation ${record.id} is already ${record.status}`);
        }
        await store.update(record.id, { cancelRequested: true }).catch((err: unknown) => Promise.reject(stateError(err)));
        if (record.status === 'queued' && (await service.cancelQueued(record).catch((err: unknown) => Promise.reject(stateError(err))))) {
          return { id: record.id, status: 'canceled', cancel_requested: true };
        }
        // Running (or a worker took it in between): the worker sees cancelRequested between steps.
        logger.info('cancel_requested', { status: 'running' });
        reply.code(202);
        const current = await store.get(record.id).catch(() => null);
        return { id: record.id, status: current?.status ?? record.status, cancel_requested: true };
      }),
    );

    app.get<{ Params: { id: string; k: string } }>(
      '/v1/generations/:id/images/:k',
      traced(async (request, reply) => {
        const record = await loadOwned(store, request.params.id, request.clientId);
        const k = /^\d{1,3}$/.test(request.params.k) ? Number(request.params.k) : -1;
        const location = record.outputs[k];
        if (location === undefined || !ctx.objectStore)
          throw new DiffscopeError('DSC_ERR_API_NOT_FOUND', `image ${request.params.k} not found`);
        const png = await ctx.objectStore.get(location);
        if (!png) throw new DiffscopeError('DSC_ERR_API_NOT_FOUND', `image ${request.params.k} not found`);
        reply.header('content-type', 'image/png').header('cache-control', 'private, max-age=31536000, immutable');
        return reply.send(png);
      }),
    );
  };
}
