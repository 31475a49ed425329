/**
 * What a generation may ask for, in one table: the API validates request bodies against it
 * (src/api/validation.ts), the inference pipeline checks its parameters against it before any
 * work (src/inference/pipeline.ts), and docs/api.md states it (test/config/limits-docs.test.ts
 * checks that the documented numbers are these).
 */
export interface NumericLimit {
  min: number;
  max: number;
  /** Used when the request leaves the field out; absent when there is none (seed: random). */
  default?: number;
  /** Whole numbers only. */
  integer: boolean;
}

export const GENERATION_LIMITS = {
  /** Sampling steps. */
  steps: { min: 1, max: 150, default: 25, integer: true },
  /** Images per request. */
  n: { min: 1, max: 8, default: 1, integer: true },
  /** Classifier-free guidance scale (0 = unconditional). */
  cfgScale: { min: 0, max: 30, default: 6, integer: false },
  /** Noise seed: 32 bits, so every language's generator can reproduce an image. */
  seed: { min: 0, max: 2 ** 32 - 1, integer: true },
} as const satisfies Record<string, NumericLimit>;

export type LimitedParam = keyof typeof GENERATION_LIMITS;

/** Whether `value` satisfies the limit of `param`. */
export function withinLimit(param: LimitedParam, value: number): boolean {
  const limit: NumericLimit = GENERATION_LIMITS[param];
  if (!Number.isFinite(value) || (limit.integer && !Number.isInteger(value))) return false;
  return value >= limit.min && value <= limit.max;
}
