/**
 * One entry per route of the api-server: what the OpenAPI document says about it. Bodies and
 * answers are zod schemas (request bodies: the ones that validate requests); everything here is
 * turned into JSON Schema by build-document.ts. test/api/openapi.test.ts fails when a registered
 * route has no entry, so the document cannot silently fall behind the server.
 */
import type { z } from 'zod';
import {
  cancelResultSchema,
  deleteResultSchema,
  generationCreatedSchema,
  generationViewSchema,
  healthSchema,
  modelListSchema,
  modelSchema,
  openAiImagesResponseSchema,
  readinessSchema,
} from './schemas.js';

export type RequestBodyName = 'GenerationRequest' | 'ImagesRequest';

export interface ParameterSpec {
  name: string;
  in: 'path' | 'query' | 'header';
  description: string;
  required?: boolean;
  schema: Record<string, unknown>;
}

export interface ResponseSpec {
  description: string;
  /** `application/json` answer. */
  json?: z.ZodType;
  /** Any other media type, with its JSON Schema. */
  content?: Record<string, { schema: Record<string, unknown> }>;
  headers?: Record<string, { description: string; schema: Record<string, unknown> }>;
}

export interface OperationSpec {
  method: 'GET' | 'POST' | 'DELETE';
  /** Fastify's form (`/v1/generations/:id`); the document writes `{id}`. */
  path: string;
  operationId: string;
  tag: 'generations' | 'openai' | 'models' | 'operations';
  summary: string;
  description?: string;
  /** Answered without an API key (probes, scrapes). */
  open?: boolean;
  requestBody?: RequestBodyName;
  parameters?: ParameterSpec[];
  responses: Record<string, ResponseSpec>;
  /** Error statuses (answered with the Error schema; their codes come from the error table). */
  errors?: number[];
}

const generationId: ParameterSpec = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The generation id (`x-request-id` of the POST that created it).',
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' },
};

const locationHeader = { description: 'The generation to follow: `/v1/generations/{id}`.', schema: { type: 'string' } };

/** Headers every answer carries. */
export const COMMON_RESPONSE_HEADERS = {
  'x-request-id': { description: 'Id of this request; for a created generation its id.', schema: { type: 'string' } },
  traceresponse: {
    description: 'W3C `traceresponse`: `00-<trace_id>-<span_id>-<flags>` of the server span.',
    schema: { type: 'string', pattern: '^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$' },
  },
} as const;

