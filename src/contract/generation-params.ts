/**
 * What a generation asks for (`GenerationParams`: the parameters only, no prompt, no buffers, so
 * the browser bundle can import it), and how each parameter is spelt. They are camelCase inside
 * the services and snake_case on the wire and in logs (`cfg_scale`, `karras_sigmas`). The mapping
 * is this table; the API view, request parsing and every log line that carries the parameters go
 * through it. src/inference/types.ts re-exports the types for the pipeline's callers.
 */

export const SAMPLER_NAMES = ['ddim', 'euler', 'euler_a', 'dpmpp_2m', 'lcm'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

export interface GenerationParams {
  /** Registry id of the model, e.g. `shapes-v1`. */
  model: string;
  sampler: SamplerName;
  steps: number;
  cfgScale: number;
  seed: number;
  width: number;
  height: number;
  /** Images per request. */
  n: number;
  /** DPM++ 2M only: use Karras sigmas. Other samplers ignore it. */
  karrasSigmas?: boolean;
}

const WIRE_NAMES = {
  model: 'model',
  sampler: 'sampler',
  steps: 'steps',
  cfgScale: 'cfg_scale',
  seed: 'seed',
  width: 'width',
  height: 'height',
  n: 'n',
  karrasSigmas: 'karras_sigmas',
} as const satisfies { [K in keyof Required<GenerationParams>]: string };

type WireNames = typeof WIRE_NAMES;

/** The parameters as a client sends and reads them. */
export type WireParams = { [K in keyof GenerationParams as WireNames[K]]: GenerationParams[K] };

const INTERNAL_KEYS = Object.keys(WIRE_NAMES) as (keyof GenerationParams)[];

/** camelCase → snake_case, in the table's order; absent optional parameters stay absent. */
export function paramsToWire(params: GenerationParams): WireParams {
  const out: Record<string, unknown> = {};
  for (const key of INTERNAL_KEYS) if (params[key] !== undefined) out[WIRE_NAMES[key]] = params[key];
  return out as WireParams;
}

/** snake_case → camelCase for the parameters present (null counts as absent); defaults are the caller's. */
export function paramsFromWire(wire: { [K in keyof WireParams]?: WireParams[K] | null }): Partial<GenerationParams> {
  const out: Record<string, unknown> = {};
  for (const key of INTERNAL_KEYS) {
    const value = (wire as Record<string, unknown>)[WIRE_NAMES[key]];
    if (value !== undefined && value !== null) out[key] = value;
  }
  return out;
}

/**
 * The parameters as log fields (the log-event catalogue's names): the model as `model_id`,
 * Karras sigmas left out (a sampler option, not a dimension anyone filters logs by).
 */
export function paramLogFields(params: GenerationParams) {
  const { model, karras_sigmas: _karras, ...rest } = paramsToWire(params);
  return { model_id: model, ...rest };
}
