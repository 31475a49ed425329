/**
 * The errors a generation ends with, as clients see them (record, terminal event, webhook).
 * Each text is written here once.
 */
import { publicError } from '../errors/index.js';
import type { PublicError } from './generation-record.js';

export const CANCELED_BY_CLIENT: PublicError = Object.freeze({ code: 'DSC_ERR_INFER_CANCELED', message: 'canceled by the client' });

export const ENQUEUE_FAILED: PublicError = Object.freeze({ code: 'DSC_ERR_QUEUE_UNAVAILABLE', message: 'could not enqueue' });

/** The queue gave up on the job: every attempt failed (or kept killing its workers). */
export function deadLetteredError(attempts: number, reason: string): PublicError {
  return { code: 'DSC_ERR_INFER_FAILED', message: `failed after ${attempts} attempts: ${reason}` };
}

/** Our own errors keep their code; anything else is an inference failure (the mapping is src/errors/error-mapping.ts). */
export const toPublicError: (err: unknown) => PublicError = publicError;

/** The reconciler found the generation queued/running with no job left for it (src/generation/reconciler.ts). */
export function generationLostError(status: string, idleMs: number): PublicError {
  return {
    code: 'DSC_ERR_GENERATION_LOST',
    message: `the generation was ${status} with no job left in the queue for ${Math.round(idleMs / 1000)} s; submit it again`,
  };
}