export const OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'POST',
    path: '/v1/generations',
    operationId: 'createGeneration',
    tag: 'generations',
    summary: 'Queue a generation',
    description: 'Answers at once; follow the generation by id, with Server-Sent Events or with a webhook.',
    requestBody: 'GenerationRequest',
    responses: { 202: { description: 'Queued.', json: generationCreatedSchema, headers: { location: locationHeader } } },
    errors: [400, 401, 413, 415, 429, 503],
  },
  {
    method: 'GET',
    path: '/v1/generations/:id',
    operationId: 'getGeneration',
    tag: 'generations',
    summary: 'Read a generation',
    parameters: [generationId],
    responses: { 200: { description: 'The generation.', json: generationViewSchema } },
    errors: [401, 404, 503],
  },
  {
    method: 'POST',
    path: '/v1/generations/:id/cancel',
    operationId: 'cancelGeneration',
    tag: 'generations',
    summary: 'Cancel a generation',
    parameters: [generationId],
    responses: {
      200: { description: 'It was queued: canceled at once.', json: cancelResultSchema },
      202: { description: 'It is running: its worker stops between two sampling steps.', json: cancelResultSchema },
    },
    errors: [401, 404, 409, 503],
  },
  {
    method: 'DELETE',
    path: '/v1/generations/:id',
    operationId: 'deleteGeneration',
    tag: 'generations',
    summary: 'Delete a generation',
    description:
      'Removes its images, record and events. A queued generation is canceled first; a running one is refused (409: cancel it, then delete it once it has ended). ' +
      'Repeating the call is safe: once removed, the generation answers 404.',
    parameters: [generationId],
    responses: { 200: { description: 'Removed.', json: deleteResultSchema } },
    errors: [401, 404, 409, 502, 503],
  },
  {
    method: 'GET',
    path: '/v1/generations/:id/events',
    operationId: 'streamGenerationEvents',
    tag: 'generations',
    summary: 'Follow a generation (Server-Sent Events)',
    description:
      'Stored events are replayed, then new ones stream live; the stream ends after the terminal event. ' +
      'Each event is `id: <seq>`, `event: <type>`, `data: <JSON>`; `x-sse-events` names the schema of `data` per type. ' +
      'Comment lines (`: heartbeat`) keep idle connections open.',
    parameters: [
      generationId,
      {
        name: 'Last-Event-ID',
        in: 'header',
        description: 'Resume after this event id (browsers send it on reconnect).',
        schema: { type: 'string', pattern: '^\\d{1,12}$' },
      },
      {
        name: 'after',
        in: 'query',
        description: 'Same as `Last-Event-ID`, for clients that cannot set headers.',
        schema: { type: 'string', pattern: '^\\d{1,12}$' },
      },
    ],
    responses: {
      200: {
        description: 'An event stream.',
        content: { 'text/event-stream': { schema: { type: 'string', description: 'id/event/data blocks separated by blank lines' } } },
      },
    },
    errors: [401, 404],
  },
  {
    method: 'GET',
    path: '/v1/generations/:id/images/:k',
    operationId: 'getGenerationImage',
    tag: 'generations',
    summary: 'Download an image',
    parameters: [
      generationId,
      {
        name: 'k',
        in: 'path',
        required: true,
        description: '0-based index of the image.',
        schema: { type: 'string', pattern: '^\\d{1,3}$' },
      },
    ],
    responses: {
      200: { description: 'The PNG.', content: { 'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } } } },
    },
    errors: [401, 404],
  },
  {
    method: 'POST',
    path: '/v1/images/generations',
    operationId: 'createImage',
    tag: 'openai',
    summary: 'Generate and wait (OpenAI Images API)',
    description: 'Waits up to DIFFSCOPE_SYNC_TIMEOUT_MS. OpenAI model names (`dall-e-*`, `gpt-image-*`) or none select the default model.',
    requestBody: 'ImagesRequest',
    responses: { 200: { description: 'The images.', json: openAiImagesResponseSchema } },
    errors: [400, 401, 413, 415, 429, 500, 503, 504],
  },
  {
    method: 'GET',
    path: '/v1/models',
    operationId: 'listModels',
    tag: 'models',
    summary: 'List the models (OpenAI shape)',
    responses: { 200: { description: 'The models requests may name.', json: modelListSchema } },
    errors: [401],
  },
  {
    method: 'GET',
    path: '/v1/models/:id',
    operationId: 'getModel',
    tag: 'models',
    summary: 'Read one model (OpenAI shape)',
    parameters: [{ name: 'id', in: 'path', required: true, description: 'The model id.', schema: { type: 'string' } }],
    responses: { 200: { description: 'The model.', json: modelSchema } },
    errors: [401, 404],
  },
  {
    method: 'GET',
    path: '/openapi.json',
    operationId: 'getOpenApi',
    tag: 'operations',
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } } },
    errors: [401],
  },
  {
    method: 'GET',
    path: '/healthz',
    operationId: 'health',
    tag: 'operations',
    summary: 'Liveness',
    open: true,
    responses: { 200: { description: 'The process runs.', json: healthSchema } },
  },
  {
    method: 'GET',
    path: '/readyz',
    operationId: 'ready',
    tag: 'operations',
    summary: 'Readiness',
    open: true,
    responses: {
      200: { description: 'The queue and the generation store answer.', json: readinessSchema },
      503: { description: 'A check failed.', json: readinessSchema },
    },
  },
  {
    method: 'GET',
    path: '/metrics',
    operationId: 'metrics',
    tag: 'operations',
    summary: 'Prometheus / OpenMetrics scrape',
    open: true,
    responses: {
      200: {
        description: 'Metrics in the Prometheus text or OpenMetrics format (the registry decides).',
        content: { 'text/plain': { schema: { type: 'string' } }, 'application/openmetrics-text': { schema: { type: 'string' } } },
      },
    },
  },
];
