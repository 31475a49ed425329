/**
 * Generation state shared by every api-server replica and worker: embedded SQLite on one
 * machine, PostgreSQL or Redis across machines. Progress fan-out uses each store's own
 * means (SQLite: polling the shared file; PostgreSQL: LISTEN/NOTIFY; Redis: pub/sub).
 * The raw prompt is never stored here: only its keyed hash.
 */
import type { GenerationParams } from '../inference/types.js';

export type GenerationStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';
export const TERMINAL_STATUSES: readonly GenerationStatus[] = ['succeeded', 'failed', 'canceled'];

export interface WebhookSpec {
  url: string;
  events: string[];
}

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
  error?: { code: string; message: string };
  cancelRequested: boolean;
}

export type GenerationEventType = 'queued' | 'started' | 'progress' | 'succeeded' | 'failed' | 'canceled';

export interface GenerationEvent {
  /** Monotonic per generation, from 1: SSE `id`, so a reconnecting client resumes with Last-Event-ID. */
  seq: number;
  type: GenerationEventType;
  data: Record<string, unknown>;
  at: number;
}

export interface GenerationStore {
  readonly kind: 'sqlite' | 'postgres' | 'redis';
  create(record: GenerationRecord): Promise<void>;
  get(id: string): Promise<GenerationRecord | null>;
  /** Patch fields; returns the updated record or null if missing. */
  update(id: string, patch: Partial<Omit<GenerationRecord, 'id'>>): Promise<GenerationRecord | null>;
  /**
   * Atomically move to a terminal status only if not terminal already. Returns false when
   * another delivery finished it first: the caller must not store or notify again.
   */
  finish(id: string, status: 'succeeded' | 'failed' | 'canceled', patch: Partial<GenerationRecord>): Promise<boolean>;
  appendEvent(id: string, type: GenerationEventType, data: Record<string, unknown>): Promise<GenerationEvent>;
  events(id: string, afterSeq?: number): Promise<GenerationEvent[]>;
  /** Live events for one generation (all replicas see all events). Returns an unsubscribe function. */
  subscribe(id: string, listener: (event: GenerationEvent) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
