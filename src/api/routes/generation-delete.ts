/**
 * `DELETE /v1/generations/{id}`: removes the generation's images, record and events
 * (src/generation/retention.ts, the same removal as the retention sweep).
 *
 * - Finished: removed, `200 {id, deleted: true, status, images_deleted}`.
 * - Queued: canceled first, through the lifecycle (as `POST …/cancel` does: terminal event, log
 *   line, completion message), then removed.
 * - Running: `409`, nothing changed. Its worker could still store images after the record is gone;
 *   cancel it (`POST …/cancel`) and delete it once it has ended.
 * - Unknown, another client's, or already deleted: `404`. Repeating a DELETE is safe: the first
 *   removes, the next ones answer 404 and change nothing.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { DiffscopeError } from '../../errors/index.js';
import { isTerminal, removeFinishedGeneration, type GenerationRecord } from '../../generation/index.js';
import type { ApiContext } from '../api-context.js';
import { stateError } from '../generation-service.js';
import { traced } from '../request-context.js';
import { loadOwned } from './generations.js';

function runningConflict(id: string): DiffscopeError {
  return new DiffscopeError(
    'DSC_ERR_API_CONFLICT',
    `generation ${id} is running: cancel it (POST /v1/generations/${id}/cancel) and delete it once it has ended`,
  );
}

export function generationDeletePlugin(ctx: ApiContext): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    const { logger, store, service, objectStore } = ctx;
    const fromStore = <T>(work: Promise<T>): Promise<T> => work.catch((err: unknown) => Promise.reject(stateError(err)));

    app.delete<{ Params: { id: string } }>(
      '/v1/generations/:id',
      traced(async (request) => {
        let record: GenerationRecord = await loadOwned(store, request.params.id, request.clientId);
        let canceled = false;
        if (record.status === 'queued') {
          // Wins only from `queued`: a worker that took it meanwhile keeps it, uncanceled (409 below).
          canceled = await fromStore(service.cancelQueued(record));
          record = await loadOwned(store, record.id, request.clientId);
        }
        if (!isTerminal(record.status)) throw runningConflict(record.id);
        const removal = await fromStore(removeFinishedGeneration(store, objectStore, record.id, record.outputs));
        // A concurrent DELETE (or the retention sweep) removed it first: as if it had been missing.
        if (!removal.removed) throw new DiffscopeError('DSC_ERR_API_NOT_FOUND', `generation ${record.id} not found`);
        logger.info('generation_deleted', {
          generation_id: record.id,
          status: record.status,
          images_removed: removal.images,
          ...(canceled ? { canceled: true } : {}),
        });
        return { id: record.id, deleted: true as const, status: record.status, images_deleted: removal.images };
      }),
    );
  };
}
