/** The JSON a client sees for a generation: parameters and the prompt's hash, never the prompt. */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import { paramsToWire } from '../contract/generation-params.js';
import type { QueuePlace } from '../generation/index.js';
import type { GenerationRecord } from '../state/index.js';

/**
 * Where clients reach this server: DIFFSCOPE_PUBLIC_URL, else the address it listens on. Never
 * the request's `Host` header, which a client (or a DNS-rebinding page) chooses.
 */
export function publicBaseUrl(config: Config, request?: FastifyRequest): string {
  if (config.DIFFSCOPE_PUBLIC_URL) return config.DIFFSCOPE_PUBLIC_URL.replace(/\/+$/, '');
  const address = request?.server.server.address();
  const port = address && typeof address === 'object' ? address.port : config.DIFFSCOPE_API_PORT;
  const bind = config.DIFFSCOPE_API_HOST;
  const host = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
  return `http://${host}:${port}`;
}

export function generationLinks(id: string) {
  const self = `/v1/generations/${id}`;
  return { self, events: `${self}/events`, images: `${self}/images` };
}

export function imageUrls(base: string, record: Pick<GenerationRecord, 'id' | 'outputs'>): string[] {
  return record.outputs.map((_, k) => `${base}/v1/generations/${record.id}/images/${k}`);
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** `place`: where a queued generation stands (src/generation/queue-position.ts); only a queued view has `position`/`eta_ms`. */
export function generationView(record: GenerationRecord, base: string, place?: QueuePlace) {
  return {
    id: record.id,
    status: record.status,
    trace_id: record.traceId,
    created_at: iso(record.createdAt),
    started_at: iso(record.startedAt),
    finished_at: iso(record.finishedAt),
    params: paramsToWire(record.params),
    prompt_hash: record.promptHash,
    model_version: record.modelVersion ?? null,
    timings: {
      queue_ms: record.queueMs ?? null,
      inference_ms: record.inferenceMs ?? null,
      total_ms: record.totalMs ?? null,
    },
    output_locations: record.outputs,
    images: imageUrls(base, record),
    error: record.error ?? null,
    attempts: record.attempts,
    cancel_requested: record.cancelRequested,
    webhook: record.webhook ? { url: record.webhook.url, events: record.webhook.events } : null,
    links: generationLinks(record.id),
    ...(record.status === 'queued' ? { position: place?.position ?? null, eta_ms: place?.etaMs ?? null } : {}),
  };
}
