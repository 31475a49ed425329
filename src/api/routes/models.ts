/**
 * `GET /v1/models` and `GET /v1/models/{id}`: the models requests may name, in OpenAI's list
 * shape (OpenAI clients' `models.list()` / `models.retrieve()` work unchanged) plus the sizes,
 * samplers and version of each. Read per request from the same list that validates requests.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { DiffscopeError } from '../../errors/index.js';
import type { ApiContext } from '../api-context.js';
import { modelListView, modelView } from '../model-view.js';
import { traced } from '../request-context.js';

export function modelsPlugin(ctx: ApiContext): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    const defaultModel = ctx.config.DIFFSCOPE_DEFAULT_MODEL;

    app.get(
      '/v1/models',
      traced(async () => modelListView(ctx.models(), defaultModel)),
    );

    app.get<{ Params: { id: string } }>(
      '/v1/models/:id',
      traced(async (request) => {
        const models = ctx.models();
        const model = models.find((m) => m.id === request.params.id);
        if (!model) {
          const known = models.map((m) => m.id).join(', ') || '(none)';
          throw new DiffscopeError('DSC_ERR_API_NOT_FOUND', `model ${request.params.id} not found; known: ${known}`);
        }
        return modelView(model, defaultModel);
      }),
    );
  };
}
