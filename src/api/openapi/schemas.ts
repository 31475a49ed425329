/**
 * The api-server's responses as zod schemas, registered under the names the OpenAPI document
 * gives them (`#/components/schemas/<id>`). Request bodies are not repeated here: the document
 * takes them from the schemas that validate requests (src/api/validation.ts).
 *
 * The type checks at the bottom tie these schemas to the functions that build the answers, so a
 * field added to a response without being described here fails `tsc`; the conformance test
 * (test/api/openapi.test.ts) checks live answers against the served document.
 */
import { z } from 'zod';
import { ERRORS } from '../../errors/index.js';
import { SAMPLER_NAMES } from '../../inference/types.js';
import type { generationView } from '../generation-view.js';
import type { modelListView, modelView } from '../model-view.js';

export interface SchemaMeta {
  id: string;
  description?: string;
}

/** Every named schema of the document. */
export const apiSchemas = z.registry<SchemaMeta>();

function named<T extends z.ZodType>(id: string, description: string, schema: T): T {
  apiSchemas.add(schema, { id, description });
  return schema;
}

const isoTime = z.iso.datetime();
const traceId = z.string().regex(/^[0-9a-f]{32}$/);
const GENERATION_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
const ERROR_CODES = Object.keys(ERRORS) as [keyof typeof ERRORS, ...(keyof typeof ERRORS)[]];

export const errorSchema = named(
  'Error',
  'Every error answer. `field` is the dotted path of the offending body field; `type` and `param` are added on OpenAI-compatible routes.',
  z.object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      field: z.string().optional(),
      type: z.enum(['invalid_request_error', 'server_error']).optional(),
      param: z.string().nullable().optional(),
    }),
  }),
);

const publicError = named(
  'GenerationError',
  'Why a generation failed or was canceled.',
  z.object({ code: z.string(), message: z.string() }),
);

const links = named(
  'GenerationLinks',
  'Paths of the generation, its event stream and its images.',
  z.object({ self: z.string(), events: z.string(), images: z.string() }),
);

const timings = named(
  'GenerationTimings',
  "Milliseconds: creation → start of the attempt that finished, the pipeline's own time, creation → finish (null until known).",
  z.object({ queue_ms: z.number().int().nullable(), inference_ms: z.number().int().nullable(), total_ms: z.number().int().nullable() }),
);

export const generationParamsSchema = named(
  'GenerationParams',
  'The parameters a generation ran with, defaults filled in.',
  z.object({
    model: z.string(),
    sampler: z.enum(SAMPLER_NAMES),
    steps: z.number().int(),
    cfg_scale: z.number(),
    seed: z.number().int(),
    width: z.number().int(),
    height: z.number().int(),
    n: z.number().int(),
    karras_sigmas: z.boolean().optional(),
  }),
);

export const generationCreatedSchema = named(
  'GenerationCreated',
  'The answer to `POST /v1/generations`: the id to follow and the seed that will be used.',
  z.object({ id: z.string(), status: z.literal('queued'), trace_id: traceId, created_at: isoTime, seed: z.number().int(), links }),
);

export const generationViewSchema = named(
  'Generation',
  "A generation: parameters and the prompt's keyed hash (never the prompt), status, timings and images.",
  z.object({
    id: z.string(),
    status: z.enum(GENERATION_STATUSES),
    trace_id: traceId,
    created_at: isoTime.nullable(),
    started_at: isoTime.nullable(),
    finished_at: isoTime.nullable(),
    params: generationParamsSchema,
    prompt_hash: z.string(),
    model_version: z.string().nullable(),
    timings,
    output_locations: z.array(z.string()),
    images: z.array(z.url()),
    error: publicError.nullable(),
    attempts: z.number().int(),
    cancel_requested: z.boolean(),
    webhook: z.object({ url: z.string(), events: z.array(z.string()) }).nullable(),
    links,
    /** While queued (issue 10): place in the queue (1 = next) and the estimated wait. */
    position: z.number().int().min(1).nullable().optional(),
    eta_ms: z.number().int().min(0).nullable().optional(),
  }),
);

export const cancelResultSchema = named(
  'CancelResult',
  'A queued generation is canceled at once (200); a running one stops between two steps (202).',
  z.object({ id: z.string(), status: z.enum(GENERATION_STATUSES), cancel_requested: z.literal(true) }),
);

