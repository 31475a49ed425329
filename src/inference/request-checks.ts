/**
 * The checks a request passes before it runs, the same limits as the API (src/contract/limits.ts)
 * for callers that reach the pipeline directly: sampler, steps/n/seed/cfg ranges, and the size
 * the model allows (and the one its export was fixed to, once loaded).
 */
import { GENERATION_LIMITS, withinLimit, type LimitedParam } from '../contract/limits.js';
import { DiffscopeError } from '../errors/index.js';
import { SAMPLER_NAMES, type GenerationParams, type ModelInfo } from './types.js';
import type { LoadedModel } from './loaded-model.js';

/** The limited parameters with the field name a client knows them by. */
const LIMITED: readonly [LimitedParam, string][] = [
  ['steps', 'steps'],
  ['n', 'n'],
  ['seed', 'seed'],
  ['cfgScale', 'cfg_scale'],
];

/** The same limits as the API (src/contract/limits.ts), for callers that reach the pipeline directly. */
export function checkParams(params: GenerationParams): void {
  if (!(SAMPLER_NAMES as readonly string[]).includes(params.sampler)) {
    throw new DiffscopeError(
      'DSC_ERR_INFER_UNKNOWN_SAMPLER',
      `unknown sampler '${String(params.sampler)}' (known: ${SAMPLER_NAMES.join(', ')})`,
      {
        field: 'sampler',
      },
    );
  }
  for (const [param, field] of LIMITED) {
    if (withinLimit(param, params[param])) continue;
    const { min, max, integer } = GENERATION_LIMITS[param];
    throw new DiffscopeError('DSC_ERR_INFER_BAD_PARAMS', `${field} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}]`, {
      field,
    });
  }
}

export function checkSize(params: GenerationParams, info: ModelInfo, model?: LoadedModel): void {
  const { min, max, multipleOf } = info.sizes;
  for (const field of ['width', 'height'] as const) {
    const v = params[field];
    if (!Number.isInteger(v) || v < min || v > max || v % multipleOf !== 0) {
      const allowed = min === max ? `${min}` : `${min}–${max} in steps of ${multipleOf}`;
      throw new DiffscopeError('DSC_ERR_INFER_BAD_SIZE', `${field} ${v} is not supported by model '${info.id}' (allowed: ${allowed})`, {
        field,
      });
    }
  }
  if (model) {
    const scale = model.layout.vaeScaleFactor;
    const fixed: [number | undefined, number, 'height' | 'width'][] = [
      [model.io.unetHeight, params.height, 'height'],
      [model.io.unetWidth, params.width, 'width'],
    ];
    for (const [dim, value, field] of fixed) {
      if (dim !== undefined && dim * scale !== value) {
        throw new DiffscopeError(
          'DSC_ERR_INFER_BAD_SIZE',
          `${field} ${value} is not supported: model '${info.id}' was exported for ${dim * scale}`,
          { field },
        );
      }
    }
  }
}
