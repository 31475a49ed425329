import type { GenerationRecord, RecordPatch } from '../generation/index.js';

/** Drop undefined values: a stored record only has the properties it names. */
export function definedFields<T extends object>(value: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = v;
  return out as Partial<T>;
}

/**
 * What a patch may change (shallow merge): never the id, and never the status, which moves
 * only through a guarded `transition` (src/generation/lifecycle.ts). Dropped at run time too,
 * for callers that reach here around the types.
 */
export function cleanPatch(patch: RecordPatch): Partial<GenerationRecord> {
  const { id: _id, status: _status, ...rest } = definedFields(patch as Partial<GenerationRecord>);
  return rest;
}

export class DuplicateGenerationError extends Error {
  constructor(id: string) {
    super(`generation ${id} already exists`);
    this.name = 'DuplicateGenerationError';
  }
}

export class MissingGenerationError extends Error {
  constructor(id: string) {
    super(`generation ${id} does not exist`);
    this.name = 'MissingGenerationError';
  }
}
