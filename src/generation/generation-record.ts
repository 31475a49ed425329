/**
 * What the shared store keeps about one generation, and the events a client can follow.
 * The raw prompt is never part of it: only its keyed hash (the prompt travels in the job).
 */
import type { PublicError } from '../errors/index.js';
import type { GenerationParams } from '../inference/types.js';
import type { GenerationStatus } from './lifecycle.js';

export type { GenerationParams };

export interface WebhookSpec {
  url: string;
  events: string[];
}

/** An error as clients see it (record, events, webhook): a DSC_ERR_* code and a message. */
export type { PublicError };

export interface GenerationRecord {
  id: string;
  clientId: string;
  status: GenerationStatus;
  params: GenerationParams;
  promptHash: string;
  traceId: string;
  webhook?: WebhookSpec;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  queueMs?: number;
  inferenceMs?: number;
  totalMs?: number;
  attempts: number;
  outputs: string[];
  modelVersion?: string;
  error?: PublicError;
  cancelRequested: boolean;
  /**
   * When the notifier delivered the outcome's webhook (ms since epoch): a completion message
   * that comes again (the outbox re-publishing one whose settlement was lost) sends nothing.
   */
  completionDeliveredAt?: number;
}

/** Fields a plain update may set: never the id, never the status (that only moves through `moves`). */
export type RecordPatch = Partial<Omit<GenerationRecord, 'id' | 'status'>>;

export type GenerationEventType = 'queued' | 'started' | 'progress' | 'succeeded' | 'failed' | 'canceled';

export interface GenerationEvent {
  /** Monotonic per generation, from 1: SSE `id`, so a reconnecting client resumes with Last-Event-ID. */
  seq: number;
  type: GenerationEventType;
  data: Record<string, unknown>;
  at: number;
}
