/**
 * Request bodies, checked with zod into field-level errors: the first problem is reported
 * as `{code, message, field}` with `field` a dotted path into the body.
 */
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { paramsFromWire, type WireParams } from '../contract/generation-params.js';
import { GENERATION_LIMITS, type NumericLimit } from '../contract/limits.js';
import { DiffscopeError, type ErrorCode } from '../errors/index.js';
import { SAMPLER_NAMES, type GenerationParams, type ModelInfo } from '../inference/types.js';
import { WEBHOOK_EVENTS } from '../notifier/index.js';
import { sizeFits, sizeMismatchMessage } from './model-view.js';

const DEFAULT_SAMPLER = 'ddim';
const { steps: STEPS, n: N, cfgScale: CFG_SCALE, seed: SEED } = GENERATION_LIMITS;

/** A number field checked against its row of the limits table, with messages naming the wire field. */
function limited(field: string, limit: NumericLimit) {
  let schema = z.number();
  if (limit.integer) schema = schema.int(`${field} must be an integer`);
  return schema.min(limit.min, `${field} must be at least ${limit.min}`).max(limit.max, `${field} must be at most ${limit.max}`);
}

const requiredString = (name: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? `${name} is required` : `${name} must be a string`) });

/** The prompt, the same in diffscope's and the OpenAI-compatible body: trimmed, not empty, at most `maxPromptChars`. */
const promptSchema = (maxPromptChars: number) =>
  requiredString('prompt')
    .trim()
    .min(1, 'prompt must not be empty')
    .max(maxPromptChars, `prompt must be at most ${maxPromptChars} characters`);

export function generationBodySchema(maxPromptChars: number) {
  return z.strictObject(
    {
      prompt: promptSchema(maxPromptChars),
      negative_prompt: z.string().max(maxPromptChars, `negative_prompt must be at most ${maxPromptChars} characters`).optional(),
      model: z.string().min(1).max(200).optional(),
      sampler: z.enum(SAMPLER_NAMES, { error: `sampler must be one of ${SAMPLER_NAMES.join(', ')}` }).optional(),
      steps: limited('steps', STEPS).optional(),
      cfg_scale: limited('cfg_scale', CFG_SCALE).optional(),
      seed: limited('seed', SEED).optional(),
      width: z.number().int('width must be an integer').positive().optional(),
      height: z.number().int('height must be an integer').positive().optional(),
      n: limited('n', N).optional(),
      karras_sigmas: z.boolean().optional(),
      webhook: z
        .strictObject({
          url: requiredString('webhook.url').max(2048),
          events: z
            .array(z.enum(WEBHOOK_EVENTS, { error: `webhook.events entries must be one of ${WEBHOOK_EVENTS.join(', ')}` }))
            .min(1)
            .optional(),
        })
        .optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : 'request body must be a JSON object',
    },
  );
}

export type GenerationBody = z.infer<ReturnType<typeof generationBodySchema>>;

const OPENAI_SIZE = /^(\d{1,5})x(\d{1,5})$/;

export function openAiBodySchema(maxPromptChars: number) {
  // Not strict: OpenAI clients send fields we do not use (quality, style, user, …).
  return z.object(
    {
      prompt: promptSchema(maxPromptChars),
      model: z.string().min(1).max(200).nullish(),
      n: limited('n', N).nullish(),
      size: z.string().regex(OPENAI_SIZE, 'size must look like "WIDTHxHEIGHT", e.g. "32x32"').nullish(),
      response_format: z.enum(['url', 'b64_json'], { error: 'response_format must be url or b64_json' }).nullish(),
    },
    { error: () => 'request body must be a JSON object' },
  );
}

export type OpenAiBody = z.infer<ReturnType<typeof openAiBodySchema>>;

/** Parse or throw the first problem as a DiffscopeError with its field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  let path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') path = [...path, issue.keys[0]];
  const field = path.join('.') || undefined;
  const code: ErrorCode = field === 'sampler' ? 'DSC_ERR_INFER_UNKNOWN_SAMPLER' : 'DSC_ERR_API_VALIDATION';
  const message =
    issue.code === 'invalid_type' && issue.input === undefined && field && !issue.message.includes('required')
      ? `${field} is required`
      : issue.message;
  throw new DiffscopeError(code, message, { field });
}

/** Parameters as a request body carries them (snake_case; OpenAI bodies send null for absent). */
export type ResolveParamsInput = { [K in keyof WireParams]?: WireParams[K] | null };

/** Fill defaults (model's size, random seed) and check the model's size rules. */
export function resolveParams(
  input: ResolveParamsInput,
  models: readonly ModelInfo[],
  defaultModel: string,
): { params: GenerationParams; model: ModelInfo } {
  const given = paramsFromWire(input);
  const modelId = given.model ?? defaultModel;
  const model = models.find((m) => m.id === modelId);
  if (!model) {
    throw new DiffscopeError(
      'DSC_ERR_MODEL_NOT_FOUND',
      `unknown model "${modelId}"; known: ${models.map((m) => m.id).join(', ') || '(none)'}`,
      {
        field: 'model',
      },
    );
  }
  const width = given.width ?? model.defaultWidth;
  const height = given.height ?? model.defaultHeight;
  const badField = !sizeFits(model.sizes, width) ? 'width' : !sizeFits(model.sizes, height) ? 'height' : undefined;
  if (badField) throw new DiffscopeError('DSC_ERR_INFER_BAD_SIZE', sizeMismatchMessage(model, width, height), { field: badField });
  const params: GenerationParams = {
    model: model.id,
    sampler: given.sampler ?? DEFAULT_SAMPLER,
    steps: given.steps ?? STEPS.default,
    cfgScale: given.cfgScale ?? CFG_SCALE.default,
    seed: given.seed ?? randomInt(SEED.min, SEED.max + 1),
    width,
    height,
    n: given.n ?? N.default,
  };
  if (given.karrasSigmas !== undefined) params.karrasSigmas = given.karrasSigmas;
  return { params, model };
}

/** `"64x48"` → { width: 64, height: 48 } (format already checked by the schema). */
export function parseOpenAiSize(size: string): { width: number; height: number } {
  const match = OPENAI_SIZE.exec(size)!;
  return { width: Number(match[1]), height: Number(match[2]) };
}