export const deleteResultSchema = named(
  'DeleteResult',
  "The generation's images, record and events were removed (`status`: what it was; a queued one is canceled first).",
  z.object({
    id: z.string(),
    deleted: z.literal(true),
    status: z.enum(['succeeded', 'failed', 'canceled']),
    images_deleted: z.number().int().min(0),
  }),
);

export const openAiImagesResponseSchema = named(
  'ImagesResponse',
  'OpenAI Images API answer: one entry per image, a URL or base64 PNG depending on `response_format`.',
  z.object({
    created: z.number().int(),
    data: z.array(z.union([z.object({ url: z.url() }), z.object({ b64_json: z.base64() })])),
  }),
);

export const modelSchema = named(
  'Model',
  "OpenAI's model object (`id`, `object`, `created`, `owned_by`) plus the sizes the model draws, its samplers and version.",
  z.object({
    id: z.string(),
    object: z.literal('model'),
    created: z.number().int().describe("Unix seconds: when the model's files were last written (0 when unknown)"),
    owned_by: z.string(),
    version: z.string().describe("Digest of the model's files: `model_version` of the generations it draws"),
    kind: z.enum(['pixel', 'latent']),
    description: z.string().nullable(),
    default: z.boolean().describe('Whether requests that name no model get this one (DIFFSCOPE_DEFAULT_MODEL)'),
    default_size: z
      .string()
      .regex(/^\d+x\d+$/)
      .describe('WIDTHxHEIGHT drawn when the request names no size'),
    sizes: z
      .object({ min: z.number().int(), max: z.number().int(), multiple_of: z.number().int(), summary: z.string() })
      .describe('Width and height each lie in min…max and are multiples of multiple_of'),
    samplers: z.array(z.enum(SAMPLER_NAMES)),
  }),
);

export const modelListSchema = named(
  'ModelList',
  "OpenAI's list shape.",
  z.object({ object: z.literal('list'), data: z.array(modelSchema) }),
);

export const healthSchema = named('Health', 'The process is up.', z.object({ status: z.literal('ok') }));

export const readinessSchema = named(
  'Readiness',
  'Whether the queue and the generation store answered within 2 s; a failing check reads `error: …`.',
  z.object({ status: z.enum(['ready', 'unavailable']), checks: z.record(z.string(), z.string()) }),
);

// Server-Sent Events of `GET /v1/generations/{id}/events`: `data` of each event type. Loose:
// the stream may carry more fields than listed.
const sseCommon = { seq: z.number().int().min(1), at: isoTime };

export const sseEventSchemas = {
  queued: named(
    'EventQueued',
    'Queued at creation, again when a failed attempt is retried (`retry`, `attempt`, `error`), and as the place in the queue changes.',
    z.looseObject({
      ...sseCommon,
      status: z.literal('queued').optional(),
      created_at: isoTime.optional(),
      retry: z.boolean().optional(),
      attempt: z.number().int().optional(),
      error: publicError.optional(),
      position: z.number().int().min(1).nullable().optional(),
      eta_ms: z.number().int().min(0).nullable().optional(),
    }),
  ),
  started: named('EventStarted', 'A worker started an attempt.', z.looseObject({ ...sseCommon, attempt: z.number().int() })),
  progress: named(
    'EventProgress',
    'One per sampling step.',
    z.looseObject({ ...sseCommon, step: z.number().int().min(1), total_steps: z.number().int().min(1), step_ms: z.number() }),
  ),
  succeeded: named(
    'EventSucceeded',
    'Terminal: images stored.',
    z.looseObject({ ...sseCommon, status: z.literal('succeeded'), output_locations: z.array(z.string()), timings }),
  ),
  failed: named('EventFailed', 'Terminal.', z.looseObject({ ...sseCommon, status: z.literal('failed'), error: publicError, timings })),
  canceled: named(
    'EventCanceled',
    'Terminal.',
    z.looseObject({ ...sseCommon, status: z.literal('canceled'), error: publicError, timings }),
  ),
} as const;

// What the handlers return must be what the document says (compile-time; see the header).
type Fits<Actual extends Described, Described> = Actual;
export type GenerationViewFits = Fits<ReturnType<typeof generationView>, z.output<typeof generationViewSchema>>;
export type ModelFits = Fits<ReturnType<typeof modelView>, z.output<typeof modelSchema>>;
export type ModelListFits = Fits<ReturnType<typeof modelListView>, z.output<typeof modelListSchema>>;
