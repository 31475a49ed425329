/**
 * Span attributes for a generation request, from API (snake_case) or internal (camelCase)
 * parameter objects. Only allow-listed keys are read, so a prompt can never become an attribute.
 */
import type { Attributes } from '@opentelemetry/api';
import { ATTR } from '../contract/index.js';
import { promptHash } from './privacy.js';

export interface GenerationAttributeInput {
  model?: unknown;
  sampler?: unknown;
  steps?: unknown;
  cfg_scale?: unknown;
  cfgScale?: unknown;
  seed?: unknown;
  width?: unknown;
  height?: unknown;
  n?: unknown;
  prompt?: unknown;
  /** Already-computed hash (e.g. from the job payload). */
  prompt_hash?: unknown;
  [key: string]: unknown;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function generationAttributes(input: GenerationAttributeInput): Attributes {
  const attrs: Attributes = { [ATTR.GEN_AI_OUTPUT_TYPE]: 'image' };
  if (typeof input.model === 'string') {
    attrs[ATTR.DIFFUSION_MODEL_ID] = input.model;
    attrs[ATTR.GEN_AI_REQUEST_MODEL] = input.model;
  }
  if (typeof input.sampler === 'string') attrs[ATTR.DIFFUSION_SAMPLER] = input.sampler;
  const pairs: [string, unknown][] = [
    [ATTR.DIFFUSION_STEPS, input.steps],
    [ATTR.DIFFUSION_CFG_SCALE, input.cfg_scale ?? input.cfgScale],
    [ATTR.DIFFUSION_SEED, input.seed],
    [ATTR.DIFFUSION_WIDTH, input.width],
    [ATTR.DIFFUSION_HEIGHT, input.height],
    [ATTR.DIFFUSION_N, input.n],
  ];
  for (const [key, value] of pairs) {
    const n = num(value);
    if (n !== undefined) attrs[key] = n;
  }
  if (typeof input.prompt_hash === 'string') attrs[ATTR.DIFFUSION_PROMPT_HASH] = input.prompt_hash;
  else if (typeof input.prompt === 'string') attrs[ATTR.DIFFUSION_PROMPT_HASH] = promptHash(input.prompt);
  return attrs;
}
