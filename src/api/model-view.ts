/**
 * A model as clients see it: OpenAI's model object (`id`, `object`, `created`, `owned_by`, so
 * OpenAI clients' `models.list()` works) plus what a diffscope request needs to know: the sizes
 * the model draws, the samplers, the version. The size wording here is also the wording of the
 * size error (src/api/validation.ts), so the list and the error always agree.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLER_NAMES, type ModelInfo } from '../inference/types.js';

export const MODEL_OWNER = 'diffscope';

/** "32x32" for a model with one size; "widths and heights from 64 to 2048 in multiples of 8" for a range. */
export function describeSizes(sizes: ModelInfo['sizes']): string {
  if (sizes.min === sizes.max) return `${sizes.min}x${sizes.max}`;
  const step = sizes.multipleOf > 1 ? ` in multiples of ${sizes.multipleOf}` : '';
  return `widths and heights from ${sizes.min} to ${sizes.max}${step}`;
}

export function sizeFits(sizes: ModelInfo['sizes'], value: number): boolean {
  return value >= sizes.min && value <= sizes.max && value % sizes.multipleOf === 0;
}

/** "model shapes-v1 draws 32x32; got 64x64". */
export function sizeMismatchMessage(model: ModelInfo, width: number, height: number): string {
  return `model ${model.id} draws ${describeSizes(model.sizes)}; got ${width}x${height}`;
}

/**
 * When the model's files were last written (mtime of `model_index.json`, Unix seconds): OpenAI's
 * `created`. 0 when the folder cannot be read (a model removed since the registry scanned it).
 */
function createdAt(model: ModelInfo): number {
  try {
    return Math.floor(statSync(join(model.path, 'model_index.json')).mtimeMs / 1000);
  } catch {
    return 0;
  }
}

export function modelView(model: ModelInfo, defaultModel: string) {
  return {
    id: model.id,
    object: 'model' as const,
    created: createdAt(model),
    owned_by: MODEL_OWNER,
    version: model.version,
    kind: model.kind,
    description: model.description ?? null,
    default: model.id === defaultModel,
    default_size: `${model.defaultWidth}x${model.defaultHeight}`,
    sizes: { min: model.sizes.min, max: model.sizes.max, multiple_of: model.sizes.multipleOf, summary: describeSizes(model.sizes) },
    samplers: [...SAMPLER_NAMES],
  };
}

export function modelListView(models: readonly ModelInfo[], defaultModel: string) {
  return { object: 'list' as const, data: models.map((m) => modelView(m, defaultModel)) };
}
