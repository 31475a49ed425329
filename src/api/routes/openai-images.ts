/**
 * OpenAI-compatible `POST /v1/images/generations`: enqueues like the native endpoint, waits
 * (DIFFSCOPE_SYNC_TIMEOUT_MS) and answers `{created, data:[{url}|{b64_json}]}`, so OpenAI
 * clients work unchanged. An OpenAI model name (`dall-e-*`, `gpt-image-*`) or none selects
 * DIFFSCOPE_DEFAULT_MODEL.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { DiffscopeError, errorFromRecord } from '../../errors/index.js';
import type { ApiContext } from '../api-context.js';
import { imageUrls, publicBaseUrl } from '../generation-view.js';
import { traced } from '../request-context.js';
import { requestLogFields } from '../request-log-fields.js';
import { openAiBodySchema, parseBody, parseOpenAiSize, resolveParams } from '../validation.js';
import { waitForTerminal } from '../wait-for-terminal.js';

const OPENAI_MODEL = /^(dall-e-|gpt-image-)/;

export function openAiImagesPlugin(ctx: ApiContext): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    const { config, logger, store, service } = ctx;
    const schema = openAiBodySchema(config.DIFFSCOPE_MAX_PROMPT_CHARS);

    app.post(
      '/v1/images/generations',
      traced(async (request, reply) => {
        const raw = request.body;
        logger.info('request_received', {
          method: request.method,
          route: '/v1/images/generations',
          ...requestLogFields(raw),
        });
        const body = parseBody(schema, request.body);
        const size = body.size ? parseOpenAiSize(body.size) : undefined;
        const model = body.model && !OPENAI_MODEL.test(body.model) ? body.model : undefined;
        let params;
        try {
          ({ params } = resolveParams(
            { model, n: body.n, width: size?.width, height: size?.height },
            ctx.models(),
            config.DIFFSCOPE_DEFAULT_MODEL,
          ));
        } catch (err) {
          // Report a bad size under the OpenAI field name.
          if (err instanceof DiffscopeError && (err.field === 'width' || err.field === 'height')) {
            throw new DiffscopeError(err.code, err.message, { field: 'size' });
          }
          throw err;
        }
        const started = Date.now();
        const record = await service.enqueue({
          id: request.id,
          clientId: request.clientId,
          traceId: request.traceId,
          prompt: body.prompt,
          params,
        });
        // Stop waiting if the client goes away (the generation itself carries on). The
        // response's 'close' before anything was written means the connection dropped.
        // Nothing is written while waiting: let the socket stay quiet that long (DIFFSCOPE_HTTP_IDLE_TIMEOUT_MS is shorter).
        // (An injected request, in tests, has no real socket.)
        request.raw.socket?.setTimeout?.(config.DIFFSCOPE_SYNC_TIMEOUT_MS + config.DIFFSCOPE_HTTP_IDLE_TIMEOUT_MS);
        const gone = new AbortController();
        const onClose = () => {
          if (!reply.raw.writableEnded) gone.abort();
        };
        reply.raw.once('close', onClose);
        const done = await waitForTerminal(store, record.id, config.DIFFSCOPE_SYNC_TIMEOUT_MS, ctx.syncPollMs, gone.signal).finally(() =>
          reply.raw.off('close', onClose),
        );
        if (!done && gone.signal.aborted) {
          logger.info('client_gone', { status: 'waiting', note: 'the generation continues; follow it by id' });
          return reply;
        }
        if (!done) {
          logger.warn('request_timeout', { status: 'timeout', timeout_ms: config.DIFFSCOPE_SYNC_TIMEOUT_MS });
          throw new DiffscopeError(
            'DSC_ERR_API_TIMEOUT',
            `generation ${record.id} did not finish within ${config.DIFFSCOPE_SYNC_TIMEOUT_MS} ms; follow it at /v1/generations/${record.id}`,
          );
        }
        if (done.status !== 'succeeded') {
          const error = errorFromRecord(done.error, `generation ${done.status}`);
          logger.info('request_complete', { status: done.status, error_code: error.code, total_ms: Date.now() - started });
          throw error;
        }
        let data: Array<{ url: string } | { b64_json: string }>;
        if (body.response_format === 'b64_json') {
          if (!ctx.objectStore) throw new DiffscopeError('DSC_ERR_STORAGE_FAILED', 'no object store configured to read images back');
          data = [];
          for (const location of done.outputs) {
            const png = await ctx.objectStore.get(location);
            if (!png) throw new DiffscopeError('DSC_ERR_STORAGE_FAILED', `image ${location} is missing`);
            data.push({ b64_json: png.toString('base64') });
          }
        } else {
          data = imageUrls(publicBaseUrl(config, request), done).map((url) => ({ url }));
        }
        logger.info('request_complete', {
          status: done.status,
          total_ms: Date.now() - started,
          queue_ms: done.queueMs,
          inference_time_ms: done.inferenceMs,
          output_location: done.outputs[0],
        });
        return { created: Math.floor(done.createdAt / 1000), data };
      }),
    );
  };
}
